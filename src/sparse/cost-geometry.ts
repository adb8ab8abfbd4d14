/**
 * The geometry a call's cost depends on (src/sparse/cost.ts's features), from the
 * interpreter's prepared parameters: shapes, the taps inside the input, the patch copies and
 * dot-product runs the kernels make, and which kernel path a dense call takes.
 */
import type { Conv2DParams } from '../interp/kernels/conv_2d.js';
import type { DepthwiseConv2DParams } from '../interp/kernels/depthwise_conv_2d.js';
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import type { SparseOp } from './formats/index.js';

/** The geometry a call's cost depends on, from the interpreter's prepared parameters. */
export interface CallGeometry {
  op: SparseOp;
  /** Input vectors: batches (FULLY_CONNECTED) or output pixels (convolutions). */
  n: number;
  rows: number;
  cols: number;
  taps: number;
  /** Convolutions: input channels; 1x1 convolutions with no padding read the input in place. */
  cin: number;
  /** Kernel width (1 for FULLY_CONNECTED). */
  kw: number;
  /** Dense convolutions skip taps outside the input: the MACs they really do, per vector. */
  denseMacsPerVector: number;
  /** The conv patch is the input pixel itself (1x1, in bounds): no im2col copy. */
  inPlace: boolean;
  /** Convolutions: copies that build the patches (whole kernel rows inside the input, else taps). */
  rowCopies: number;
  /** Convolutions: taps inside the input, summed over the output pixels. */
  insideTaps: number;
  /** Convolutions: kernel rows inside the input, summed over the output pixels (the dense
   * kernels' dot-product runs: each is one contiguous run of input bytes). Depthwise: the
   * kernel rows inside the input, summed over the output pixels (the plain kernel's row loop,
   * once per output channel). */
  runs: number;
  /** Convolutions: 16-byte iterations of those runs (sum of ceil(run bytes / 16)). */
  runVec16: number;
  /** int8: the input zero point is not 0 (the Helium dense kernels then sum each row's
   * weights alongside: two 2-row loops instead of one 4-row loop). */
  inputOffset: boolean;
  /** Dense int8: the code generator calls tp_conv_2d_s8_small (a CONV_2D without groups or a
   * DEPTHWISE_CONV_2D of one input channel, 2..128 taps per output channel; its quantisation
   * bounds hold in every model seen). Absent in samples measured before it existed. */
  smallPatch?: boolean;
  /** Convolutions: output pixels whose whole window lies inside the input. */
  interiorPixels?: number;
  /** int8: the activation range is all of int8 (tp_conv_2d_s8_small then saturates with one
   * SSAT instead of clamping). */
  fullRange?: boolean;
  /** Depthwise 3x3, multiplier 1, dilation 1: the dsp kernel's MobileNet path. */
  dw3x3?: boolean;
}

/** Largest patch of tp_conv_2d_s8_small: SMALL_CONV_MAX_PATCH in src/codegen/ops/conv_small.ts
 * (which this folder cannot import: codegen depends on it). */
export const SMALL_PATCH_MAX_TAPS = 128;

export function callGeometry(op: SparseOp, params: FullyConnectedParams | Conv2DParams | DepthwiseConv2DParams): CallGeometry {
  const inputOffset = ((params as { inputOffset?: number }).inputOffset ?? 0) !== 0;
  if (op === 'fc') {
    const p = params as FullyConnectedParams;
    return { inputOffset, op, n: p.batches, rows: p.outputDepth, cols: p.accumDepth, taps: 1, cin: p.accumDepth, kw: 1, denseMacsPerVector: p.outputDepth * p.accumDepth, inPlace: true, rowCopies: 0, insideTaps: 0, runs: 0, runVec16: 0 };
  }
  const p = params as Conv2DParams | DepthwiseConv2DParams;
  const taps = p.filterHeight * p.filterWidth;
  // Count the taps that fall inside the input, summed over output pixels.
  const inside = (outSize: number, stride: number, pad: number, dil: number, k: number, inSize: number): number => {
    let s = 0;
    for (let o = 0; o < outSize; o++) for (let t = 0; t < k; t++) {
      const i = o * stride - pad + t * dil;
      if (i >= 0 && i < inSize) s++;
    }
    return s;
  };
  const n = p.batches * p.outputHeight * p.outputWidth;
  const fullRange = p.kind === 'int8' && p.activationMin === -128 && p.activationMax === 127;
  const fits = (outSize: number, stride: number, pad: number, dil: number, k: number, inSize: number): number => {
    let c = 0;
    for (let o = 0; o < outSize; o++) if (o * stride - pad >= 0 && o * stride - pad + (k - 1) * dil < inSize) c++;
    return c;
  };
  const interiorPixels =
    fits(p.outputHeight, p.strideH, p.padH, p.dilationH, p.filterHeight, p.inputHeight) *
    fits(p.outputWidth, p.strideW, p.padW, p.dilationW, p.filterWidth, p.inputWidth) * p.batches;
  const insideTaps =
    inside(p.outputHeight, p.strideH, p.padH, p.dilationH, p.filterHeight, p.inputHeight) *
    inside(p.outputWidth, p.strideW, p.padW, p.dilationW, p.filterWidth, p.inputWidth) * p.batches;
  if (op === 'conv') {
    const q = p as Conv2DParams;
    // Per output pixel and kernel row: one copy when the whole row lies inside the input
    // (dilation 1), else one per tap (tp_sp_patch_s8). The dense kernels instead run one dot
    // product per kernel row inside the input, over the taps of the row that are inside.
    let rowCopies = 0;
    let runs = 0;
    let runVec16 = 0;
    for (let oy = 0; oy < p.outputHeight; oy++) {
      for (let ox = 0; ox < p.outputWidth; ox++) {
        const x0 = ox * p.strideW - p.padW;
        const rowFits = p.dilationW === 1 && x0 >= 0 && x0 + p.filterWidth <= p.inputWidth;
        let rowTaps = 0;
        for (let kx = 0; kx < p.filterWidth; kx++) {
          const x = x0 + kx * p.dilationW;
          if (x >= 0 && x < p.inputWidth) rowTaps++;
        }
        for (let ky = 0; ky < p.filterHeight; ky++) {
          const y = oy * p.strideH - p.padH + ky * p.dilationH;
          const rowInside = y >= 0 && y < p.inputHeight;
          rowCopies += rowFits && rowInside ? 1 : p.filterWidth;
          if (rowInside && rowTaps > 0) {
            runs++;
            runVec16 += Math.ceil((rowTaps * q.filterInputDepth) / 16);
          }
        }
      }
    }
    rowCopies *= p.batches;
    const inPlace = taps === 1 && p.padH === 0 && p.padW === 0;
    return {
      inputOffset, op, n, rows: q.outputDepth, cols: taps * q.filterInputDepth, taps, cin: q.filterInputDepth, kw: p.filterWidth,
      denseMacsPerVector: (insideTaps / n) * q.filterInputDepth * q.outputDepth, inPlace, rowCopies: inPlace ? 0 : rowCopies,
      insideTaps, runs: runs * p.batches, runVec16: runVec16 * p.batches,
      smallPatch: q.filterInputDepth === q.inputDepth && taps >= 2 && taps * q.inputDepth <= SMALL_PATCH_MAX_TAPS, interiorPixels, fullRange,
    };
  }
  const runs = inside(p.outputHeight, p.strideH, p.padH, p.dilationH, p.filterHeight, p.inputHeight) * p.outputWidth * p.batches;
  return {
    inputOffset, op, n, rows: p.outputDepth, cols: taps, taps, cin: 1, kw: p.filterWidth, denseMacsPerVector: (insideTaps / n) * p.outputDepth, inPlace: false, rowCopies: 0, insideTaps, runs, runVec16: 0,
    smallPatch: p.inputDepth === 1 && taps >= 2 && taps <= SMALL_PATCH_MAX_TAPS, interiorPixels, fullRange,
    dw3x3: p.filterHeight === 3 && p.filterWidth === 3 && p.dilationH === 1 && p.dilationW === 1 && p.outputDepth === p.inputDepth,
  };
}
