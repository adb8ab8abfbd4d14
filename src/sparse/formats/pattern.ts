/**
 * pattern: kernel-level patterns (PatDNN, Niu et al. 2020). A convolution row holds one KxK
 * kernel per input channel; each kernel's set of non-zero taps is a bit mask, and the masks
 * of a layer are collected in a small table (entry 0 is the empty kernel). Every kernel stores
 * a one-byte pattern id and its kept values, taps increasing.
 *   table:  uint32_t[aux] masks (bit t = tap t = ky * KW + kx), table[0] == 0
 *   index:  uint8_t[rows * cin] pattern id of kernel (row, ci)
 *   values: per kernel in (row, ci) order, popcount(table[id]) values
 * Applies to layers with 2..32 taps and at most 255 distinct non-empty masks (a pattern-pruned
 * layer has a handful). The kernel sums per (channel, tap) instead of per (tap, channel), so
 * it is offered for int8 (exact in any order) and for depthwise float (one channel per row).
 */
import { emptyLike, valueCType, withBytes, type EncodedMatrix, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export const MAX_PATTERNS = 255;

function masks(m: WeightMatrix): number[] {
  const cin = m.cols / m.taps;
  const out: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let ci = 0; ci < cin; ci++) {
      let mask = 0;
      for (let t = 0; t < m.taps; t++) if (m.values[r * m.cols + t * cin + ci] !== 0) mask |= 1 << t;
      out.push(mask >>> 0);
    }
  }
  return out;
}

/** The distinct non-empty masks, most frequent first (ties: smaller mask first). */
export function patternTable(ms: number[]): number[] {
  const freq = new Map<number, number>();
  for (const k of ms) if (k !== 0) freq.set(k, (freq.get(k) ?? 0) + 1);
  return [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([k]) => k);
}

export const pattern: SparseFormat = {
  name: 'pattern',
  summary: 'per-kernel pattern id into a table of KxK tap masks',
  kernel: 'pattern',
  supports: (op, dtype) => op === 'dw' || (op === 'conv' && dtype === 'int8'),
  notApplicable(m) {
    if (m.taps < 2 || m.taps > 32) return `a kernel has ${m.taps} taps (patterns cover 2..32)`;
    const n = patternTable(masks(m)).length;
    if (n > MAX_PATTERNS) return `${n} distinct kernel patterns (a table holds at most ${MAX_PATTERNS}; prune with patterns first)`;
    return undefined;
  },
  encode(m: WeightMatrix): EncodedMatrix {
    const why = this.notApplicable(m);
    if (why) throw new Error(`pattern: ${why}`);
    const cin = m.cols / m.taps;
    const ms = masks(m);
    const table = [0, ...patternTable(ms)];
    const id = new Map(table.map((k, i) => [k, i]));
    const values: number[] = [];
    ms.forEach((mask, k) => {
      const r = Math.floor(k / cin);
      const ci = k % cin;
      for (let t = 0; t < m.taps; t++) if ((mask >>> t) & 1) values.push(m.values[r * m.cols + t * cin + ci]!);
    });
    return withBytes({
      format: 'pattern',
      rows: m.rows,
      cols: m.cols,
      taps: m.taps,
      dtype: m.dtype,
      aux: table.length,
      aux2: 0,
      indexBytes: 1,
      ptrBytes: 0,
      values: { ctype: valueCType(m.dtype), values },
      index: { ctype: 'uint8_t', values: ms.map((k) => id.get(k)!) },
      table: { ctype: 'uint32_t', values: table },
      stored: values.length,
      nnz: values.length,
      units: ms.length,
    });
  },
  decode(e: EncodedMatrix): WeightMatrix {
    const m = emptyLike(e);
    const cin = e.cols / e.taps;
    let k = 0;
    e.index!.values.forEach((id, kernel) => {
      const r = Math.floor(kernel / cin);
      const ci = kernel % cin;
      const mask = e.table!.values[id]!;
      for (let t = 0; t < e.taps; t++) if ((mask >>> t) & 1) m.values[r * e.cols + t * cin + ci] = e.values.values[k++]!;
    });
    return m;
  },
};
