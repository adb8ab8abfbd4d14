/** Row ranges of a tensor seen as a [rows, cols] matrix, for kernels that work in chunks. */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, reshaped, type WasmBackendLike } from './common.js';

export interface RowRange {
  first: number;
  rows: number;
  /** Row length (the tensor's innermost dimension). */
  cols: number;
}

/**
 * Rows [first, first + rows) of t as a [rows, cols] tensor: the tensor itself when that is all
 * of it (no copy), else a copy inside the WASM heap. Dispose the result.
 */
export function rowRange(backend: WasmBackendLike, t: TensorInfo, { first, rows, cols }: RowRange): TensorInfo {
  const total = t.shape.reduce((a, b) => a * b, 1);
  if (first === 0 && rows * cols === total) return reshaped(backend, t, [rows, cols]);
  const out = backend.makeOutput([rows, cols], 'float32');
  heapF32(backend, out).set(heapF32(backend, t).subarray(first * cols, (first + rows) * cols));
  return out;
}
