/**
 * Identity for the WASM backend: the output shares the input's data (a reference, as the CPU
 * backend does) instead of TF.js WASM's copy. The engine clones every tensor that a gradient
 * keeps for the backward pass, so each training step copied LeNet-5's conv1 activations three
 * times (0.6 ms a step). No WASM kernel writes into its inputs; the one in-place write of ours,
 * masking a variable after an optimizer step, checks that nothing else holds its data.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { reshaped, wrapKernel, type WasmBackendLike } from './common.js';

type IdentityArgs = { inputs: { x: TensorInfo }; backend: WasmBackendLike };

/** Our Identity around the backend's own (`original`, kept for strings). */
export function identityConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<IdentityArgs>(original, (args, fallback) => {
    const { x } = args.inputs;
    return x.dtype === 'string' ? fallback(args) : reshaped(args.backend, x, [...x.shape]);
  });
}
