/**
 * The data-dependent work of the pipeline's stages (src/pipeline/stages/): the int8 baseline, the sensitivity curves, pruning
 * with fine-tuning and re-quantization (with data), and magnitude pruning of the int8 weights
 * (without, --unverified). TF.js is imported lazily: builds that never train do
 * not load it.
 */
import { loadDataset, splitDataset, type Dataset } from '../data/index.js';
import type { ModelGraph } from '../ir/graph.js';
import { removeWeakestChannels } from '../prune/structured.js';
import type { PrunePlan } from '../contracts/plan.js';
import type { SensitivityPoint } from '../contracts/report.js';
import { layerWeights, matrixBytes } from '../sparse/matrix.js';
import { pruneMatrix } from '../sparse/prune.js';
import { parseGranularity } from '../sparse/granularity.js';
import { Prng } from '../util/prng.js';
import type { Progress } from '../util/progress.js';
import { tensorBytes } from '../ir/graph.js';
import type { CandidateGrid, EncodedOption } from './candidates.js';

export interface SplitData {
  name: string;
  train: Dataset;
  validation: Dataset;
}

export function loadData(spec: string, cwd: string, seed: number): SplitData {
  const ds = loadDataset(spec, cwd);
  const [train, validation] = splitDataset(ds, { first: 0.8, seed });
  return { name: ds.name, train, validation };
}

type Backend = 'auto' | 'node' | 'wasm' | 'cpu';

/** The int8 model every choice is measured against, and its validation accuracy. */
export async function baselineInt8(graph: ModelGraph, data: SplitData | undefined, backend: Backend, log: (l: string) => void): Promise<{ graph: ModelGraph; accuracy: number | null; backend: string | null }> {
  const isInt8 = graph.tensors.some((t) => t.dtype === 'int8' && t.data !== undefined);
  const { evaluateInt8 } = await import('../quantize/evaluate.js');
  if (isInt8) return { graph, accuracy: data ? evaluateInt8(graph, data.validation) : null, backend: null };
  // A float model: quantize with ranges calibrated on the training split.
  const [{ initBackend }, view, quant] = await Promise.all([import('../train/backend.js'), import('../train/view.js'), import('../quantize/index.js')]);
  const info = await initBackend(backend);
  log(`quantizing the float model to int8 (backend ${info.name})`);
  const m = view.createTrainable(graph);
  const q = quant.quantizeGraph(view.toGraph(m), quant.calibrate(m, data!.train, { samples: 512 })).graph;
  view.disposeTrainable(m);
  return { graph: q, accuracy: evaluateInt8(q, data!.validation), backend: info.name };
}

export type { SensitivityPoint } from '../contracts/report.js';

/** Accuracy with one layer pruned at a time, per granularity and ratio (dense model first). */
export async function sensitivityRows(g0: ModelGraph, data: SplitData, grid: CandidateGrid, progress: Progress | undefined, log: (l: string) => void): Promise<SensitivityPoint[]> {
  const [{ initBackend }, view, { dequantizeGraph }, sens, train] = await Promise.all([
    import('../train/backend.js'),
    import('../train/view.js'),
    import('../train/dequantize.js'),
    import('../prune/sensitivity.js'),
    import('../train/train.js'),
  ]);
  await initBackend('auto');
  log('sensitivity: one layer at a time over the sparsity grid (forward passes only)');
  const m = view.createTrainable(dequantizeGraph(g0));
  try {
    const samples = Math.min(1000, data.validation.y.length);
    const val = { ...data.validation, x: data.validation.x.subarray(0, samples * (data.validation.x.length / data.validation.y.length)), y: data.validation.y.subarray(0, samples) };
    const dense = train.evaluate(m, val);
    const rows = sens.sensitivity(m, val, { granularities: [...grid.granularities], ratios: [...grid.ratios], ...(progress ? { progress } : {}) });
    return [
      ...rows.map((r) => ({ layer: r.layer, granularity: r.granularity, sparsity: r.targetSparsity, accuracy: r.accuracy })),
      { layer: '*', granularity: 'dense', sparsity: 0, accuracy: dense },
    ];
  } finally {
    view.disposeTrainable(m);
  }
}

/**
 * Predicted loss of one choice: the dense accuracy minus the layer's pruned accuracy (≥ 0).
 * Channel counts are rounded to blocks of 4 (candidates.ts), so a channel choice may fall
 * between two measured sparsities: its loss is interpolated linearly between them (the dense
 * model at sparsity 0).
 */
export function dataLoss(rows: readonly SensitivityPoint[], layer: string, o: EncodedOption, _baseline: number | null): number {
  if (o.sparsity === 0) return 0;
  const dense = rows.find((r) => r.layer === '*')?.accuracy ?? 0;
  const curve = [{ sparsity: 0, accuracy: dense }, ...rows.filter((r) => r.layer === layer && r.granularity === o.granularity)].sort((a, b) => a.sparsity - b.sparsity);
  const at = curve.findIndex((r) => r.sparsity >= o.sparsity - 1e-9);
  // A point the sweep could not measure (a granularity that does not apply, or sparser than
  // any measured point) is not offered cheaply.
  if (curve.length < 2 || at < 1) return 1;
  const hi = curve[at]!;
  const lo = curve[at - 1]!;
  const t = hi.sparsity - lo.sparsity < 1e-9 ? 1 : (o.sparsity - lo.sparsity) / (hi.sparsity - lo.sparsity);
  const accuracy = lo.accuracy + t * (hi.accuracy - lo.accuracy);
  return Math.max(0, Math.round((dense - accuracy) * 1e6) / 1e6);
}

/**
 * Without data: the loss proxy is the fraction of the layer's weight energy (Σ w², in real
 * units) that pruning removes, scaled so that removing a whole layer costs 1.
 */
export function noDataLoss(o: EncodedOption): number {
  return o.removedEnergy ?? o.achieved;
}

export interface PruneOptions {
  epochs: number;
  learningRate: number;
  seed: number;
  backend: Backend;
  log: (l: string) => void;
  progress?: Progress;
}

/** Prune the float view to the plan, fine-tune with fixed masks, re-quantize on the data. */
export async function pruneWithData(g0: ModelGraph, plan: PrunePlan, data: SplitData, o: PruneOptions): Promise<{ graph: ModelGraph; accuracy: number }> {
  const [{ initBackend }, view, { dequantizeGraph }, engine, planMod, quant] = await Promise.all([
    import('../train/backend.js'),
    import('../train/view.js'),
    import('../train/dequantize.js'),
    import('../prune/engine.js'),
    import('../prune/plan.js'),
    import('../quantize/index.js'),
  ]);
  await initBackend(o.backend);
  const m = view.createTrainable(dequantizeGraph(g0));
  // The plan may set its own fine-tuning recipe (learning rate, more epochs); the options set the default.
  const resolved = planMod.resolvePlan(m.graph, { ...plan, fineTune: { epochs: o.epochs, patience: 2, ...plan.fineTune } });
  const out = engine.runPlan(m, resolved, {
    train: data.train,
    validation: data.validation,
    baseLearningRate: o.learningRate,
    seed: o.seed,
    log: (l) => o.log(`  ${l}`),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  const ranges = quant.calibrate(out.model, data.train, { samples: 512 });
  const graph = quant.quantizeGraph(view.toGraph(out.model), ranges).graph;
  view.disposeTrainable(out.model);
  const accuracy = quant.evaluateInt8(graph, data.validation);
  o.log(`pruned int8 accuracy ${(accuracy * 100).toFixed(2)}%`);
  return { graph, accuracy };
}

/**
 * Without data: the int8 weights pruned by magnitude as planned; layers planned at channel
 * granularity lose their weakest output channels (L1 of the real-valued filters), removed
 * with their biases, depthwise pass-throughs and consumers' input columns.
 */
export function pruneWithoutData(g0: ModelGraph, plan: PrunePlan): { graph: ModelGraph; accuracy: null } {
  const tensors = g0.tensors.slice();
  const g: ModelGraph = { ...g0, tensors };
  const channelRatios = new Map<number, number>();
  g0.ops.forEach((op, index) => {
    const lw = layerWeights(g0, op);
    if (!lw) return;
    const entry = plan.layers?.[g0.tensors[lw.tensor]!.name];
    if (!entry || !entry.sparsity) return;
    const gran = parseGranularity(entry.granularity ?? 'element', `plan.layers['${g0.tensors[lw.tensor]!.name}'].granularity`);
    if (gran.kind === 'channel') {
      channelRatios.set(index, entry.sparsity);
      return;
    }
    const pruned = pruneMatrix(lw.matrix, lw.rowScale, gran, entry.sparsity);
    tensors[lw.tensor] = { ...tensors[lw.tensor]!, data: matrixBytes(lw.op, pruned) };
  });
  return { graph: removeWeakestChannels(g, channelRatios), accuracy: null };
}

/** Seeded random int8 inputs for a graph's first input. */
export function seededInputs(g: ModelGraph, n: number, seed: number): Uint8Array[] {
  const rng = new Prng(seed);
  const size = tensorBytes(g.tensors[g.inputs[0]!]!);
  return Array.from({ length: n }, () => Uint8Array.from({ length: size }, () => rng.int(0, 255)));
}
