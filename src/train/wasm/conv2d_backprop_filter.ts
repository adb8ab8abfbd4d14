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
 * Four routes, first that applies:
 * - few taps (LeNet-5's conv1, 1x1 layers of up to 75 input channels): directly, without
 *   patches (filter_grad_direct.ts), on a zero-padded copy of the input if the layer pads;
 * - stride 1 along rows, rows of 8 outputs or more, the batch's patches within the scratch
 *   bound: patchesᵀ gathered from the input transposed to channel-major, where each row of
 *   patchesᵀ is a run of copies (alternated in one run with a new dy per call: LeNet-5's conv2
 *   6.1–6.2 ms against 7.1–7.5 ms with the convolution below; [64,14,14,16] 3x3 → 32
 *   4.2–4.4 against 5.0–5.1 ms; but [64,7,7,64] 3x3 → 64 6.2 against 5.7 ms);
 * - stride 1 and patches several times larger than the data: a convolution that XNNPACK runs
 *   without patches, batch and channels swapped: dW[ci][kh, kw, co] = conv(xᵀ [Cin, H, W, N],
 *   dyᵀ [Ho, Wo, N, Cout]), at the cost of two transposes;
 * - otherwise patchesᵀ gathered from NHWC, image chunk by image chunk.
 */
import { backend_util, getKernel, type Conv2DBackpropFilterAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { TinypruneError } from '../../errors.js';
import { heapF32, heapOffset, requireNhwc, reshaped, type WasmBackendLike } from './common.js';
import { matMul } from './batch_mat_mul.js';
import { im2colTransposed, imagesPerChunk } from './im2col.js';
import { rowRange } from './rows.js';
import { directFilterGrad, directFilterGradFits } from './filter_grad_direct.js';

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

/** The direct loop (filter_grad_direct.ts), on a zero-padded copy of x when the layer pads. */
function viaDirectLoop(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], 'float32');
  const { top, bottom, left, right } = info.padInfo;
  if (top + bottom + left + right === 0) {
    directFilterGrad(backend, info, heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out));
    return out;
  }
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const [Hp, Wp] = [H + top + bottom, W + left + right];
  const padded = backend.makeOutput([N, Hp, Wp, C], 'float32');
  const src = heapF32(backend, x);
  const dst = heapF32(backend, padded);
  dst.fill(0);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) dst.set(src.subarray((n * H + h) * W * C, (n * H + h + 1) * W * C), ((n * Hp + h + top) * Wp + left) * C);
  }
  const unpadded = { ...info, inHeight: Hp, inWidth: Wp, padInfo: { ...info.padInfo, top: 0, bottom: 0, left: 0, right: 0 } };
  directFilterGrad(backend, unpadded, heapOffset(backend, padded), heapOffset(backend, dy), heapOffset(backend, out));
  backend.disposeData(padded.dataId);
  return out;
}

/** Stride 1 along the rows, rows of 8 outputs or more, and the whole batch's patches within the scratch bound. */
function channelMajorFits(info: backend_util.Conv2DInfo): boolean {
  return info.strideWidth === 1 && info.outWidth >= 8 && imagesPerChunk(info) >= info.batchSize;
}

/**
 * The patch product with the input transposed to channel-major [Cin, N, H, W] first: a row of
 * patchesᵀ (tap kh, kw, channel ci) is then a run of each input plane's rows, copied four floats
 * at a time, where gathering it from NHWC reads one float every Cin (2.9 ms for LeNet-5's conv2,
 * 2 M values, against 0.4 ms for the transpose and the copies). The planes are seen as Cin·N
 * one-channel images: the transposed im2col of those is patchesᵀ [kh·kw·Cin, N·Ho·Wo] itself.
 */
function viaChannelMajorPatches(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: N, inChannels: Cin, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const K = info.filterHeight * info.filterWidth * Cin;
  const R = N * Ho * Wo;
  const xT = kernel('Transpose')({ inputs: { x }, backend: backend as never, attrs: { perm: [3, 0, 1, 2] } }) as TensorInfo;
  const patchesT = backend.makeOutput([K, R], 'float32');
  const planes = { ...info, batchSize: Cin * N, inChannels: 1 };
  im2colTransposed(backend, planes, heapOffset(backend, xT), heapOffset(backend, patchesT), { n0: 0, n1: Cin * N });
  backend.disposeData(xT.dataId);
  const dyRows = reshaped(backend, dy, [R, Cout]);
  const dw = matMul(backend, patchesT, dyRows);
  backend.disposeData(patchesT.dataId);
  backend.disposeData(dyRows.dataId);
  const result = reshaped(backend, dw, [info.filterHeight, info.filterWidth, Cin, Cout]);
  backend.disposeData(dw.dataId);
  return result;
}

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  requireNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (directFilterGradFits(info)) return viaDirectLoop(backend, x, dy, info);
  if (channelMajorFits(info)) return viaChannelMajorPatches(backend, x, dy, info);
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
