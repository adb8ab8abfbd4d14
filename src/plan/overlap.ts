/**
 * In-place execution without new kernels (issue #14, memory): an operator's output buffer may
 * overlap its input buffer, when the input dies at that operator, if the output starts far
 * enough below the input that no output byte is written before every output pixel that still
 * reads the input byte under it has read it.
 *
 * The contract this relies on is the kernel's loop order. A kernel qualifies with lookahead k
 * when it computes output pixels in raster order (batch, y, x), all channels of a pixel
 * written contiguously, and the writes of output pixel p happen only once every pixel before
 * p − k has finished reading (k = 0: reads and writes of one pixel may interleave, as in a
 * channel loop that reads a pixel's taps and writes one channel at a time; k = 1: pairs of
 * pixels computed together). Then writing pixel p may only destroy input bytes that no output
 * pixel ≥ p − k reads. With needMin(q) = the lowest input byte any output pixel ≥ q reads, and
 * the output placed D bytes below the input (out = in − D), that is
 *     D ≥ (p + 1) · outPixelBytes − needMin(p − k)   for every p,
 * and any larger D is safe too (the output only moves away from what is still needed).
 *
 * Only the kernels listed in IN_PLACE_KERNELS were audited against that contract; every other
 * kernel (sparse formats, fully connected, softmax, …) never overlaps.
 */

/** Geometry of a windowed NHWC operator (convolution, depthwise convolution, pooling). */
export interface WindowGeometry {
  batches: number;
  inputHeight: number;
  inputWidth: number;
  /** Input channels (every channel of a pixel is counted as read: conservative). */
  inputDepth: number;
  outputHeight: number;
  outputWidth: number;
  outputDepth: number;
  filterHeight: number;
  filterWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padH: number;
  padW: number;
  /** Bytes per element of both tensors (1 for int8, 4 for float32). */
  elementBytes: number;
}

/**
 * Audited kernels (the C symbol: plain, dsp/ and mve/ files of one name are all covered) and
 * their lookahead k. Keep this the one place that says which loop orders allow overlap.
 *
 * - tp_depthwise_conv_2d_s8 (plain, dsp, mve) and _f32: pixel by pixel in raster order; within
 *   a pixel channels (and their taps) are read and written one block at a time → k = 0.
 * - tp_conv_2d_s8: plain and mve pixel by pixel (k = 0); dsp gathers one pixel's patch on
 *   the stack, then writes it (k = 0), and its pointwise path (tp_pointwise_s8.h) computes
 *   pixels in pairs, reading both pairs' inputs while writing both → k = 1.
 *   tp_conv_2d_f32: pixel by pixel → k = 0.
 * - tp_conv_2d_s8_small (plain, dsp): pixel by pixel; dsp gathers the pixel's patch on the
 *   stack before writing it → k = 0.
 * - tp_average_pool_2d_{s8,f32}, tp_max_pool_2d_{s8,f32}: plain only, pixel by pixel, a
 *   channel at a time → k = 0.
 */
export const IN_PLACE_KERNELS: Readonly<Record<string, { lookahead: number }>> = {
  tp_depthwise_conv_2d_s8: { lookahead: 0 },
  tp_depthwise_conv_2d_f32: { lookahead: 0 },
  tp_conv_2d_s8: { lookahead: 1 },
  tp_conv_2d_f32: { lookahead: 0 },
  tp_conv_2d_s8_small: { lookahead: 0 },
  tp_average_pool_2d_s8: { lookahead: 0 },
  tp_average_pool_2d_f32: { lookahead: 0 },
  tp_max_pool_2d_s8: { lookahead: 0 },
  tp_max_pool_2d_f32: { lookahead: 0 },
};

/** First in-bounds tap [start, end) of a window starting at `origin` (as tp_tap_range in C). */
export function tapRange(origin: number, dilation: number, taps: number, size: number): [number, number] {
  let start = 0;
  while (start < taps && origin + dilation * start < 0) start++;
  let end = taps;
  while (end > start && origin + dilation * (end - 1) >= size) end--;
  return [start, end];
}

/**
 * needMin[q] for every output pixel q (raster order), in input bytes: the lowest input byte
 * any output pixel ≥ q reads (Infinity when none reads anything). A pixel's lowest read is
 * taken at channel 0 of its first in-bounds tap, a lower bound for every kernel.
 */
export function needMin(g: WindowGeometry): Float64Array {
  const pixels = g.batches * g.outputHeight * g.outputWidth;
  const need = new Float64Array(pixels + 1);
  need[pixels] = Infinity;
  const pixelBytes = g.inputDepth * g.elementBytes;
  let q = pixels;
  for (let b = g.batches - 1; b >= 0; b--) {
    for (let oy = g.outputHeight - 1; oy >= 0; oy--) {
      const y0 = oy * g.strideH - g.padH;
      const [ky0, ky1] = tapRange(y0, g.dilationH, g.filterHeight, g.inputHeight);
      for (let ox = g.outputWidth - 1; ox >= 0; ox--) {
        const x0 = ox * g.strideW - g.padW;
        const [kx0, kx1] = tapRange(x0, g.dilationW, g.filterWidth, g.inputWidth);
        q--;
        let lowest = Infinity;
        if (ky1 > ky0 && kx1 > kx0) {
          const y = y0 + g.dilationH * ky0;
          const x = x0 + g.dilationW * kx0;
          lowest = ((b * g.inputHeight + y) * g.inputWidth + x) * pixelBytes;
        }
        need[q] = Math.min(lowest, need[q + 1]!);
      }
    }
  }
  return need.subarray(0, pixels);
}

/**
 * The smallest safe displacement D (bytes; output start = input start − D) for a kernel with
 * lookahead k. Can be negative (the output may start inside the input) when every output pixel
 * reads ahead of what it writes.
 */
export function minDisplacement(g: WindowGeometry, lookahead: number): number {
  const need = needMin(g);
  const outPixel = g.outputDepth * g.elementBytes;
  let d = -Infinity;
  for (let p = 0; p < need.length; p++) {
    const n = need[Math.max(0, p - lookahead)]!;
    if (n === Infinity) continue;
    d = Math.max(d, (p + 1) * outPixel - n);
  }
  // No pixel reads anything: any placement is safe; keep the output below the input.
  return d === -Infinity ? 0 : d;
}
