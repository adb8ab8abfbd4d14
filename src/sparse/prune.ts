/**
 * One-shot magnitude pruning of a weight matrix (no data, no fine-tuning): zero the least
 * important units of a granularity (src/sparse/granularity.ts) until a target fraction of
 * the weights is zero, so each sparse format can be fed the structure it stores best.
 * Importance is |weight| * row scale (the real value of a per-channel quantised int8
 * weight); weights that already are zero count towards the target.
 */
import { granularityMask, type GranularityLike } from './granularity.js';
import type { WeightMatrix } from './types.js';

/** Fraction of zero weights. */
export function sparsityOf(m: WeightMatrix): number {
  let z = 0;
  for (let i = 0; i < m.values.length; i++) if (m.values[i] === 0) z++;
  return m.values.length === 0 ? 0 : z / m.values.length;
}

export function pruneMatrix(m: WeightMatrix, rowScale: readonly number[], granularity: GranularityLike, target: number): WeightMatrix {
  const n = m.values.length;
  const score = new Float64Array(n);
  const alive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = Math.abs(m.values[i]!) * (rowScale[Math.floor(i / m.cols)] ?? 1);
    alive[i] = m.values[i] !== 0 ? 1 : 0;
  }
  const keep = granularityMask(m, score, granularity, target, alive);
  const values = m.values.slice();
  for (let i = 0; i < n; i++) if (!keep[i]) values[i] = 0;
  return { ...m, values };
}
