/**
 * Shape arithmetic shared by the reader, the verifier, the interpreter and the planners:
 * TFLite's formulas (tensorflow/lite/kernels/padding.h, ComputeOutSize / ComputePaddingHeightWidth)
 * written once so that every stage agrees on them.
 */

import { DTYPE_BYTES, type Tensor } from './graph.js';

export type PaddingMode = 'SAME' | 'VALID';

/** Filter extent once dilated: (f - 1) * d + 1. */
export function effectiveFilterSize(filterSize: number, dilation = 1): number {
  return (filterSize - 1) * dilation + 1;
}

/**
 * Output size along one spatial dimension of a conv/pool window (TFLite ComputeOutSize):
 * SAME -> ceil(in / stride); VALID -> ceil((in - effectiveFilter + 1) / stride), never < 0.
 * Returns 0 for a zero stride (an invalid model; the verifier reports it).
 */
export function computeConvOutputSize(p: {
  inSize: number;
  filterSize: number;
  stride: number;
  dilation?: number;
  padding: PaddingMode;
}): number {
  const { inSize, filterSize, stride, dilation = 1, padding } = p;
  if (stride <= 0) return 0;
  const eff = effectiveFilterSize(filterSize, dilation);
  if (padding === 'SAME') return Math.floor((inSize + stride - 1) / stride);
  return Math.max(0, Math.floor((inSize - eff + stride) / stride));
}

/**
 * Padding before the data along one dimension, and whether one extra row/column of padding
 * goes after it (TFLite ComputePaddingWithOffset): total = max((out-1)*stride + eff - in, 0),
 * before = floor(total / 2), offset = total % 2. VALID padding is always 0.
 */
export function computePadding(p: {
  inSize: number;
  filterSize: number;
  stride: number;
  dilation?: number;
  padding: PaddingMode;
}): { before: number; offset: number; outSize: number } {
  const outSize = computeConvOutputSize(p);
  if (p.padding === 'VALID') return { before: 0, offset: 0, outSize };
  const eff = effectiveFilterSize(p.filterSize, p.dilation ?? 1);
  const total = Math.max((outSize - 1) * p.stride + eff - p.inSize, 0);
  return { before: Math.floor(total / 2), offset: total % 2, outSize };
}

/** NumPy/TFLite broadcasting of two shapes (aligned at the right), or null when incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

export function shapeElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Byte lengths a constant of this shape and dtype may have, or null when the dtype has no fixed
 * element size (string, resource, variant). int4 constants are stored packed two per byte by
 * the TFLite converter; an unpacked byte per element is accepted as well.
 */
export function constantByteLengths(t: Pick<Tensor, 'shape' | 'dtype'>): number[] | null {
  const w = DTYPE_BYTES[t.dtype];
  if (w === 0) return null;
  const n = shapeElements(t.shape);
  if (t.dtype === 'int4') return n === Math.ceil(n / 2) ? [n] : [Math.ceil(n / 2), n];
  return [n * w];
}
