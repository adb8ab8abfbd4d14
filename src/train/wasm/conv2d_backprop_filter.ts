/**
 * Conv2DBackpropFilter for the WASM backend (TF.js 4.22 has none, so training any CONV_2D on
 * WASM fails without it). dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, ih, iw, ci] · dy[n, oh, ow, co]
 * with ih = oh·strideH − padTop + kh·dilationH (and the same for w).
 *
 * As a product: dW [K, Cout] = patchesᵀ [K, R] · dy [R, Cout] (R = output pixels, K = kh·kw·Cin).
 * The transposed patches are gathered straight into a WASM tensor, dy is used where it lies,
 * and the product runs on the backend's BatchMatMul (XNNPACK) — its result is already the
 * HWIO filter gradient. Images are processed in chunks to bound the scratch memory.
 *
 * Gathering patches costs a JS write per element of the [K, R] matrix, as much as the product
 * itself once Cin is large (LeNet-5 conv2: 2M elements, measured 20 ms against 10 ms). With
 * stride 1 the same sum is a convolution that XNNPACK runs without patches, batch and
 * channels swapped: dW[ci][kh, kw, co] = conv(xᵀ [Cin, H, W, N], dyᵀ [Ho, Wo, N, Cout]).
 * That costs two transposes instead, so it is used when the patches would be several times
 * larger than the tensors to transpose.
 */
import { backend_util, getKernel, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { TinypruneError } from '../../errors.js';
import { heapF32, heapOffset, requireNhwc, reshaped, type WasmBackendLike } from './common.js';
import { matMul } from './batch_mat_mul.js';
import { im2colTransposed, imagesPerChunk } from './im2col.js';
import { rowRange } from './rows.js';

/** Use the convolution form when the patch matrix is this many times the transposed data. */
const PATCHES_OVER_TRANSPOSES = 3;

function kernel(name: string): KernelFunc {
  const k = getKernel(name, 'wasm');
  if (!k) throw new TinypruneError('E_BACKEND', `the WASM backend has no ${name} kernel`, { where: 'Conv2DBackpropFilter' });
  return k.kernelFunc;
}

function convolutionFormFits(info: backend_util.Conv2DInfo): boolean {
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return false;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const patches = N * Ho * Wo * info.filterHeight * info.filterWidth * Cin;
  return patches > PATCHES_OVER_TRANSPOSES * (N * H * W * Cin + N * Ho * Wo * Cout);
}

/** Stride 1: dW as a convolution of the transposed input by the transposed output gradient. */
function viaConvolution(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const transpose = kernel('Transpose');
  const { top, bottom, left, right } = info.padInfo;
  const xT = transpose({ inputs: { x }, backend: backend as never, attrs: { perm: [3, 1, 2, 0] } }) as TensorInfo;
  const dyT = transpose({ inputs: { x: dy }, backend: backend as never, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo;
  const pad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const attrs = { strides: 1, pad, dilations: 1, dataFormat: 'NHWC' };
  const dwT = kernel('Conv2D')({ inputs: { x: xT, filter: dyT }, backend: backend as never, attrs: attrs as never }) as TensorInfo;
  backend.disposeData(xT.dataId);
  backend.disposeData(dyT.dataId);
  const dw = transpose({ inputs: { x: dwT }, backend: backend as never, attrs: { perm: [1, 2, 0, 3] } }) as TensorInfo;
  backend.disposeData(dwT.dataId);
  return dw;
}

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  requireNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (convolutionFormFits(info)) return viaConvolution(backend, x, dy, info);
  const { batchSize: N, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = Ho * Wo;
  const step = imagesPerChunk(info);
  let out: TensorInfo | undefined;
  for (let n0 = 0; n0 < N; n0 += step) {
    const n1 = Math.min(N, n0 + step);
    const R = (n1 - n0) * pixels;
    const patchesT = backend.makeOutput([K, R], 'float32');
    const dyRows = rowRange(backend, dy, { first: n0 * pixels, rows: R, cols: Cout });
    im2colTransposed(backend, info, heapOffset(backend, x), heapOffset(backend, patchesT), { n0, n1 });
    const part = matMul(backend, patchesT, dyRows);
    backend.disposeData(patchesT.dataId);
    backend.disposeData(dyRows.dataId);
    if (!out) {
      out = part;
      continue;
    }
    const acc = heapF32(backend, out);
    const pv = heapF32(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i]! += pv[i]!;
    backend.disposeData(part.dataId);
  }
  const result = reshaped(backend, out!, attrs.filterShape);
  backend.disposeData(out!.dataId);
  return result;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelFunc,
};
