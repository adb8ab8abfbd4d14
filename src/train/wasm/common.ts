/**
 * What our WASM-backend kernels need from the backend: read a tensor's values and make an
 * output from values. (BackendWasm has more; we only rely on these public methods.)
 */
import type { DataId, DataType, TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import { TinypruneError } from '../../errors.js';

export interface WasmBackendLike {
  readSync(dataId: DataId): backend_util.BackendValues;
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: backend_util.BackendValues): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

export function readF32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const v = backend.readSync(t.dataId);
  if (!(v instanceof Float32Array)) {
    throw new TinypruneError('E_BACKEND', `expected a float32 tensor, got ${t.dtype}`, { where: 'WASM gradient kernel' });
  }
  return v;
}

export function requireNhwc(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new TinypruneError('E_BACKEND', `${kernel} on WASM supports NHWC only; got ${dataFormat}`, { where: kernel });
  }
}
