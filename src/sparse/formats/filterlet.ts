/**
 * filterlet: the C_in vector of one output channel at one kernel position (ky, kx) is the
 * unit (Huang et al., "filterlet" / vector-level sparsity). A row stores the taps whose vector
 * holds a non-zero, and each such vector densely — so the inner loop is a dense dot product of
 * C_in bytes (SMLAD / VMLADAV), and bounds are checked once per tap.
 *   ptr:    [rows + 1] filterlet offsets (uint16/uint32)
 *   index:  uint8_t tap (ky * KW + kx) of each filterlet, increasing within a row
 *   values: [filterlets * cin], each vector's C_in weights in channel order
 * units = filterlets. Convolutions only (a fully-connected row is one filterlet: use channel).
 */
import { emptyLike, ptrWidth, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const filterlet: SparseFormat = {
  name: 'filterlet',
  summary: 'per (output channel, tap): the C_in vector, dense, when non-zero',
  kernel: 'filterlet',
  supports: (op) => op === 'conv',
  notApplicable: (m) => (m.taps > 256 ? `${m.taps} taps do not fit an 8-bit tap index` : undefined),
  encode(m: WeightMatrix): EncodedMatrix {
    const cin = m.cols / m.taps;
    const ptr: number[] = [0];
    const index: number[] = [];
    const values: number[] = [];
    let nnz = 0;
    for (let r = 0; r < m.rows; r++) {
      for (let t = 0; t < m.taps; t++) {
        const base = r * m.cols + t * cin;
        let any = false;
        for (let ci = 0; ci < cin; ci++) if (m.values[base + ci] !== 0) (any = true), nnz++;
        if (!any) continue;
        index.push(t);
        for (let ci = 0; ci < cin; ci++) values.push(m.values[base + ci]!);
      }
      ptr.push(index.length);
    }
    const pw = ptrWidth(index.length);
    return withBytes({
      format: 'filterlet',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: cin,
      aux2: 0,
      indexBytes: 1,
      ptrBytes: pw,
      values: { ctype: valueCType(m.dtype), values },
      index: { ctype: 'uint8_t', values: index },
      ptr: { ctype: pw === 2 ? 'uint16_t' : 'uint32_t', values: ptr },
      stored: values.length,
      nnz,
      units: index.length,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    const cin = e.cols / e.taps;
    const ptr = e.ptr!.values;
    for (let r = 0; r < e.rows; r++) {
      for (let f = ptr[r]!; f < ptr[r + 1]!; f++) {
        const t = e.index!.values[f]!;
        for (let ci = 0; ci < cin; ci++) {
          const v = e.values.values[f * cin + ci]!;
          if (v !== 0) m.values[r * e.cols + t * cin + ci] = v;
        }
      }
    }
    return m;
  },
};
