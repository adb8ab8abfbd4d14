/**
 * Patch gathering for the convolution gradients: im2col (input pixels → one column per filter
 * tap) and its adjoint col2im (tap columns summed back into input pixels). Geometry comes from
 * TF.js's computeConv2DInfo (NHWC; filter taps ordered kh, kw, ci as in an HWIO filter).
 * Both work on a range of images so the callers can bound their scratch memory.
 */
import type { backend_util } from '@tensorflow/tfjs-core';

export interface ImageRange {
  /** First image (inclusive) and last image (exclusive) of the batch. */
  n0: number;
  n1: number;
}

/**
 * patchesT[k, r] = x[n, ih, iw, ci] (0 outside the image), k = (kh·fw + kw)·Cin + ci,
 * r = ((n − n0)·Ho + oh)·Wo + ow: the transposed im2col matrix [K, R], written in full.
 */
export function im2colTransposed(info: backend_util.Conv2DInfo, x: Float32Array, patchesT: Float32Array, { n0, n1 }: ImageRange): void {
  const { inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  let dst = 0;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      for (let ci = 0; ci < Cin; ci++) {
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < Ho; oh++) {
            const ih = oh * sh - pt + kh * dh;
            if (ih < 0 || ih >= H) {
              patchesT.fill(0, dst, dst + Wo);
              dst += Wo;
              continue;
            }
            const row = (n * H + ih) * W;
            for (let ow = 0; ow < Wo; ow++) {
              const iw = ow * sw - pl + kw * dw;
              patchesT[dst++] = iw >= 0 && iw < W ? x[(row + iw) * Cin + ci]! : 0;
            }
          }
        }
      }
    }
  }
}

/**
 * Which filter taps read which input pixels, per output pixel, for one image (the same for
 * every image of the batch): output pixel p = oh·Wo + ow reads input pixel `pixel[j]`
 * (= ih·W + iw) through tap `tap[j]` (= kh·fw + kw) for j in [start[p], start[p + 1]).
 * Taps falling into the padding are left out, so the loops over it need no bounds checks.
 */
export interface TapTable {
  start: Int32Array;
  pixel: Int32Array;
  tap: Int32Array;
}

export function tapTable(info: backend_util.Conv2DInfo): TapTable {
  const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const start = new Int32Array(Ho * Wo + 1);
  const pixel: number[] = [];
  const tap: number[] = [];
  for (let oh = 0; oh < Ho; oh++) {
    for (let ow = 0; ow < Wo; ow++) {
      for (let kh = 0; kh < fh; kh++) {
        const ih = oh * sh - pt + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < fw; kw++) {
          const iw = ow * sw - pl + kw * dw;
          if (iw < 0 || iw >= W) continue;
          pixel.push(ih * W + iw);
          tap.push(kh * fw + kw);
        }
      }
      start[oh * Wo + ow + 1] = pixel.length;
    }
  }
  return { start, pixel: Int32Array.from(pixel), tap: Int32Array.from(tap) };
}

/**
 * dx[n, ih, iw, ci] = Σ over the taps that read it of cols[r, k] (the adjoint of im2col; cols is
 * [R, K] with the row and tap order of im2colTransposed). Zeroes the range's images first.
 */
export function col2im(info: backend_util.Conv2DInfo, cols: Float32Array, dx: Float32Array, { n0, n1 }: ImageRange): void {
  const Cin = info.inChannels;
  const image = info.inHeight * info.inWidth;
  const pixels = info.outHeight * info.outWidth;
  const K = info.filterHeight * info.filterWidth * Cin;
  const { start, pixel, tap } = tapTable(info);
  dx.fill(0, n0 * image * Cin, n1 * image * Cin);
  let src = 0;
  for (let n = n0; n < n1; n++) {
    for (let p = 0; p < pixels; p++, src += K) {
      for (let j = start[p]!; j < start[p + 1]!; j++) {
        const s = src + tap[j]! * Cin;
        const d = (n * image + pixel[j]!) * Cin;
        for (let ci = 0; ci < Cin; ci++) dx[d + ci]! += cols[s + ci]!;
      }
    }
  }
}

/** Scratch bound of the patch-based kernels: at most this many floats of patches per chunk (16 MB). */
export const PATCH_SCRATCH = { maxFloats: 4 * 1024 * 1024 };

/** Images per chunk so that one image range's patch matrix stays under PATCH_SCRATCH.maxFloats. */
export function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.floor(PATCH_SCRATCH.maxFloats / Math.max(1, perImage)));
}
