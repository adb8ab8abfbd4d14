/**
 * Registers our WASM-backend training kernels (idempotent): the gradients TF.js 4.22's WASM
 * backend lacks, and replacements for those of its kernels that are far slower than the
 * XNNPACK products they sit between (measured per kernel on LeNet-300-100 and LeNet-5 steps).
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { addBiasConfig } from './add_bias.js';
import { batchMatMulConfig } from './batch_mat_mul.js';
import { castConfig } from './cast.js';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.js';
import { depthwiseBackpropFilterConfig } from './depthwise_backprop_filter.js';
import { depthwiseBackpropInputConfig } from './depthwise_backprop_input.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max_pool_grad.js';
import { sumConfig } from './sum.js';
import { transposeConfig } from './transpose.js';

/** Kernels the backend does not have. */
export const WASM_GRADIENT_KERNELS = [conv2dBackpropFilterConfig, depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig];

/** Kernels replacing the backend's own; each gets the original (to wrap it, or to ignore it). */
const WASM_KERNEL_OVERRIDES: { name: string; make: (original: KernelConfig) => KernelConfig }[] = [
  { name: 'BatchMatMul', make: batchMatMulConfig },
  { name: 'Conv2DBackpropInput', make: () => conv2dBackpropInputConfig },
  { name: 'MaxPoolGrad', make: () => maxPoolGradConfig },
  { name: 'Sum', make: sumConfig },
  { name: 'Add', make: addBiasConfig },
  { name: 'Cast', make: castConfig },
  { name: 'Identity', make: identityConfig },
  { name: 'Transpose', make: transposeConfig },
];

const ours = new Set<unknown>([...WASM_GRADIENT_KERNELS, conv2dBackpropInputConfig, maxPoolGradConfig].map((k) => k.kernelFunc));

export function registerWasmGradientKernels(): string[] {
  const added: string[] = [];
  for (const k of WASM_GRADIENT_KERNELS) {
    if (!getKernel(k.kernelName, 'wasm')) {
      registerKernel(k);
      added.push(k.kernelName);
    }
  }
  for (const o of WASM_KERNEL_OVERRIDES) {
    const current = getKernel(o.name, 'wasm');
    if (!current || ours.has(current.kernelFunc)) continue;
    const mine = o.make(current);
    ours.add(mine.kernelFunc);
    unregisterKernel(o.name, 'wasm');
    registerKernel(mine);
    added.push(o.name);
  }
  return added;
}
