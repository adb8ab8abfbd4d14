/**
 * int8 FULLY_CONNECTED on DSP-extension cores (Cortex-M4/M7/M33) with the weights packed in row
 * pairs for tp_fully_connected_s8_pairs (layout and arithmetic: firmware/include/tp_kernels.h,
 * firmware/kernels/dsp/tp_fully_connected_s8_pairs.c): one SMLAD of a raw weight word serves two
 * rows: 1.25 instructions per MAC against 1.65 for the row-major 4-row kernel (784->300). The input
 * offset is folded into the bias (bias + offset · row sum, exact in wrap-around int32), so the
 * loop splits the input with a plain SXTB16. The weights take the same bytes: the packing is a
 * permutation plus a flipped sign bit in every other row.
 */
import type { FullyConnectedParams } from '../../interp/kernels/fully_connected.js';
import { layerWeights } from '../../sparse/matrix.js';
import { fcS8Params, type LowerContext, type LoweredCall } from './context.js';
import { foldedBias } from './sparse.js';
import { FC_PAIRS_MIN_MACS } from '../../sparse/kernels.js';

export const FC_PAIRS_KERNEL = 'tp_fully_connected_s8_pairs';

/**
 * The 8 packed bytes of rows hi and lo (row-major, `cols` wide) for input columns k..k+3: the
 * words {lo[k], hi[k], lo[k+2], hi[k+2]} and {lo[k+1], hi[k+1], lo[k+3], hi[k+3]}, lo[j] the
 * lo row's byte with its sign bit flipped (w + 128). Shared with ops/conv_pairs.ts.
 */
export function pairStep(w: ArrayLike<number>, cols: number, hi: number, lo: number, k: number): number[] {
  const l = (c: number): number => ((w[lo * cols + c]! ^ 0x80) << 24) >> 24;
  const h = (c: number): number => w[hi * cols + c]!;
  return [l(k), h(k), l(k + 2), h(k + 2), l(k + 1), h(k + 1), l(k + 3), h(k + 3)];
}

/** The row-pair layout of a row-major [rows, cols] int8 matrix (cols % 4 == 0, rows >= 4). */
export function packFcPairs(w: ArrayLike<number>, rows: number, cols: number): Int8Array {
  if (cols % 4 !== 0 || rows < 4) throw new Error(`packFcPairs: ${rows}x${cols} (needs cols % 4 == 0 and rows >= 4)`);
  const out = new Int8Array(rows * cols);
  const blocks = Math.floor(rows / 4);
  let o = 0;
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < cols; k += 4) {
      for (const h of [4 * b, 4 * b + 2]) {
        out.set(pairStep(w, cols, h, h + 1, k), o);
        o += 8;
      }
    }
  }
  for (let r = blocks * 4; r < rows; r++) for (let c = 0; c < cols; c++) out[o++] = w[r * cols + c]!;
  return out;
}

/** A FULLY_CONNECTED of this geometry can run tp_fully_connected_s8_pairs. */
export function fcPairsFit(p: FullyConnectedParams): boolean {
  return p.kind === 'int8' && p.weightsOffset === 0 && p.accumDepth % 4 === 0 && p.outputDepth >= 4;
}

/**
 * Whether this FULLY_CONNECTED gains from the row-pair kernel: it fits and has at least
 * FC_PAIRS_MIN_MACS multiply-adds per batch. Decided per layer, as the cost model prices it
 * (src/sparse/cost.ts); a model with both kinds links both kernels.
 */
export function fcPairsPays(p: FullyConnectedParams): boolean {
  return fcPairsFit(p) && p.accumDepth * p.outputDepth >= FC_PAIRS_MIN_MACS;
}

/** The pairs call for this FULLY_CONNECTED, or undefined where the row-major kernel must run. */
export function lowerFcPairs(ctx: LowerContext, p: FullyConnectedParams): LoweredCall | undefined {
  if (ctx.packPairs === false || ctx.packPairs === undefined || ctx.streamed || p.kind !== 'int8') return undefined;
  if (!(ctx.packPairs === 'all' ? fcPairsFit(p) : fcPairsPays(p))) return undefined;
  const lw = layerWeights(ctx.graph, ctx.graph.ops[ctx.op.index]!);
  if (!lw || lw.matrix.dtype !== 'int8' || lw.matrix.rows !== p.outputDepth || lw.matrix.cols !== p.accumDepth) return undefined;
  const [input] = ctx.op.inputs;
  const packed = packFcPairs(lw.matrix.values, p.outputDepth, p.accumDepth);
  return {
    kernel: FC_PAIRS_KERNEL,
    paramsType: 'tp_fc_s8_params',
    params: fcS8Params(ctx, p, 0),
    args: [
      ctx.ptr(input!, 'int8_t'),
      ctx.weights('weights_pairs', 'int8_t', packed, 'weights packed in row pairs (tp_fully_connected_s8_pairs)', 'weights'),
      ctx.weights('bias_folded', 'int32_t', foldedBias(ctx, p.inputOffset, p.outputDepth), 'bias + input_offset * row sums of the weights', 'bias'),
      ctx.ptr(ctx.op.outputs[0]!, 'int8_t', true),
      'scratch',
    ],
  };
}
