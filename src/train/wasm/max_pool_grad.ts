/**
 * MaxPoolGrad for the WASM backend, replacing TF.js 4.22's own (its C++ loop took as long as
 * the whole LeNet-5 conv2 weight gradient). Each pooling window sends its upstream gradient
 * to the first position holding the window's maximum (row-major within the window, as the
 * CPU backend chooses), one pass over the windows with the channels innermost.
 */
import { backend_util, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from './common.js';
import { tapTable } from './im2col.js';

function maxPoolGrad(args: { inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo }; backend: WasmBackendLike; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: N, inChannels: C } = info;
  const image = info.inHeight * info.inWidth;
  const pixels = info.outHeight * info.outWidth;
  const { start, pixel } = tapTable(info);
  const out = backend.makeOutput(input.shape, 'float32');
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  dx.fill(0);
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < pixels; p++) {
      best.fill(-Infinity);
      at.fill(-1);
      for (let j = start[p]!; j < start[p + 1]!; j++) {
        const base = (n * image + pixel[j]!) * C;
        for (let c = 0; c < C; c++) {
          const v = x[base + c]!;
          if (v > best[c]! || at[c] === -1) {
            best[c] = v;
            at[c] = base + c;
          }
        }
      }
      const gi = (n * pixels + p) * C;
      for (let c = 0; c < C; c++) if (at[c]! >= 0) dx[at[c]!]! += g[gi + c]!;
    }
  }
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
