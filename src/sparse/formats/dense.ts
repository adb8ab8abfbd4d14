/** dense: every weight stored, row-major — the baseline (and the existing dense kernels). */
import { emptyLike, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const dense: SparseFormat = {
  name: 'dense',
  summary: 'every weight, row-major (the dense kernels)',
  kernel: '',
  supports: () => true,
  notApplicable: () => undefined,
  encode(m: WeightMatrix): EncodedMatrix {
    let nnz = 0;
    for (let i = 0; i < m.values.length; i++) if (m.values[i] !== 0) nnz++;
    return withBytes({
      format: 'dense',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: 0,
      aux2: 0,
      indexBytes: 0,
      ptrBytes: 0,
      values: { ctype: valueCType(m.dtype), values: Array.from(m.values) },
      stored: m.rows * m.cols,
      nnz,
      units: m.rows,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    m.values.set(e.values.values);
    return m;
  },
};
