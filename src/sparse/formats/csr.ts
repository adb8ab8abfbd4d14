/**
 * Compressed sparse rows.
 *  csr16: ptr[rows + 1] (uint16, or uint32 past 65535 non-zeros), uint16 column per value.
 *  csr8:  the row is cut into segments of 256 columns (aux = segments per row); ptr has
 *         rows * segments + 1 entries and the column within the segment is one byte. With
 *         cols <= 256 that is plain CSR with 8-bit columns; wider rows pay one pointer per
 *         segment instead of a second index byte per value.
 *   values: [nnz] row-major, columns increasing.
 */
import { emptyLike, ptrWidth, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

function encodeCsr(m: WeightMatrix, segment: number, name: 'csr8' | 'csr16'): EncodedMatrix {
  const segs = Math.max(1, Math.ceil(m.cols / segment));
  const ptr: number[] = [0];
  const index: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let s = 0; s < segs; s++) {
      const end = Math.min(m.cols, (s + 1) * segment);
      for (let c = s * segment; c < end; c++) {
        const v = m.values[r * m.cols + c]!;
        if (v === 0) continue;
        index.push(c - s * segment);
        values.push(v);
      }
      ptr.push(values.length);
    }
  }
  const pw = ptrWidth(values.length);
  return withBytes({
    format: name,
    rows: m.rows,
    cols: m.cols,
    taps: m.taps,
    dtype: m.dtype,
    aux: segs,
    aux2: 0,
    indexBytes: name === 'csr8' ? 1 : 2,
    ptrBytes: pw,
    values: { ctype: valueCType(m.dtype), values },
    index: { ctype: name === 'csr8' ? 'uint8_t' : 'uint16_t', values: index },
    ptr: { ctype: pw === 2 ? 'uint16_t' : 'uint32_t', values: ptr },
    stored: values.length,
    nnz: values.length,
    units: m.rows * segs,
  });
}

function decodeCsr(e: EncodedMatrix, segment: number): WeightMatrix {
  const m = emptyLike(e);
  const segs = e.aux;
  const ptr = e.ptr!.values;
  for (let r = 0; r < e.rows; r++) {
    for (let s = 0; s < segs; s++) {
      const p = r * segs + s;
      for (let k = ptr[p]!; k < ptr[p + 1]!; k++) {
        m.values[r * e.cols + s * segment + e.index!.values[k]!] = e.values.values[k]!;
      }
    }
  }
  return m;
}

export const csr16: SparseFormat = {
  name: 'csr16',
  summary: 'CSR, 16-bit column per value',
  kernel: 'csr16',
  supports: (op) => op !== 'dw',
  notApplicable: (m) => (m.cols > 65536 ? `${m.cols} columns do not fit a 16-bit column index` : undefined),
  encode: (m) => encodeCsr(m, 65536, 'csr16'),
  decode: (e) => decodeCsr(e, 65536),
};

export const csr8: SparseFormat = {
  name: 'csr8',
  summary: 'CSR, 8-bit column within 256-column segments',
  kernel: 'csr8',
  supports: () => true,
  notApplicable: () => undefined,
  encode: (m) => encodeCsr(m, 256, 'csr8'),
  decode: (e) => decodeCsr(e, 256),
};
