/** Registers our gradient kernels that TF.js 4.22's WASM backend lacks (idempotent). */
import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { depthwiseBackpropFilterConfig } from './depthwise_backprop_filter.js';
import { depthwiseBackpropInputConfig } from './depthwise_backprop_input.js';

export const WASM_GRADIENT_KERNELS = [conv2dBackpropFilterConfig, depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig];

export function registerWasmGradientKernels(): string[] {
  const added: string[] = [];
  for (const k of WASM_GRADIENT_KERNELS) {
    if (!getKernel(k.kernelName, 'wasm')) {
      registerKernel(k);
      added.push(k.kernelName);
    }
  }
  return added;
}
