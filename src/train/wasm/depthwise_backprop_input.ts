/**
 * DepthwiseConv2dNativeBackpropInput for the WASM backend (missing in TF.js 4.22): the
 * gradient of a depthwise conv with respect to its input, by scattering each output
 * gradient back through the filter taps that produced it:
 *   dx[n, ih, iw, c] += Σ_m dy[n, oh, ow, c·M + m] · W[kh, kw, c, m].
 */
import { backend_util, type DepthwiseConv2dNativeBackpropInputAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { readF32, type WasmBackendLike } from './common.js';

function depthwiseBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackendLike;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const M = Cout / C;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dyv = readF32(backend, dy);
  const wv = readF32(backend, filter);
  const dx = new Float32Array(N * H * W * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const dyBase = ((n * Ho + oh) * Wo + ow) * Cout;
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw - pl + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (kh * fw + kw) * C * M;
            for (let c = 0; c < C; c++) {
              let s = 0;
              for (let m = 0; m < M; m++) s += dyv[dyBase + c * M + m]! * wv[wBase + c * M + m]!;
              dx[xBase + c]! += s;
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([N, H, W, C], 'float32', undefined, dx);
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as KernelFunc,
};
