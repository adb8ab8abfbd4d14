/**
 * Cast for the WASM backend, wrapping TF.js's own: a cast to the tensor's own dtype shares the
 * data (as the CPU backend does) instead of copying it. ReLU's gradient casts a float32 step
 * function to float32 (0.3 ms a LeNet-5 step for conv1). Other casts go to the original.
 */
import type { CastAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { reshaped, wrapKernel, type WasmBackendLike } from './common.js';

type CastArgs = { inputs: { x: TensorInfo }; backend: WasmBackendLike; attrs: CastAttrs };

export function castConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<CastArgs>(original, (args, fallback) => {
    const { x } = args.inputs;
    return args.attrs.dtype === x.dtype ? reshaped(args.backend, x, [...x.shape]) : fallback(args);
  });
}
