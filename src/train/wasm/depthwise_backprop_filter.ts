/**
 * DepthwiseConv2dNativeBackpropFilter for the WASM backend (missing in TF.js 4.22).
 * Filter [fh, fw, Cin, M], output channel c·M + m:
 *   dW[kh, kw, c, m] = Σ_{n, oh, ow} x[n, ih, iw, c] · dy[n, oh, ow, c·M + m].
 * Depthwise layers have few weights and few MACs, so plain loops over the data are enough.
 */
import { backend_util, type DepthwiseConv2dNativeBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { readF32, type WasmBackendLike } from './common.js';

function depthwiseBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackendLike;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
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
  const xv = readF32(backend, x);
  const dyv = readF32(backend, dy);
  const out = new Float32Array(fh * fw * C * M);
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
              const xval = xv[xBase + c]!;
              for (let m = 0; m < M; m++) out[wBase + c * M + m]! += xval * dyv[dyBase + c * M + m]!;
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([fh, fw, C, M], 'float32', undefined, out);
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelFunc,
};
