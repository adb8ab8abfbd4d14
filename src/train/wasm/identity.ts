/**
 * Identity for the WASM backend: the output shares the input's data (a reference, as the CPU
 * backend does) instead of TF.js WASM's copy. The engine clones every tensor that a gradient
 * keeps for the backward pass, so each training step copied LeNet-5's conv1 activations three
 * times (0.6 ms a step). No WASM kernel writes into its inputs; the one in-place write of ours,
 * masking a variable after an optimizer step, checks that nothing else holds its data.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { reshaped, type WasmBackendLike } from './common.js';

function identity(args: { inputs: { x: TensorInfo }; backend: WasmBackendLike }): TensorInfo {
  const { x } = args.inputs;
  return reshaped(args.backend, x, [...x.shape]);
}

export const identityConfig: KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
