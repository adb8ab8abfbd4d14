/**
 * Masks on weight tensors in their TFLite layout, for the training engine and the sensitivity
 * sweep. The granularity and its mask are src/sparse/granularity.ts's, on the weight matrix
 * the sparse formats store: CONV_2D OHWI and FULLY_CONNECTED [out, in] are that matrix
 * already; DEPTHWISE_CONV_2D 1HW(C·M) is its transpose (a row of KH·KW taps per channel).
 */
import { TinypruneError } from '../errors.js';
import { granularityMask, granularityNote, toGranularity, type GranularityLike, type MatrixShape } from '../sparse/granularity.js';

export interface WeightLayout {
  opcode: string;
  shape: number[];
}

/** The matrix view of a weight tensor and whether it is stored transposed (depthwise). */
export function matrixShapeOf(l: WeightLayout): MatrixShape & { transposed: boolean } {
  const s = l.shape;
  const size = s.reduce((a, b) => a * b, 1);
  if (l.opcode === 'FULLY_CONNECTED' && s.length === 2) return { rows: s[0]!, cols: s[1]!, taps: 1, transposed: false };
  if (l.opcode === 'CONV_2D' && s.length === 4) return { rows: s[0]!, cols: size / s[0]!, taps: s[1]! * s[2]!, transposed: false };
  if (l.opcode === 'DEPTHWISE_CONV_2D' && s.length === 4) return { rows: s[3]!, cols: s[1]! * s[2]!, taps: s[1]! * s[2]!, transposed: true };
  throw new TinypruneError('E_PRUNE', `no weight layout for ${l.opcode} [${s.join(', ')}]`, { allowed: 'FULLY_CONNECTED [out, in], CONV_2D [O, KH, KW, I], DEPTHWISE_CONV_2D [1, KH, KW, C]' });
}

/** How the granularity acts on this layer when that differs from its name (see granularityNote). */
export function layoutNote(l: WeightLayout, g: GranularityLike): string | undefined {
  return granularityNote(matrixShapeOf(l), toGranularity(g), l.opcode);
}

/** The 0/1 mask (tensor layout) for one weight tensor at a target sparsity. */
export function computeMask(scores: Float32Array, l: WeightLayout, g: GranularityLike, sparsity: number): Float32Array {
  const v = matrixShapeOf(l);
  const n = scores.length;
  // tensor index of view index i: depthwise [tap][channel] ⇄ view [channel][tap].
  const at = v.transposed ? (i: number): number => (i % v.taps) * v.rows + Math.floor(i / v.taps) : (i: number): number => i;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) score[i] = scores[at(i)]!;
  const keep = granularityMask(v, score, g, Math.min(1, Math.max(0, sparsity)));
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[at(i)] = keep[i]!;
  return mask;
}

export function maskSparsity(mask: Float32Array): number {
  let z = 0;
  for (const v of mask) if (v === 0) z++;
  return mask.length === 0 ? 0 : z / mask.length;
}

/**
 * Global magnitude thresholding: one score threshold across layers (element granularity)
 * → the per-layer sparsity it implies.
 */
export function globalSparsities(scores: Float32Array[], sparsity: number): number[] {
  const total = scores.reduce((a, s) => a + s.length, 0);
  const all = new Float32Array(total);
  let p = 0;
  for (const s of scores) {
    all.set(s, p);
    p += s.length;
  }
  all.sort();
  const k = Math.round(sparsity * total);
  if (k <= 0) return scores.map(() => 0);
  const thr = all[Math.min(total - 1, k - 1)]!;
  return scores.map((s) => {
    let below = 0;
    for (const v of s) if (v <= thr) below++;
    return below / s.length;
  });
}
