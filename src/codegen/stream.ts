/**
 * Patch-based execution (issue #14, memory): a windowed layer whose whole output goes into the
 * next layer runs a band of rows at a time, so its output never exists whole and the arena
 * holds one band instead. The next layer is either
 * - a FULLY_CONNECTED, which sums each band into int32 accumulators as it arrives
 *   (tp_fully_connected_s8_stream): micro_speech's first layer (25x20x8 = 4,000 B) feeding its
 *   classifier, the tensor that made its arena, or
 * - a windowed layer whose windows share no input row (a 2x2 pool of stride 2, a 1x1
 *   convolution), which computes its own output rows from each band: a DS-CNN's first
 *   convolution and its pool.
 * The int32 sums are exact and each band is the kernels' own computation on fewer rows, so the
 * output bytes do not change, and no row is computed twice (bands of a windowed layer read
 * overlapping input rows, but its input is all there).
 *
 * Which pairs qualify is decided here; whether one is used, and with how many rows a band,
 * is the arena planner's choice (src/codegen/lower.ts layoutArena: never when it does not
 * lower the peak).
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

/** What consumes a streamed layer's bands. */
export type StreamConsumer =
  /** A FULLY_CONNECTED that sums each band into its `outputs` int32 accumulators. */
  | { kind: 'fc'; outputs: number }
  /**
   * A windowed layer computing its own output rows band by band from them: its windows never
   * share an input row (stride >= filter reach), so no producer row is computed twice. Its
   * output (arena buffer `output`) is written whole, starting while the producer runs.
   */
  | { kind: 'window'; geometry: WindowGeometry; output: number };

/** A windowed layer whose whole output goes to the next layer, which can take it in bands. */
export interface StreamCandidate {
  producer: number;
  consumer: number;
  /** Arena buffer of the producer's output (its alias root). */
  buffer: number;
  geometry: WindowGeometry;
  /** Bytes of one output row of the producer (int8: width x channels). */
  rowBytes: number;
  into: StreamConsumer;
}

/** A candidate the planner uses, with the rows a band computes: of the producer's output when
 * a FULLY_CONNECTED consumes it, of the consumer's output when a windowed layer does. */
export interface Stream extends StreamCandidate {
  rowsPerBand: number;
}

/** The output rows the bands step through (see Stream.rowsPerBand). */
export function bandedHeight(c: StreamCandidate): number {
  return c.into.kind === 'fc' ? c.geometry.outputHeight : c.into.geometry.outputHeight;
}

/**
 * The input rows a band of output rows [r0, r1) reads, as its kernel call sees them: from
 * input row `first`, `rows` rows, `pad` rows of padding above. The same arithmetic as
 * tp_band_input (tp_kernels.h), which the generated loops run; test/codegen/stream.test.ts
 * checks the two agree.
 */
export function bandInput(g: Pick<WindowGeometry, 'strideH' | 'padH' | 'filterHeight' | 'dilationH' | 'inputHeight'>, r0: number, r1: number): { first: number; rows: number; pad: number } {
  const top = r0 * g.strideH - g.padH;
  const first = Math.max(top, 0);
  const end = Math.min((r1 - 1) * g.strideH - g.padH + (g.filterHeight - 1) * g.dilationH + 1, g.inputHeight);
  return { first, rows: end - first, pad: first - top };
}

/** Rows of the producer's output one band holds (the largest band). */
export function bandRows(s: Stream): number {
  if (s.into.kind === 'fc') return s.rowsPerBand;
  let most = 0;
  for (let q0 = 0; q0 < s.into.geometry.outputHeight; q0 += s.rowsPerBand) {
    most = Math.max(most, bandInput(s.into.geometry, q0, Math.min(q0 + s.rowsPerBand, s.into.geometry.outputHeight)).rows);
  }
  return most;
}

/** The geometry of an int8 layer of one batch on a banded kernel, or undefined. */
function bandedGeometry(op: PlannedOp, kernelOf: ReadonlyMap<number, string>): WindowGeometry | undefined {
  if (!BANDED_KERNELS.has(kernelOf.get(op.index) ?? '')) return undefined;
  const g = windowGeometry(op);
  return g && g.batches === 1 && g.elementBytes === 1 ? g : undefined;
}

/**
 * The pairs that can stream: a layer on a banded kernel whose output (through aliases only,
 * with nothing else in between and no other reader, neither a graph input nor output) is read
 * whole by the next layer, which is an int8 FULLY_CONNECTED of one batch on the dense kernel,
 * or a windowed layer on a banded kernel whose windows share no input row. `kernelOf` maps an
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
  ops.forEach((consumer, at) => {
    const into = consumerOf(consumer, kernelOf, bufferOf);
    const buffer = bufferOf(consumer.inputs[0]!);
    const l = buffer === undefined ? undefined : life.get(buffer);
    if (!into || buffer === undefined || !l || l.last !== consumer.index) return;
    let i = at - 1;
    while (i >= 0 && !kernelOf.has(ops[i]!.index)) i--;
    const producer = ops[i];
    if (!producer || l.first !== producer.index || bufferOf(producer.outputs[0]!) !== buffer) return;
    const geometry = bandedGeometry(producer, kernelOf);
    if (!geometry || bandedHeight({ geometry, into } as StreamCandidate) < 2) return;
    out.push({ producer: producer.index, consumer: consumer.index, buffer, geometry, rowBytes: geometry.outputWidth * geometry.outputDepth, into });
  });
  return out;
}

function consumerOf(op: PlannedOp, kernelOf: ReadonlyMap<number, string>, bufferOf: (tensor: number) => number | undefined): StreamConsumer | undefined {
  if (kernelOf.get(op.index) === 'tp_fully_connected_s8') {
    const p = op.params as FullyConnectedParams;
    return p.kind !== 'float32' && p.batches === 1 ? { kind: 'fc', outputs: p.outputDepth } : undefined;
  }
  const geometry = bandedGeometry(op, kernelOf);
  const output = bufferOf(op.outputs[0]!);
  if (!geometry || output === undefined || geometry.strideH < (geometry.filterHeight - 1) * geometry.dilationH + 1) return undefined;
  return { kind: 'window', geometry, output };
}

/** Rows per band the planner tries: powers of two below the banded height. */
export function bandChoices(c: StreamCandidate): number[] {
  const out: number[] = [];
  for (let r = 1; r < bandedHeight(c); r *= 2) out.push(r);
  return out;
}
