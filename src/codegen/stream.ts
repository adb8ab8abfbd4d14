/**
 * Patch-based execution (issue #14, memory): a windowed layer whose whole output goes into a
 * FULLY_CONNECTED runs a band of output rows at a time, and the FULLY_CONNECTED sums each band
 * into int32 accumulators as it arrives (tp_fully_connected_s8_stream), so the layer's output
 * never exists whole: the arena holds one band and the accumulators instead. The int32 sums
 * are exact, so the output bytes do not change, and no output row is computed twice (no
 * recomputation: bands of a windowed layer read overlapping input rows, but the input is all
 * there). micro_speech's first layer (25x20x8 = 4,000 B) feeding its classifier is the case
 * that made TFLM's arena: here it is 2 KiB.
 *
 * Which pairs qualify is decided here; whether one is used, and with how many rows a band,
 * is the arena planner's choice (src/codegen/lower.ts: the smallest peak, then the fewest
 * bands; never when it does not lower the peak).
 */
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import type { PlannedOp } from '../interp/prepare.js';
import type { WindowGeometry } from '../plan/overlap.js';
import { windowGeometry } from './in-place.js';

/** Kernels that compute any band of output rows when called on the band's input rows (their
 * params carry input.h, output.h and pad_h, and an output row depends only on its window). */
export const BANDED_KERNELS: ReadonlySet<string> = new Set([
  'tp_conv_2d_s8',
  'tp_conv_2d_s8_small',
  'tp_depthwise_conv_2d_s8',
  'tp_average_pool_2d_s8',
  'tp_max_pool_2d_s8',
]);

/** A windowed layer and the FULLY_CONNECTED that reads all of its output. */
export interface StreamCandidate {
  producer: number;
  consumer: number;
  /** Arena buffer of the producer's output (its alias root). */
  buffer: number;
  geometry: WindowGeometry;
  /** Bytes of one output row of the producer (int8: width x channels). */
  rowBytes: number;
  /** The FULLY_CONNECTED's outputs (its accumulators are int32). */
  outputs: number;
}

/** A candidate the planner uses, with the rows a band computes. */
export interface Stream extends StreamCandidate {
  rowsPerBand: number;
}

export function bands(s: Stream): number {
  return Math.ceil(s.geometry.outputHeight / s.rowsPerBand);
}

/**
 * The pairs that can stream: an int8 FULLY_CONNECTED of one batch on the dense kernel whose
 * input is the output of a banded kernel (through aliases only, with nothing else in between
 * and no other reader), of one batch, neither a graph input nor output. `kernelOf` maps an
 * operator to its C kernel (aliases absent), `bufferOf` a tensor to its arena buffer, `life`
 * a buffer's first and last operator.
 */
export function streamCandidates(
  ops: readonly PlannedOp[],
  kernelOf: ReadonlyMap<number, string>,
  bufferOf: (tensor: number) => number | undefined,
  life: ReadonlyMap<number, { first: number; last: number }>,
): StreamCandidate[] {
  const out: StreamCandidate[] = [];
  ops.forEach((fc, at) => {
    if (kernelOf.get(fc.index) !== 'tp_fully_connected_s8') return;
    const p = fc.params as FullyConnectedParams;
    if (p.kind === 'float32' || p.batches !== 1) return;
    const buffer = bufferOf(fc.inputs[0]!);
    const l = buffer === undefined ? undefined : life.get(buffer);
    if (buffer === undefined || !l || l.last !== fc.index) return;
    let i = at - 1;
    while (i >= 0 && !kernelOf.has(ops[i]!.index)) i--;
    const producer = ops[i];
    if (!producer || l.first !== producer.index || bufferOf(producer.outputs[0]!) !== buffer) return;
    if (!BANDED_KERNELS.has(kernelOf.get(producer.index)!)) return;
    const geometry = windowGeometry(producer);
    if (!geometry || geometry.batches !== 1 || geometry.elementBytes !== 1 || geometry.outputHeight < 2) return;
    out.push({ producer: producer.index, consumer: fc.index, buffer, geometry, rowBytes: geometry.outputWidth * geometry.outputDepth, outputs: p.outputDepth });
  });
  return out;
}

/** Rows per band the planner tries: powers of two below the output height. */
export function bandChoices(c: StreamCandidate): number[] {
  const out: number[] = [];
  for (let r = 1; r < c.geometry.outputHeight; r *= 2) out.push(r);
  return out;
}
