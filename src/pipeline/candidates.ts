/**
 * What each prunable layer could become: for every (granularity, sparsity) on a grid, the
 * layer's int8 weights pruned by magnitude exactly as the build would store them, encoded in
 * every applicable format — exact flash bytes and the cost model's predicted instructions.
 * Pure: the solver's input besides the accuracy curves and the RAM model.
 *
 * Channel pruning (issue #13) keeps multiples of 4 channels (keptChannelCounts) and is priced
 * on the graph with those channels removed: the layer itself, the depthwise layers on its
 * channels (`followers`) and, by the pair, the layer its channels feed (`byInputChannels`).
 */
import { lowerModel } from '../codegen/lower.js';
import type { ModelGraph } from '../ir/graph.js';
import { analyzeChannels, removeWeakestChannels } from '../prune/structured.js';
import { chooseFormats } from '../sparse/plan.js';
import { layerWeights, matrixBytes } from '../sparse/matrix.js';
import { pruneMatrix, sparsityOf } from '../sparse/prune.js';
import type { GranularityName as SparseGranularity } from '../sparse/granularity.js';
import type { CostFamily } from '../sparse/cost.js';
import type { KernelFamily } from '../sparse/kernels.js';
import { FORMAT_NAMES, type FormatName, type WeightMatrix } from '../sparse/types.js';

/** Flash bytes and predicted instructions (null where the cost model has no entry). */
export interface Cost {
  bytes: number;
  instructions: number | null;
}

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
  /** The depthwise layers that follow this layer's channels (LayerCandidates.followers), summed, at this option's channel count. */
  followers?: Cost;
}

export interface LayerCandidates {
  /** Weight tensor name: how plans name layers. */
  name: string;
  op: number;
  opcode: string;
  outChannels: number;
  options: EncodedOption[];
  /** Depthwise layers (operator indices) on this layer's channels: they lose the channels it loses. */
  followers: number[];
  /** The layer (operator index) whose kept channels are this layer's input channels, when one layer owns them all. */
  inputOwner?: number;
  /**
   * This layer's options re-priced on the graph where inputOwner keeps fewer channels (issue
   * #13: pair costs): one entry per channel option of inputOwner (`kept` = its channels), one
   * cost per option of this layer, in `options` order.
   */
  byInputChannels?: { kept: number; costs: Cost[] }[];
}

export interface CandidateGrid {
  granularities: readonly SparseGranularity[];
  ratios: readonly number[];
}

/** Bumped when what the candidates hold changes, so a cached candidates stage is not reused. */
export const CANDIDATES_VERSION = 3;

/** The grid the pipeline explores: fine-grained, SIMD blocks along the outputs, whole channels. */
export const DEFAULT_GRID: CandidateGrid = {
  granularities: ['element', 'block4x1', 'channel'],
  ratios: [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95],
};

/** One pruning of a layer (one mask), whatever the format. */
const maskKey = (granularity: string, sparsity: number): string => `${granularity}|${sparsity}`;

/** Drops options no better than another of the same layer on bytes, instructions and sparsity. */
function paretoPrune(options: EncodedOption[]): EncodedOption[] {
  const instr = (o: EncodedOption): number => o.instructions ?? Number.MAX_SAFE_INTEGER;
  const keyOf = (o: EncodedOption): string => maskKey(o.granularity, o.sparsity);
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
 * Who owns which channels (src/prune/groups.ts): the prunable dependency groups each layer
 * owns (its first producer; a plan's channel entry for that layer removes them), and for each
 * layer the one layer whose kept channels are its input channels, when one layer owns them all.
 */
interface Ownership {
  owned: Map<number, number>;
  inputOwner: Map<number, number>;
}

function ownership(graph: ModelGraph): Ownership {
  const analysis = analyzeChannels(graph);
  const ownerOf = (cls: number): number | undefined => {
    const c = analysis.classes[cls];
    return c?.prunable && c.producers.length > 0 ? Math.min(...c.producers.map((p) => p.op)) : undefined;
  };
  const owned = new Map<number, number>();
  analysis.classes.forEach((_, cls) => {
    const o = ownerOf(cls);
    if (o !== undefined) owned.set(o, (owned.get(o) ?? 0) + 1);
  });
  const inputOwner = new Map<number, number>();
  graph.ops.forEach((op, index) => {
    const slots = analysis.slotClass[op.inputs[0] ?? -1];
    if (!slots || layerWeights(graph, op) === undefined) return;
    const owners = new Set<number>();
    for (const cls of slots) {
      const o = ownerOf(cls);
      if (o !== undefined) owners.add(o);
    }
    if (owners.size === 1) inputOwner.set(index, [...owners][0]!);
  });
  return { owned, inputOwner };
}

/** The dense kernels compute four output channels per block, the rest one at a time (issue #13). */
const CHANNEL_BLOCK = 4;

/**
 * Output channels a layer of `rows` channels may keep when it owns `owned` prunable groups
 * (the others are pinned): one count per grid ratio, as src/prune/structured.ts
 * (selectChannelClasses) would keep at that ratio, moved to the nearest multiple of
 * CHANNEL_BLOCK — a layer of 9 channels is slower per channel than one of 8. Counts under one
 * block (no block to fill; what a very small board needs), layers under 2 blocks, and layers
 * whose pinned channels leave no multiple in range keep the grid's counts.
 */
export function keptChannelCounts(rows: number, owned: number, ratios: readonly number[]): number[] {
  const least = rows - owned + 1; // at least one prunable group stays
  const out = new Set<number>();
  for (const r of ratios) {
    const removed = Math.min(owned - 1, Math.round(r * owned));
    if (r <= 0 || removed <= 0) continue;
    const exact = rows - removed;
    let k = Math.round(exact / CHANNEL_BLOCK) * CHANNEL_BLOCK;
    if (k >= rows) k -= CHANNEL_BLOCK;
    if (k < least) k += CHANNEL_BLOCK;
    out.add(exact < CHANNEL_BLOCK || rows < 2 * CHANNEL_BLOCK || k < Math.max(least, CHANNEL_BLOCK) || k >= rows ? exact : k);
  }
  return [...out].sort((a, b) => b - a);
}

interface LayerContext {
  graph: ModelGraph;
  family: KernelFamily;
  grid: CandidateGrid;
  opts: CandidateOptions;
  own: Ownership;
}

/** Fraction of the weight energy (Σ (w·scale)²) that the zeros of `pruned` remove. */
function removedEnergyOf(lw: NonNullable<ReturnType<typeof layerWeights>>, pruned: WeightMatrix): number {
  let total = 0;
  let kept = 0;
  for (let i = 0; i < pruned.values.length; i++) {
    const sc = lw.rowScale[Math.floor(i / pruned.cols)] ?? 1;
    const a = Number(lw.matrix.values[i]) * sc;
    total += a * a;
    if (pruned.values[i] !== 0) kept += a * a;
  }
  return total > 0 ? Math.round((1 - kept / total) * 1e6) / 1e6 : 0;
}

/** The rows kept by removing the `removed` weakest (L1 of |w|·scale, as removeWeakestChannels scores them). */
function withoutWeakestRows(lw: NonNullable<ReturnType<typeof layerWeights>>, removed: number): WeightMatrix {
  const m = lw.matrix;
  const score = Array.from({ length: m.rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += Math.abs(Number(m.values[r * m.cols + c])) * (lw.rowScale[r] ?? 1);
    return { r, s };
  });
  score.sort((a, b) => a.s - b.s || a.r - b.r);
  const values = m.values.slice();
  for (const { r } of score.slice(0, removed)) values.fill(0, r * m.cols, (r + 1) * m.cols);
  return { ...m, values };
}

const chooseOptions = (x: LayerContext, graph: ModelGraph, index: number, only?: ReadonlySet<string>): ReturnType<typeof chooseFormats> =>
  chooseFormats(graph, {
    family: x.family,
    ...(x.opts.costFamily ? { costFamily: x.opts.costFamily } : {}),
    objective: 'balanced',
    ops: new Set([index]),
    ...(only ? { exclude: FORMAT_NAMES.filter((f) => !only.has(f)) } : {}),
  });
const DENSE_ONLY: ReadonlySet<string> = new Set(['dense']);

/**
 * Every option of the layer of operator `index` (before the Pareto filter), and for each
 * channel option the graph with those channels removed. Channel pruning removes rows
 * physically (src/prune/structured.ts): the layer is then a smaller dense layer run by the
 * dense kernel, priced as such on the pruned graph. `wanted`: only these (granularity|sparsity
 * → formats), to re-price options already chosen.
 */
function encodeLayer(x: LayerContext, graph: ModelGraph, index: number, wanted?: ReadonlyMap<string, ReadonlySet<string>>): { options: EncodedOption[]; pruned: Map<EncodedOption, ModelGraph> } {
  const op = graph.ops[index]!;
  const lw = layerWeights(graph, op)!;
  const rows = lw.matrix.rows;
  const options: EncodedOption[] = [];
  const pruned = new Map<EncodedOption, ModelGraph>();
  for (const granularity of x.grid.granularities) {
    if (granularity === 'channel') {
      // Depthwise channels follow their producer; they are not pruned on their own.
      const owned = x.own.owned.get(index) ?? 0;
      if (op.opcode === 'DEPTHWISE_CONV_2D' || owned < 2) continue;
      for (const kept of keptChannelCounts(rows, owned, x.grid.ratios)) {
        // The plan's sparsity is the fraction of the owned groups removed: what the pruning reads back.
        const sparsity = (rows - kept) / owned;
        if (wanted && !wanted.has(maskKey(granularity, sparsity))) continue;
        const g = removeWeakestChannels(graph, new Map([[index, sparsity]]));
        const dense = chooseOptions(x, g, index, DENSE_ONLY).get(index)!.dense;
        const m = withoutWeakestRows(lw, rows - kept);
        const o: EncodedOption = { granularity, sparsity, achieved: sparsityOf(m), format: 'channel', bytes: dense.bytes, instructions: dense.predictedInstructions ?? null, outChannels: kept, removedEnergy: removedEnergyOf(lw, m) };
        options.push(o);
        pruned.set(o, g);
      }
      continue;
    }
    for (const ratio of x.grid.ratios) {
      if (ratio === 0 && granularity !== x.grid.granularities[0]) continue; // dense once
      const formats = wanted?.get(maskKey(granularity, ratio));
      if (wanted && !formats) continue;
      const m = pruneMatrix(lw.matrix, lw.rowScale, granularity, ratio);
      const tensors = graph.tensors.slice();
      tensors[lw.tensor] = { ...tensors[lw.tensor]!, data: matrixBytes(lw.op, m) };
      const choice = chooseOptions(x, { ...graph, tensors }, index, formats).get(index);
      if (!choice) continue;
      const common = { granularity, sparsity: ratio, achieved: sparsityOf(m), outChannels: rows, removedEnergy: removedEnergyOf(lw, m) };
      for (const c of choice.candidates) options.push({ ...common, format: c.format, bytes: c.bytes, instructions: c.predictedInstructions ?? null });
    }
  }
  return { options, pruned };
}

const optionKey = (o: EncodedOption): string => `${maskKey(o.granularity, o.sparsity)}|${o.format}`;

/** Bytes and instructions of the dense layers `ops` of `graph`, summed. */
function denseCost(x: LayerContext, graph: ModelGraph, ops: readonly number[]): Cost {
  let bytes = 0;
  let instructions: number | null = 0;
  for (const index of ops) {
    const d = chooseOptions(x, graph, index, DENSE_ONLY).get(index)!.dense;
    bytes += d.bytes;
    instructions = instructions === null || d.predictedInstructions === undefined ? null : instructions + d.predictedInstructions;
  }
  return { bytes, instructions };
}

export function layerCandidates(graph: ModelGraph, family: KernelFamily, grid: CandidateGrid = DEFAULT_GRID, opts: CandidateOptions = {}): LayerCandidates[] {
  const x: LayerContext = { graph, family, grid, opts, own: ownership(graph) };
  // Layers the dense arena plan runs band by band (src/codegen/stream.ts) keep the dense kernel
  // (dense or channel-pruned): a sparse kernel does not run in bands, and the solver's RAM model
  // (src/pipeline/ram.ts) counts their bands.
  const banded = new Set(lowerModel(graph, { prefix: 'tp_model', source: 'candidates' }).arena.streams.flatMap((s) => [s.producer, s.consumer]));
  const seen = new Set<number>();
  const layers: (LayerCandidates & { pruned: Map<EncodedOption, ModelGraph> })[] = [];
  graph.ops.forEach((op, index) => {
    const lw = layerWeights(graph, op);
    if (!lw || seen.has(lw.tensor)) return;
    seen.add(lw.tensor);
    const name = graph.tensors[lw.tensor]!.name;
    if (opts.only && !opts.only.has(name)) return;
    const encoded = encodeLayer(x, graph, index);
    const pruned = encoded.pruned;
    const options = banded.has(index) ? encoded.options.filter((o) => o.format === 'dense' || o.format === 'channel') : encoded.options;
    const owner = x.own.inputOwner.get(index);
    layers.push({ name, op: index, opcode: op.opcode, outChannels: lw.matrix.rows, options: paretoPrune(options), followers: [], ...(owner !== undefined ? { inputOwner: owner } : {}), pruned });
  });
  for (const l of layers) {
    // Depthwise layers on this layer's channels: priced with it, at its channel count.
    l.followers = graph.ops.flatMap((op, i) => (op.opcode === 'DEPTHWISE_CONV_2D' && x.own.inputOwner.get(i) === l.op ? [i] : []));
    if (l.followers.length === 0) continue;
    const dense = denseCost(x, graph, l.followers);
    for (const o of l.options) o.followers = l.pruned.has(o) ? denseCost(x, l.pruned.get(o)!, l.followers) : dense;
  }
  for (const c of layers) {
    // Pair costs: this layer re-encoded on each channel-pruned graph of the layer owning its input.
    const owner = layers.find((l) => l.op === c.inputOwner);
    const rows = owner?.options.filter((o) => owner.pruned.has(o)) ?? [];
    if (rows.length === 0 || c.opcode === 'DEPTHWISE_CONV_2D') continue;
    const wanted = new Map<string, Set<string>>();
    for (const o of c.options) wanted.set(maskKey(o.granularity, o.sparsity), (wanted.get(maskKey(o.granularity, o.sparsity)) ?? new Set()).add(o.format));
    c.byInputChannels = rows.map((p) => {
      const mine = new Map(encodeLayer(x, owner!.pruned.get(p)!, c.op, wanted).options.map((o) => [optionKey(o), o]));
      // An option the smaller input does not offer (a format that no longer applies) keeps its own cost.
      return { kept: p.outChannels, costs: c.options.map((o) => ({ bytes: (mine.get(optionKey(o)) ?? o).bytes, instructions: (mine.get(optionKey(o)) ?? o).instructions })) };
    });
  }
  return layers.map(({ pruned: _, ...l }) => l);
}
