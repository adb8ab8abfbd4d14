/**
 * `tinyprune prune` as a stage list: backend → load (model and data) → train → sensitivity →
 * prune (by plan, fine-tuned) → tfjs → quantize (int8) → write. The model stays in memory
 * (a trainable float view) from load to the end. TF.js is imported lazily, so the other
 * commands do not pay for loading it.
 */
import { resolve } from 'node:path';

import type { PrunePlan } from '../../contracts/plan.js';
import type { Stage, StageContext } from '../../contracts/stage.js';
import type { ModelGraph } from '../../ir/graph.js';
import type { Dataset } from '../../data/index.js';
import type { BackendChoice } from '../../train/backend.js';
import type { TrainableModel } from '../../train/view.js';
import { writeFileAtomic } from '../../util/files.js';
import type { Progress } from '../../util/progress.js';

async function modules() {
  const [{ initBackend }, data, view, train, models, engine, planMod, tflite, quant, sens, imp] = await Promise.all([
    import('../../train/backend.js'),
    import('../../data/index.js'),
    import('../../train/view.js'),
    import('../../train/train.js'),
    import('../../train/models.js'),
    import('../../prune/engine.js'),
    import('../../prune/plan.js'),
    import('../../tflite/index.js'),
    import('../../quantize/index.js'),
    import('../../prune/sensitivity.js'),
    import('../../import/index.js'),
  ]);
  return { initBackend, data, view, train, models, engine, planMod, tflite, quant, sens, imp };
}

/** The `prune` flags the stages read (src/config/options.ts declares them). */
export interface PruneModelOptions {
  readonly data?: string | undefined;
  readonly backend: BackendChoice;
  readonly lr: number;
  readonly seed: number;
  readonly holdout: number;
  readonly 'train-epochs'?: number | undefined;
  readonly sensitivity?: string | undefined;
  readonly tfjs?: string | undefined;
  readonly int8?: boolean | undefined;
  readonly calibration?: string | undefined;
  readonly out?: string | undefined;
}

export interface PruneModelContext extends StageContext {
  options: PruneModelOptions;
  /** The model argument: a file or an example model's name. */
  modelArg: string;
  /** The plan file's fields under the flags given. */
  plan: PrunePlan;
  /** --plan or --sparsity: there is something to prune. */
  prunes: boolean;
  cwd: string;
  log: (line: string) => void;
  progress: Progress;
  /** The JSON report the command prints or writes; each stage adds its part. */
  report: Record<string, unknown>;
  // backend
  mods: Awaited<ReturnType<typeof modules>>;
  // load
  example: boolean;
  trainSet: Dataset;
  valSet: Dataset;
  model: TrainableModel;
}

/** The float graph of the (pruned, fine-tuned) model, once it is final. */
const graphOf = (c: PruneModelContext): ModelGraph => (c.graph ??= c.mods.view.toGraph(c.model));

export const PRUNE_MODEL_STAGES: readonly Stage<PruneModelContext>[] = [
  {
    name: 'backend',
    async run(c) {
      c.mods = await modules();
      const backend = await c.mods.initBackend(c.options.backend);
      c.log(`backend: ${backend.name}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);
      c.report.backend = backend.name;
      c.report.backendNotes = backend.notes;
    },
  },
  { name: 'load', run: load },
  {
    name: 'train',
    skip: (c) => trainEpochs(c) <= 0,
    run(c) {
      const { options: o, log } = c;
      const epochs = trainEpochs(c);
      log(`training ${epochs} epoch(s) at lr ${o.lr}`);
      c.mods.train.train(c.model, c.trainSet, { epochs, learningRate: o.lr, seed: o.seed, validation: c.valSet, progress: c.progress, progressStage: 'train', onEpoch: (e) => log(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}% (${e.seconds.toFixed(1)} s)`) });
    },
  },
  {
    name: 'sensitivity',
    skip: (c) => !c.options.sensitivity,
    run(c) {
      const { sens } = c.mods;
      const rows = sens.sensitivity(c.model, c.valSet, { granularities: [c.plan.granularity ?? 'element'], criterion: c.plan.criterion ?? 'l1', progress: c.progress });
      const p = resolve(c.cwd, c.options.sensitivity!);
      writeFileAtomic(`${p}.csv`, sens.sensitivityCsv(rows));
      writeFileAtomic(`${p}.json`, JSON.stringify(rows, null, 2) + '\n');
      writeFileAtomic(`${p}.svg`, sens.sensitivitySvg(rows, `Pruning sensitivity: ${c.modelArg}`));
      c.log(`sensitivity written to ${p}.{csv,json,svg}`);
      c.report.sensitivity = `${p}.json`;
    },
  },
  { name: 'prune', skip: (c) => !c.prunes, run: prune },
  {
    name: 'tfjs',
    skip: (c) => !c.options.tfjs,
    run(c) {
      const files = c.mods.imp.exportTfjsLayers(graphOf(c));
      const dir = resolve(c.cwd, c.options.tfjs!);
      writeFileAtomic(resolve(dir, 'model.json'), files.modelJson);
      for (const [n, bytes] of files.shards) writeFileAtomic(resolve(dir, n), bytes);
      c.log(`wrote TF.js layers model to ${dir}`);
      c.report.tfjs = dir;
    },
  },
  {
    name: 'quantize',
    rewritesGraph: true,
    skip: (c) => !c.options.int8,
    run(c) {
      const { quant, train } = c.mods;
      const method = c.options.calibration === 'percentile' ? { kind: 'percentile' as const, percentile: 99.99 } : { kind: 'minmax' as const };
      const ranges = quant.calibrate(c.model, c.trainSet, { samples: 512, method });
      c.graph = quant.quantizeGraph(graphOf(c), ranges).graph;
      const floatAcc = train.evaluate(c.model, c.valSet);
      const int8Acc = quant.evaluateInt8(c.graph, c.valSet);
      c.log(`int8: accuracy ${(int8Acc * 100).toFixed(2)}% (float ${(floatAcc * 100).toFixed(2)}%)`);
      c.report.int8 = { calibration: method, floatAccuracy: floatAcc, int8Accuracy: int8Acc };
    },
  },
  {
    name: 'write',
    skip: (c) => !c.options.out,
    run(c) {
      const file = resolve(c.cwd, c.options.out!);
      writeFileAtomic(file, c.mods.tflite.writeTflite(graphOf(c)));
      c.log(`wrote ${file}`);
      c.report.output = file;
    },
  },
];

/** Epochs to train first: --train-epochs, or 10 for an example model (it starts untrained). */
const trainEpochs = (c: PruneModelContext): number => c.options['train-epochs'] ?? (c.example ? 10 : 0);

async function load(c: PruneModelContext): Promise<void> {
  const { models, imp, tflite, data, view } = c.mods;
  const o = c.options;
  const example = (models.EXAMPLE_MODELS as Record<string, (seed: number) => ModelGraph>)[c.modelArg];
  const modelPath = resolve(c.cwd, c.modelArg);
  const source = example
    ? example(o.seed)
    : /\.(h5|hdf5|keras)$/i.test(modelPath)
      ? await imp.readKerasH5(modelPath)
      : /\.json$/i.test(modelPath)
        ? imp.readTfjsLayersModel(modelPath)
        : tflite.readTfliteFile(modelPath).graph;
  const ds = data.loadDataset(o.data!, c.cwd);
  [c.trainSet, c.valSet] = data.splitDataset(ds, { first: 1 - o.holdout, seed: o.seed });
  c.log(`data: ${ds.name}: ${c.trainSet.y.length} train / ${c.valSet.y.length} validation, ${ds.numClasses} classes`);
  c.example = example !== undefined;
  c.model = view.createTrainable(source);
  c.report = { model: example ? c.modelArg : modelPath, data: ds.name, ...c.report, seed: o.seed };
}

function prune(c: PruneModelContext): void {
  const { planMod, engine } = c.mods;
  const { log } = c;
  const resolved = planMod.resolvePlan(c.model.graph, c.plan);
  for (const l of resolved.layers) log(`plan ${planMod.describeLayerPlan(l)}`);
  const out = engine.runPlan(c.model, resolved, {
    train: c.trainSet,
    validation: c.valSet,
    baseLearningRate: c.options.lr,
    seed: c.options.seed,
    log,
    progress: c.progress,
    onEpoch: (e) => log(`  fine-tune epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}%`),
  });
  c.model = out.model;
  const nz = out.layers.reduce((a, l) => a + l.nonzeros, 0);
  const total = out.layers.reduce((a, l) => a + l.total, 0);
  Object.assign(c.report, { plan: c.plan, denseAccuracy: out.denseAccuracy, accuracy: out.accuracy, stages: out.stages, layers: out.layers, nonzeroFraction: nz / total });
  log(`non-zero weights: ${nz} of ${total} (${((nz / total) * 100).toFixed(2)}%)`);
}
