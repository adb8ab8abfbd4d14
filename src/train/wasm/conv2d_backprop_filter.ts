/**
 * Conv2DBackpropFilter for the WASM backend (TF.js 4.22 has none, so training any CONV_2D on
 * WASM fails without it). dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, ih, iw, ci] · dy[n, oh, ow, co]
 * with ih = oh·strideH − padTop + kh·dilationH (and the same for w).
 *
 * We gather the input patches (im2col, rows = output pixels, columns = kh·kw·Cin) in JS and hand
 * the product dyᵀ · patches to WASM's own BatchMatMul kernel (XNNPACK), which is where the
 * arithmetic is. Rows are processed in chunks to bound the scratch memory.
 */
import { backend_util, getKernel, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { readF32, requireNhwc, type WasmBackendLike } from './common.js';

/** At most this many floats of patches per chunk (16 MB). */
const CHUNK_FLOATS = 4 * 1024 * 1024;

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  requireNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const xv = readF32(backend, x);
  const dyv = readF32(backend, dy);
  const K = fh * fw * Cin;
  const rowsPerImage = Ho * Wo;
  const imagesPerChunk = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, rowsPerImage * K)));
  const out = new Float32Array(K * Cout);
  const matMul = getKernel('BatchMatMul', 'wasm');
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const n1 = Math.min(N, n0 + imagesPerChunk);
    const R = (n1 - n0) * rowsPerImage;
    const patches = new Float32Array(R * K);
    let r = 0;
    for (let n = n0; n < n1; n++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++, r++) {
          const rowBase = r * K;
          for (let kh = 0; kh < fh; kh++) {
            const ih = oh * sh - pt + kh * dh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < fw; kw++) {
              const iw = ow * sw - pl + kw * dw;
              if (iw < 0 || iw >= W) continue;
              // A plain loop: subarray()+set() per tap allocates a view each time and was
              // the bottleneck for small Cin (measured 8x slower on LeNet-5).
              const src = ((n * H + ih) * W + iw) * Cin;
              const dst = rowBase + (kh * fw + kw) * Cin;
              for (let c = 0; c < Cin; c++) patches[dst + c] = xv[src + c]!;
            }
          }
        }
      }
    }
    // dWᵀ [Cout, K] = dyᵀ [Cout, R] · patches [R, K]: both operands in the layout WASM's
    // BatchMatMul (XNNPACK) is fast on; with transposeA it was ~10x slower (measured).
    const dyT = new Float32Array(Cout * R);
    const dyOff = n0 * rowsPerImage * Cout;
    for (let rr = 0; rr < R; rr++) for (let co = 0; co < Cout; co++) dyT[co * R + rr] = dyv[dyOff + rr * Cout + co]!;
    const a = backend.makeOutput([1, Cout, R], 'float32', undefined, dyT);
    const b = backend.makeOutput([1, R, K], 'float32', undefined, patches);
    if (matMul) {
      const prod = matMul.kernelFunc({ inputs: { a, b }, attrs: { transposeA: false, transposeB: false }, backend: backend as never }) as TensorInfo;
      const pv = readF32(backend, prod);
      for (let co = 0; co < Cout; co++) for (let k = 0; k < K; k++) out[k * Cout + co]! += pv[co * K + k]!;
      backend.disposeData(prod.dataId);
    } else {
      // No BatchMatMul kernel (should not happen on WASM): plain loops.
      for (let rr = 0; rr < R; rr++) {
        for (let k = 0; k < K; k++) {
          const p = patches[rr * K + k]!;
          if (p === 0) continue;
          for (let co = 0; co < Cout; co++) out[k * Cout + co]! += p * dyT[co * R + rr]!;
        }
      }
    }
    backend.disposeData(a.dataId);
    backend.disposeData(b.dataId);
  }
  return backend.makeOutput([fh, fw, Cin, Cout], 'float32', undefined, out);
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
