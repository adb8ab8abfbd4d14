/**
 * What each prunable layer could become: for every (granularity, sparsity) on a grid, the
 * layer's int8 weights pruned by magnitude exactly as the build would store them, encoded in
 * every applicable format — exact flash bytes and the cost model's predicted instructions.
 * Pure: the solver's input besides the accuracy curves and the RAM model.
 */
import type { ModelGraph } from '../ir/graph.js';
import { prepare } from '../interp/prepare.js';
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import { callGeometry, predictCall } from '../sparse/cost.js';
import { chooseFormats } from '../sparse/plan.js';
import { roundUp4 } from '../sparse/types.js';
import { layerWeights, matrixBytes } from '../sparse/matrix.js';
import { pruneMatrix, sparsityOf } from '../sparse/prune.js';
import type { GranularityName as SparseGranularity } from '../sparse/granularity.js';
import type { CostFamily } from '../sparse/cost.js';
import type { KernelFamily } from '../sparse/kernels.js';
import type { FormatName } from '../sparse/types.js';

export interface EncodedOption {
  granularity: SparseGranularity;
  /** Target fraction of zero weights. */
  sparsity: number;
  /** Fraction of zero weights reached (blocks and channels round). */
  achieved: number;
  format: FormatName;
  /** Flash bytes of the layer's weights and bias as stored. */
  bytes: number;
  /** Predicted instructions of one call (cost model); null where the model has no entry. */
  instructions: number | null;
  /** Output channels left (channel granularity), else the layer's own count. */
  outChannels: number;
  /** Fraction of the layer's weight energy (Σ (w·scale)²) the pruning removes: the no-data loss proxy. */
  removedEnergy: number;
}

export interface LayerCandidates {
  /** Weight tensor name: how plans name layers. */
  name: string;
  op: number;
  opcode: string;
  outChannels: number;
  options: EncodedOption[];
}

export interface CandidateGrid {
  granularities: readonly SparseGranularity[];
  ratios: readonly number[];
}

/** The grid the pipeline explores: fine-grained, SIMD blocks along the outputs, whole channels. */
export const DEFAULT_GRID: CandidateGrid = {
  granularities: ['element', 'block4x1', 'channel'],
  ratios: [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95],
};

/** Drops options no better than another of the same layer on bytes, instructions and sparsity. */
function paretoPrune(options: EncodedOption[]): EncodedOption[] {
  const instr = (o: EncodedOption): number => o.instructions ?? Number.MAX_SAFE_INTEGER;
  const keyOf = (o: EncodedOption): string => `${o.granularity}|${o.sparsity}`;
  // Within one pruning (same mask), keep only the formats not dominated on (bytes, instructions).
  const byMask = new Map<string, EncodedOption[]>();
  for (const o of options) byMask.set(keyOf(o), [...(byMask.get(keyOf(o)) ?? []), o]);
  const kept: EncodedOption[] = [];
  for (const list of byMask.values()) {
    for (const o of list) {
      const dominated = list.some((p) => p !== o && p.bytes <= o.bytes && instr(p) <= instr(o) && (p.bytes < o.bytes || instr(p) < instr(o) || p.format < o.format));
      if (!dominated) kept.push(o);
    }
  }
  return kept;
}

export interface CandidateOptions {
  /** Only these layers (weight tensor names). */
  only?: ReadonlySet<string>;
  /** The cost-table rows that predict instructions (default: the kernel family's; 'm0' for the
   * plain kernels on a Cortex-M0/M0+, see costFamily in src/sparse/cost.ts). */
  costFamily?: CostFamily;
}

/**
 * Channel pruning removes rows physically (src/prune/structured.ts): the layer is then a
 * smaller dense layer, run by the dense kernel, and the layers its channels feed lose as many
 * input columns. Its cost is the dense kernel's on `kept` of `rows` rows; and, folded into it
 * because the solver's pair costs (byPrevious) are not filled in by the pipeline yet, the
 * saving in the following layers (each depthwise layer in between, then the first other one),
 * estimated on their dense cost — so, when a following layer is itself pruned sparse, the
 * saving is over-estimated, and the measured build says by how much.
 */
function channelInstructions(own: number | undefined, rows: number, kept: number, following: readonly number[]): number | null {
  if (own === undefined) return null;
  const removed = (rows - kept) / rows;
  const saving = following.reduce((s, d) => s + d * removed, 0);
  return Math.max(0, Math.round(own - saving));
}

/** Dense instructions of each later weight layer the channels of `op` reach: depthwise ones, then the first other. */
function followingDense(layers: readonly LayerCandidates[], k: number): number[] {
  const out: number[] = [];
  for (let j = k + 1; j < layers.length; j++) {
    const l = layers[j]!;
    out.push(l.options.find((o) => o.sparsity === 0 && o.format === 'dense')?.instructions ?? 0);
    if (l.opcode !== 'DEPTHWISE_CONV_2D') break;
  }
  return out;
}

export function layerCandidates(graph: ModelGraph, family: KernelFamily, grid: CandidateGrid = DEFAULT_GRID, opts: CandidateOptions = {}): LayerCandidates[] {
  const only = opts.only;
  const out: LayerCandidates[] = [];
  const seen = new Set<number>();
  const plan = prepare(graph);
  const costFam = opts.costFamily ?? family;
  graph.ops.forEach((op, index) => {
    const lw = layerWeights(graph, op);
    if (!lw || seen.has(lw.tensor)) return;
    seen.add(lw.tensor);
    const name = graph.tensors[lw.tensor]!.name;
    if (only && !only.has(name)) return;
    const rows = lw.matrix.rows;
    const options: EncodedOption[] = [];
    for (const granularity of grid.granularities) {
      // Depthwise channels follow their producer; they are not pruned on their own.
      if (granularity === 'channel' && op.opcode === 'DEPTHWISE_CONV_2D') continue;
      for (const ratio of grid.ratios) {
        if (ratio === 0 && granularity !== grid.granularities[0]) continue; // dense once
        const pruned = pruneMatrix(lw.matrix, lw.rowScale, granularity, ratio);
        const tensors = graph.tensors.slice();
        tensors[lw.tensor] = { ...tensors[lw.tensor]!, data: matrixBytes(lw.op, pruned) };
        const choice = chooseFormats({ ...graph, tensors }, { family, ...(opts.costFamily ? { costFamily: opts.costFamily } : {}), objective: 'balanced', ops: new Set([index]) }).get(index);
        if (!choice) continue;
        let total = 0;
        let kept = 0;
        for (let i = 0; i < pruned.values.length; i++) {
          const sc = lw.rowScale[Math.floor(i / pruned.cols)] ?? 1;
          const a = Number(lw.matrix.values[i]) * sc;
          total += a * a;
          if (pruned.values[i] !== 0) kept += a * a;
        }
        const removedEnergy = total > 0 ? Math.round((1 - kept / total) * 1e6) / 1e6 : 0;
        let keptRows = rows;
        if (granularity === 'channel') {
          keptRows = 0;
          for (let r = 0; r < rows; r++) {
            let any = false;
            for (let c = 0; c < pruned.cols && !any; c++) any = pruned.values[r * pruned.cols + c] !== 0;
            if (any) keptRows++;
          }
        }
        if (granularity === 'channel') {
          // The rows are removed (see channelInstructions): a smaller dense layer, stored
          // dense; the following layers' savings are added once all layers are known.
          const g = callGeometry(lw.op, plan.ops.find((p) => p.index === index)!.params as FullyConnectedParams);
          const small = { ...g, rows: keptRows, denseMacsPerVector: (g.denseMacsPerVector * keptRows) / rows };
          const elem = lw.matrix.dtype === 'int8' ? 1 : 4;
          const hasBias = (op.inputs[2] ?? -1) >= 0;
          options.push({
            granularity,
            sparsity: ratio,
            achieved: sparsityOf(pruned),
            format: 'channel',
            bytes: roundUp4(keptRows * lw.matrix.cols * elem) + (hasBias ? keptRows * 4 : 0),
            instructions: keptRows === 0 ? 0 : predictCall(costFam, small, lw.matrix.dtype, undefined) ?? null,
            outChannels: keptRows,
            removedEnergy,
          });
          continue;
        }
        for (const c of choice.candidates) {
          options.push({
            granularity,
            sparsity: ratio,
            achieved: sparsityOf(pruned),
            format: c.format,
            bytes: c.bytes,
            instructions: c.predictedInstructions ?? null,
            outChannels: keptRows,
            removedEnergy,
          });
        }
      }
    }
    out.push({ name, op: index, opcode: op.opcode, outChannels: rows, options: paretoPrune(options) });
  });
  return out.map((l, k) => {
    const following = followingDense(out, k);
    return { ...l, options: l.options.map((o) => (o.granularity === 'channel' ? { ...o, instructions: channelInstructions(o.instructions ?? undefined, l.outChannels, o.outChannels, following) } : o)) };
  });
}
