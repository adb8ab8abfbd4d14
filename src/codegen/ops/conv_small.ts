/**
 * int8 convolutions with small filter patches (first layers: C_in = 1..4, issues #13/#14) →
 * tp_conv_2d_s8_small, which takes its weights as int16 pairs laid out for SMLAD (the layout
 * is documented with the kernel in firmware/include/tp_kernels.h). A CONV_2D without groups
 * and a DEPTHWISE_CONV_2D of one input channel (the same operation, the filter 1HWO instead of
 * OHWI) qualify when the patch has 2..128 taps and the kernel's requantisation shortcut is
 * exact: every shift in [-31, -1], every channel's |bias| + 383 * sum |w| < 2^30 (383 bounds
 * |input + input_offset|), and (|output_offset| + 1) * 2^right + 2^30 < 2^31 (right = -shift).
 * Anything else keeps the generic kernel. The weights are doubled (the kernel accumulates
 * 2 * acc, which SMMULR needs) and the per-channel requantisation constants go in a table
 * (tp_conv_small_requant).
 */
import type { CExpr, CInit } from '../types.js';
import type { LowerContext, LoweredCall } from './context.js';
import { SMALL_PATCH_MAX_TAPS } from '../../sparse/cost.js';

/** Largest patch (taps) of tp_conv_2d_s8_small: TP_CONV_SMALL_MAX_PATCH in tp_kernels.h (the
 * cost model's smallPatch test: SMALL_PATCH_MAX_TAPS). */
export const SMALL_CONV_MAX_PATCH = SMALL_PATCH_MAX_TAPS;

/** Number of int16 pairs of an n-tap patch (tp_conv_small_pairs): the last group of 4 taps
 * needs its second pair only if it has 2 taps or more. */
export function smallConvPairs(n: number): number {
  return 2 * Math.floor((n - 1) / 4) + ((n - 1) % 4 !== 0 ? 2 : 1);
}

/** Taps (k_lo, k_hi) of pair p: pair 2i = (4i, 4i+2), pair 2i+1 = (4i+1, 4i+3). */
function pairTaps(p: number): [number, number] {
  const base = 4 * (p >> 1) + (p & 1);
  return [base, base + 2];
}

/**
 * The kernel's weight words for outC channels of n taps, w(oc, k) giving the int8 weight
 * (stored doubled):
 * blocks of 4 channels (pair-major, 4 channels interleaved), then the channels left over
 * (channel-major). Each word is the pair's int16 weights, the low half the first tap.
 */
export function smallConvWeights(outC: number, n: number, w: (oc: number, k: number) => number): number[] {
  const np = smallConvPairs(n);
  const at = (oc: number, k: number): number => (k < n ? w(oc, k) : 0);
  const word = (oc: number, p: number): number => {
    const [lo, hi] = pairTaps(p);
    return (((2 * at(oc, lo)) & 0xffff) | (((2 * at(oc, hi)) & 0xffff) << 16)) >>> 0;
  };
  const out: number[] = [];
  const blocks = Math.floor(outC / 4);
  for (let b = 0; b < blocks; b++) for (let p = 0; p < np; p++) for (let r = 0; r < 4; r++) out.push(word(4 * b + r, p));
  for (let oc = 4 * blocks; oc < outC; oc++) for (let p = 0; p < np; p++) out.push(word(oc, p));
  return out;
}

export interface SmallConvLayer {
  /** Output channels, taps per channel (k_h * k_w * C_in), kernel window area (k_h * k_w). */
  outC: number;
  taps: number;
  window: number;
  outputMultiplier: readonly number[];
  outputShift: readonly number[];
  outputOffset: number;
  /** int8 weight of tap k (OHWI order within the channel) of output channel oc. */
  weight: (oc: number, k: number) => number;
  /** Bias of channel oc (0 without a bias). */
  bias: (oc: number) => number;
}

/** Whether tp_conv_2d_s8_small computes this layer exactly (see the top of this file). */
export function smallConvFits(l: SmallConvLayer): boolean {
  if (l.taps > SMALL_CONV_MAX_PATCH || l.window < 2) return false;
  if (l.outputShift.some((s) => s > -1 || s < -31 || (Math.abs(l.outputOffset) + 1) * 2 ** -s + 2 ** 30 >= 2 ** 31)) return false;
  for (let oc = 0; oc < l.outC; oc++) {
    let sum = Math.abs(l.bias(oc));
    for (let k = 0; k < l.taps; k++) sum += 383 * Math.abs(l.weight(oc, k));
    if (sum >= 2 ** 30) return false;
  }
  return true;
}

/** The int8 values of a constant tensor, or undefined if it is not a constant int8 tensor. */
export function constInt8(ctx: LowerContext, t: number | undefined): Int8Array | undefined {
  const tensor = t !== undefined && t >= 0 ? ctx.graph.tensors[t] : undefined;
  if (!tensor?.data || tensor.dtype !== 'int8') return undefined;
  return new Int8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}

/** Bias of channel oc from a constant int32 tensor (0 without one). */
export function constBias(ctx: LowerContext, t: number | undefined): (oc: number) => number {
  const tensor = t !== undefined && t >= 0 ? ctx.graph.tensors[t] : undefined;
  if (!tensor?.data) return () => 0;
  const dv = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return (oc) => dv.getInt32(oc * 4, true);
}

/** tp_conv_small_requant per channel, flattened: 2 * bias, multiplier, 2^(right-1) + offset * 2^right, right. */
export function smallConvRequant(l: SmallConvLayer): number[] {
  const out: number[] = [];
  for (let oc = 0; oc < l.outC; oc++) {
    const right = -l.outputShift[oc]!;
    out.push(2 * l.bias(oc), l.outputMultiplier[oc]!, 2 ** (right - 1) + l.outputOffset * 2 ** right, right);
  }
  return out;
}

/** The tp_conv_2d_s8_small call, given the tp_conv_s8_params initializer and the operands. */
export function lowerSmallConv(ctx: LowerContext, l: SmallConvLayer, params: CInit, operands: { input: CExpr; output: CExpr }): LoweredCall {
  const pairs = smallConvPairs(l.taps);
  const filter = ctx.weights('w_pairs', 'uint32_t', smallConvWeights(l.outC, l.taps, l.weight), `doubled weights as int16 pairs for SMLAD (${l.outC} channels x ${pairs} pairs)`, 'weights');
  const requant = ctx.weights('requant', 'int32_t', smallConvRequant(l), 'tp_conv_small_requant per channel: 2 * bias, multiplier, rounding + output offset, right shift', 'bias');
  return {
    kernel: 'tp_conv_2d_s8_small',
    paramsType: 'tp_conv_s8_params',
    params,
    args: [operands.input, filter, `(const tp_conv_small_requant *)${requant}`, operands.output, 'scratch'],
  };
}
