/**
 * bitmask: one bit per weight (bit j of mask byte k of a row is column 8k + j; every row
 * starts on a byte) and the non-zero values packed row-major. No row pointers: a kernel walks
 * the rows in order and consumes the values as it goes.
 *   index: uint8_t[rows * ceil(cols / 8)]   values: [nnz]
 */
import { emptyLike, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const bitmask: SparseFormat = {
  name: 'bitmask',
  summary: '1 bit per weight + the non-zeros packed',
  kernel: 'bitmask',
  supports: () => true,
  notApplicable: () => undefined,
  encode(m: WeightMatrix): EncodedMatrix {
    const mb = Math.ceil(m.cols / 8);
    const mask = new Array<number>(m.rows * mb).fill(0);
    const values: number[] = [];
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        const v = m.values[r * m.cols + c]!;
        if (v === 0) continue;
        mask[r * mb + (c >> 3)]! |= 1 << (c & 7);
        values.push(v);
      }
    }
    return withBytes({
      format: 'bitmask',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: mb,
      aux2: 0,
      indexBytes: 1,
      ptrBytes: 0,
      values: { ctype: valueCType(m.dtype), values },
      index: { ctype: 'uint8_t', values: mask },
      stored: values.length,
      nnz: values.length,
      units: m.rows * mb,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    const mb = Math.ceil(e.cols / 8);
    const mask = e.index!.values;
    let k = 0;
    for (let r = 0; r < e.rows; r++) {
      for (let c = 0; c < e.cols; c++) {
        if ((mask[r * mb + (c >> 3)]! >> (c & 7)) & 1) m.values[r * e.cols + c] = e.values.values[k++]!;
      }
    }
    return m;
  },
};
