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
  // Per window and channel, a scalar running maximum over the window's taps (their input
  // offsets computed once per window; 2x2 windows unrolled): 6.8 -> 3.9 ms on LeNet-5's first
  // pool, [64,24,24,20], against per-channel maxima kept in arrays.
  const offsets = new Int32Array(info.filterHeight * info.filterWidth);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < pixels; p++) {
      const taps = start[p + 1]! - start[p]!;
      for (let j = 0; j < taps; j++) offsets[j] = (n * image + pixel[start[p]! + j]!) * C;
      const gi = (n * pixels + p) * C;
      if (taps === 4) {
        const o0 = offsets[0]!, o1 = offsets[1]!, o2 = offsets[2]!, o3 = offsets[3]!;
        for (let c = 0; c < C; c++) {
          let at = o0 + c;
          let best = x[at]!;
          if (x[o1 + c]! > best) best = x[(at = o1 + c)]!;
          if (x[o2 + c]! > best) best = x[(at = o2 + c)]!;
          if (x[o3 + c]! > best) at = o3 + c;
          dx[at]! += g[gi + c]!;
        }
        continue;
      }
      if (taps === 0) continue;
      for (let c = 0; c < C; c++) {
        let at = offsets[0]! + c;
        let best = x[at]!;
        for (let j = 1; j < taps; j++) {
          const v = x[offsets[j]! + c]!;
          if (v > best) {
            best = v;
            at = offsets[j]! + c;
          }
        }
        dx[at]! += g[gi + c]!;
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
