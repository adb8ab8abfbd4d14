/**
 * channel: the physically smaller dense layer left after channel/neuron removal. Output
 * channels (rows) whose weights are all zero are dropped — their output is the requantised
 * bias alone, a constant — and so are input channels that every row ignores; what remains is
 * an ordinary dense matrix, run by dense SIMD code on the gathered input.
 *   ptr:    uint16_t[aux]  the kept rows, increasing
 *   index:  uint16_t[aux2] the kept input channels (ci of cin = cols / taps), increasing
 *   values: [aux * taps * aux2] row-major, columns tap-major over the kept channels
 * aux = kept rows, aux2 = kept input channels; units = kept rows.
 */
import { emptyLike, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const channel: SparseFormat = {
  name: 'channel',
  summary: 'dense over the kept output and input channels (physically smaller layer)',
  kernel: 'channel',
  supports: () => true,
  notApplicable: (m) => (m.rows > 65536 || m.cols / m.taps > 65536 ? 'more than 65536 channels' : undefined),
  encode(m: WeightMatrix): EncodedMatrix {
    const cin = m.cols / m.taps;
    const rows: number[] = [];
    const used = new Array<boolean>(cin).fill(false);
    let nnz = 0;
    for (let r = 0; r < m.rows; r++) {
      let any = false;
      for (let c = 0; c < m.cols; c++) {
        if (m.values[r * m.cols + c] !== 0) {
          any = true;
          nnz++;
          used[c % cin] = true;
        }
      }
      if (any) rows.push(r);
    }
    const chans = used.flatMap((u, ci) => (u ? [ci] : []));
    const values: number[] = [];
    for (const r of rows) for (let t = 0; t < m.taps; t++) for (const ci of chans) values.push(m.values[r * m.cols + t * cin + ci]!);
    return withBytes({
      format: 'channel',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: rows.length,
      aux2: chans.length,
      indexBytes: 2,
      ptrBytes: 2,
      values: { ctype: valueCType(m.dtype), values },
      index: { ctype: 'uint16_t', values: chans },
      ptr: { ctype: 'uint16_t', values: rows },
      stored: values.length,
      nnz,
      units: rows.length,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    const cin = e.cols / e.taps;
    const rows = e.ptr!.values;
    const chans = e.index!.values;
    let k = 0;
    for (const r of rows) {
      for (let t = 0; t < e.taps; t++) {
        for (const ci of chans) {
          const v = e.values.values[k++]!;
          if (v !== 0) m.values[r * e.cols + t * cin + ci] = v;
        }
      }
    }
    return m;
  },
};
