/**
 * What our WASM-backend kernels need from the backend: read a tensor's values, make an output,
 * and (for the hot kernels) look at a tensor's bytes inside the WASM heap without copying them.
 * BackendWasm has more; we rely on these members only.
 */
import type { DataId, DataType, KernelConfig, KernelFunc, TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { TinypruneError } from '../../errors.js';

export interface WasmBackendLike {
  readSync(dataId: DataId): backend_util.BackendValues;
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: backend_util.BackendValues): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef?(dataId: DataId): void;
  /** Where each tensor lives in the WASM heap (BackendWasm's own bookkeeping). */
  dataIdMap?: { get(dataId: DataId): { memoryOffset: number } | undefined };
  /**
   * The Emscripten module; HEAPU8 is re-created when the heap grows. In the threaded build a
   * worker thread may grow the (shared) memory, leaving this thread's HEAPU8 short until
   * Emscripten next checks: wasmMemory.buffer is always current.
   */
  wasm?: { HEAPU8: Uint8Array; wasmMemory?: { buffer: ArrayBufferLike } };
}

export function readF32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) {
    throw new TinypruneError('E_BACKEND', `expected a float32 tensor, got ${t.dtype}`, { where: 'WASM gradient kernel' });
  }
  return v;
}

/**
 * A float32 view of a tensor's data inside the WASM heap (no copy). Writes go straight into the
 * tensor. The view is invalid after anything that may grow the heap (makeOutput, any kernel
 * call): take views after the allocations of a step.
 */
export function heapF32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  return heapF32At(backend, heapOffset(backend, t), t.shape.reduce((a, b) => a * b, 1));
}

/** `length` floats of the WASM heap from byte offset `offset` (the same caveats as heapF32). */
export function heapF32At(backend: WasmBackendLike, offset: number, length: number): Float32Array {
  return new Float32Array(backend.wasm!.wasmMemory?.buffer ?? backend.wasm!.HEAPU8.buffer, offset, length);
}

/** Where a float32 tensor's data starts in the WASM heap (a byte offset). */
export function heapOffset(backend: WasmBackendLike, t: TensorInfo, where = 'WASM training kernel'): number {
  const entry = backend.dataIdMap?.get(t.dataId);
  if (!entry || !backend.wasm || t.dtype !== 'float32') {
    throw new TinypruneError('E_BACKEND', `expected a float32 tensor in the WASM heap, got ${t.dtype}`, { where });
  }
  return entry.memoryOffset;
}

/** The same data seen with another shape (no copy; dispose it like any kernel output). */
export function reshaped(backend: WasmBackendLike, t: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef?.(t.dataId);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export function requireNhwc(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new TinypruneError('E_BACKEND', `${kernel} on WASM supports NHWC only; got ${dataFormat}`, { where: kernel });
  }
}

/**
 * A kernel replacing the backend's own (`original`, whose setup function it keeps): `run` gets
 * each call's arguments and the original kernel, for the cases it leaves to it.
 */
export function wrapKernel<A>(original: KernelConfig, run: (args: A, original: (args: A) => TensorInfo) => TensorInfo): KernelConfig {
  const fallback = original.kernelFunc as unknown as (args: A) => TensorInfo;
  return { ...original, kernelFunc: ((args: A) => run(args, fallback)) as unknown as KernelFunc };
}
