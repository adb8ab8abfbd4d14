/**
 * int8 pointwise CONV_2D on DSP-extension cores with the filter packed in channel pairs
 * (tp_conv_s8_params.pw_pairs; layout in firmware/include/tp_kernels.h, arithmetic in
 * firmware/kernels/dsp/tp_pointwise_s8.h): the row-pair trick of ops/fc_pairs.ts on the 1x1
 * kernel's blocks of 4 channels (two pairs, their words interleaved) x 2 pixels, 14
 * instructions and 15 estimated cycles (M4) per 16 MACs instead of 15 and 21; a last pair of
 * channels runs 2 x 2 blocks (12 and 18). The input offset is folded into the bias. Same bytes
 * of flash.
 */
import type { Conv2DParams } from '../../interp/kernels/conv_2d.js';
import type { CInit } from '../types.js';
import { constInt8 } from './conv_small.js';
import { i32, type LowerContext, type LoweredCall } from './context.js';
import { pairStep } from './fc_pairs.js';
import { foldedBias } from './sparse.js';
import { PW_PAIRS_MAX_DEPTH, PW_PAIRS_MIN_DEPTH } from '../../sparse/kernels.js';

export { PW_PAIRS_MAX_DEPTH, PW_PAIRS_MIN_DEPTH };

/** A pointwise layer the packed path can run. */
export function pwPairsFit(p: Conv2DParams): boolean {
  return (
    p.kind === 'int8' &&
    p.filterHeight === 1 &&
    p.filterWidth === 1 &&
    p.filterInputDepth === p.inputDepth &&
    p.padH === 0 &&
    p.padW === 0 &&
    p.inputDepth % 4 === 0 &&
    p.inputDepth <= PW_PAIRS_MAX_DEPTH &&
    p.outputDepth >= 2 &&
    (p.outputHeight - 1) * p.strideH < p.inputHeight &&
    (p.outputWidth - 1) * p.strideW < p.inputWidth
  );
}

/**
 * The channel-pair layout of an [outC, inC] int8 filter (inC % 4 == 0): quads of channels
 * (pairs h, h+1 and h+2, h+3), per 4 input channels the first pair's word of lanes (k, k+2),
 * the second's, then both words of lanes (k+1, k+3); a last pair (outC % 4 >= 2) its two words
 * per 4 input channels; an odd last channel as a plain row.
 */
export function packPwPairs(w: ArrayLike<number>, outC: number, inC: number): Int8Array {
  if (inC % 4 !== 0 || outC < 2) throw new Error(`packPwPairs: ${outC}x${inC} (needs inC % 4 == 0 and outC >= 2)`);
  const out = new Int8Array(outC * inC);
  let o = 0;
  let h = 0;
  for (; h + 3 < outC; h += 4) {
    for (let k = 0; k < inC; k += 4) {
      const a = pairStep(w, inC, h, h + 1, k);
      const b = pairStep(w, inC, h + 2, h + 3, k);
      out.set([...a.slice(0, 4), ...b.slice(0, 4), ...a.slice(4), ...b.slice(4)], o);
      o += 16;
    }
  }
  if (h + 1 < outC) {
    for (let k = 0; k < inC; k += 4) {
      out.set(pairStep(w, inC, h, h + 1, k), o);
      o += 8;
    }
  }
  if (outC % 2 === 1) for (let c = 0; c < inC; c++) out[o++] = w[(outC - 1) * inC + c]!;
  return out;
}

/** The packed call, or undefined where the layer keeps the model's filter. */
export function lowerPwPairs(ctx: LowerContext, p: Conv2DParams, params: Record<string, CInit>, io: { input: string; output: string }): LoweredCall | undefined {
  if (!ctx.packPairs || ctx.streamed || p.kind !== 'int8' || !pwPairsFit(p)) return undefined;
  if (ctx.packPairs === 'gain' && p.inputDepth < PW_PAIRS_MIN_DEPTH) return undefined;
  const w = constInt8(ctx, ctx.op.inputs[1]!);
  if (!w) return undefined;
  const packed = packPwPairs(w, p.outputDepth, p.inputDepth);
  return {
    kernel: 'tp_conv_2d_s8',
    paramsType: 'tp_conv_s8_params',
    params: { ...params, input_offset: i32(0), pw_pairs: '1' },
    args: [
      io.input,
      ctx.weights('filter_pairs', 'int8_t', packed, 'filter packed in channel pairs (tp_conv_s8_params.pw_pairs)', 'weights'),
      ctx.weights('bias_folded', 'int32_t', foldedBias(ctx, p.inputOffset, p.outputDepth), 'bias + input_offset * filter sums', 'bias'),
      io.output,
      'scratch',
    ],
  };
}
