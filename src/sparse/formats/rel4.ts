/**
 * rel4: relative indexing with 4-bit gaps, as in EIE / Deep Compression (Han et al. 2016).
 * Each stored entry says how many zeros precede it since the previous entry of its row (0..15)
 * and holds a value; a run of more than 15 zeros is bridged by filler entries (gap 15, value
 * 0), each advancing the position by 16. Entry i's gap is the low nibble of index byte i/2
 * when i is even, the high nibble when odd (entries are numbered across the whole matrix).
 *   ptr: [rows + 1] entry offsets (uint16/uint32)   index: uint8_t[ceil(entries / 2)]
 *   values: [entries] (filler zeros included)       units = fillers
 */
import { emptyLike, ptrWidth, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const rel4: SparseFormat = {
  name: 'rel4',
  summary: '4-bit relative index + filler zeros (EIE)',
  kernel: 'rel4',
  supports: (op) => op !== 'dw',
  notApplicable: () => undefined,
  encode(m: WeightMatrix): EncodedMatrix {
    const gaps: number[] = [];
    const values: number[] = [];
    const ptr: number[] = [0];
    let nnz = 0;
    for (let r = 0; r < m.rows; r++) {
      let prev = -1;
      for (let c = 0; c < m.cols; c++) {
        const v = m.values[r * m.cols + c]!;
        if (v === 0) continue;
        let gap = c - prev - 1;
        while (gap > 15) {
          gaps.push(15);
          values.push(0);
          gap -= 16;
        }
        gaps.push(gap);
        values.push(v);
        nnz++;
        prev = c;
      }
      ptr.push(values.length);
    }
    const index = new Array<number>(Math.ceil(gaps.length / 2)).fill(0);
    gaps.forEach((g, i) => (index[i >> 1]! |= g << ((i & 1) * 4)));
    const pw = ptrWidth(values.length);
    return withBytes({
      format: 'rel4',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: 0,
      aux2: 0,
      indexBytes: 1,
      ptrBytes: pw,
      values: { ctype: valueCType(m.dtype), values },
      index: { ctype: 'uint8_t', values: index },
      ptr: { ctype: pw === 2 ? 'uint16_t' : 'uint32_t', values: ptr },
      stored: values.length,
      nnz,
      units: values.length - nnz,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    const ptr = e.ptr!.values;
    const idx = e.index!.values;
    for (let r = 0; r < e.rows; r++) {
      let pos = -1;
      for (let k = ptr[r]!; k < ptr[r + 1]!; k++) {
        pos += 1 + ((idx[k >> 1]! >> ((k & 1) * 4)) & 15);
        const v = e.values.values[k]!;
        if (v !== 0) m.values[r * e.cols + pos] = v;
      }
    }
    return m;
  },
};
