/**
 * What each prunable layer could become: for every (granularity, sparsity) on a grid, the
 * layer's int8 weights pruned by magnitude exactly as the build would store them, encoded in
 * every applicable format — exact flash bytes and the cost model's predicted instructions.
 * Pure: the solver's input besides the accuracy curves and the RAM model.
 */
import type { ModelGraph } from '../ir/graph.js';
import { chooseFormats } from '../sparse/plan.js';
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

export function layerCandidates(graph: ModelGraph, family: KernelFamily, grid: CandidateGrid = DEFAULT_GRID, opts: CandidateOptions = {}): LayerCandidates[] {
  const only = opts.only;
  const out: LayerCandidates[] = [];
  const seen = new Set<number>();
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
        for (const c of choice.candidates) {
          // Channel pruning's saving is the smaller dense layer (format 'channel'); other
          // formats of a channel-pruned mask are covered by the element options.
          if (granularity === 'channel' && c.format !== 'channel') continue;
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
  return out;
}
