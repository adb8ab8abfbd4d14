/**
 * tinyprune prune: train view → (sensitivity) → prune by plan → fine-tune → (int8) → .tflite
 * with progress on stderr (io.progress: training, sensitivity and fine-tuning as stages) and a
 * JSON report. TF.js is imported lazily, so the other commands do not pay for loading it.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { boolOpt, stringOpt } from '../args.js';
import { TinypruneError } from '../../errors.js';
import { writeFileAtomic } from '../../util/files.js';
import type { PrunePlan } from '../../prune/plan.js';
import { readPlanFile } from '../../prune/plan-file.js';
import { createProgress } from '../progress.js';

function num(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TinypruneError('E_USAGE', `--${name} needs a number; got '${v}'`, { where: `--${name}` });
  return n;
}

export const pruneCommand: Command = {
  spec: {
    name: 'prune',
    summary: 'Prune a model on a data set (any granularity, one-shot or AGP), fine-tune, optionally quantize to int8; write .tflite + a JSON report.',
    usage: 'tinyprune prune <model.tflite | model.h5 | model.json | lenet-300-100 | lenet5 | tiny-digits> --data <dataset> (--sparsity <0..1> | --plan <plan.json>) [options]',
    options: {
      data: { type: 'string', value: '<dataset>', description: 'mnist:<dir>, digits:<file>, .csv, .npz, x.npy,y.npy or a folder of class folders' },
      sparsity: { type: 'string', value: '<0..1>', description: 'target fraction of weights removed in every layer' },
      plan: { type: 'string', value: '<plan.json>', description: 'a PrunePlan (per-layer granularity/sparsity, exclude/pin, schedule, fine-tuning)' },
      granularity: { type: 'string', value: '<g>', description: 'element | 2:4 | 1:4 | 1:8 | block1xK | blockKx1 | kernel | filterlet | pattern | channel (default element)' },
      criterion: { type: 'string', value: '<c>', description: 'l1 | l2 | taylor (default l1)' },
      scope: { type: 'string', value: '<s>', description: 'layer | global (default layer)' },
      schedule: { type: 'string', value: '<s>', description: 'oneshot | agp (default oneshot)' },
      epochs: { type: 'string', value: '<n>', description: 'fine-tuning epochs (default 5)' },
      lr: { type: 'string', value: '<rate>', description: 'learning rate the model was trained with (default 0.001); fine-tuning uses 1/10' },
      'train-epochs': { type: 'string', value: '<n>', description: 'train the model first (needed for the untrained built-in examples; default 0, 10 for examples)' },
      holdout: { type: 'string', value: '<fraction>', description: 'fraction of the data held out for validation (default 0.2, seeded split)' },
      seed: { type: 'string', value: '<n>', description: 'seed for splits, shuffling and initialisation (default 1)' },
      backend: { type: 'string', value: '<b>', description: 'auto | node | wasm | cpu (default auto)' },
      int8: { type: 'boolean', description: 'quantize the pruned model to int8 (per-channel weights) and report float vs int8 accuracy' },
      calibration: { type: 'string', value: '<m>', description: 'minmax | percentile (99.99) for int8 activation ranges (default minmax)' },
      sensitivity: { type: 'string', value: '<prefix>', description: 'also write <prefix>.csv/.json/.svg sensitivity curves of the trained model' },
      out: { type: 'string', value: '<file.tflite>', description: 'where to write the pruned model' },
      tfjs: { type: 'string', value: '<dir>', description: 'also write the pruned float model as a TF.js layers model (model.json + shard)' },
      report: { type: 'string', value: '<file.json>', description: 'where to write the JSON report (default: stdout)' },
      help: { type: 'boolean', short: 'h', description: 'show this help' },
    },
    positionals: [1, 1],
  },
  async run(args, io) {
    // Lines and stage progress go through the CLI's reporter (--quiet, --progress json, a bar on a TTY).
    const progress = io.progress ?? createProgress({ mode: 'lines', write: io.err, prefix: 'prune' });
    const log = (line: string): void => progress.log(line);
    const dataSpec = stringOpt(args, 'data');
    if (!dataSpec) throw new TinypruneError('E_USAGE', '--data is required', { allowed: this.spec.usage, hint: 'e.g. --data mnist:../shared/datasets/mnist' });
    const planPath = stringOpt(args, 'plan');
    const sparsityOpt = stringOpt(args, 'sparsity');
    if (!planPath && sparsityOpt === undefined && !stringOpt(args, 'sensitivity')) {
      throw new TinypruneError('E_USAGE', 'give --sparsity or --plan (or --sensitivity alone)', { allowed: this.spec.usage });
    }
    let plan: PrunePlan = {};
    if (planPath) {
      plan = readPlanFile(resolve(io.cwd, planPath));
    }
    const g = stringOpt(args, 'granularity');
    const c = stringOpt(args, 'criterion');
    const scope = stringOpt(args, 'scope');
    const sched = stringOpt(args, 'schedule');
    plan = {
      ...plan,
      ...(sparsityOpt !== undefined ? { sparsity: num(sparsityOpt, 'sparsity', 0) } : {}),
      ...(g ? { granularity: g } : {}),
      ...(c ? { criterion: c as PrunePlan['criterion'] } : {}),
      ...(scope ? { scope: scope as PrunePlan['scope'] } : {}),
      ...(sched ? { schedule: { ...(plan.schedule ?? {}), kind: sched as 'oneshot' } } : {}),
      fineTune: { ...(plan.fineTune ?? {}), ...(stringOpt(args, 'epochs') ? { epochs: num(stringOpt(args, 'epochs'), 'epochs', 5) } : {}) },
    };
    const seed = num(stringOpt(args, 'seed'), 'seed', 1);
    const lr = num(stringOpt(args, 'lr'), 'lr', 1e-3);

    const [{ initBackend }, data, view, trainMod, models, engine, planMod, tflite, quant, sens] = await Promise.all([
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
    ]);
    const backend = await initBackend((stringOpt(args, 'backend') ?? 'auto') as 'auto');
    log(`backend: ${backend.name}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

    const modelArg = args.positionals[0]!;
    const example = (models.EXAMPLE_MODELS as Record<string, (seed: number) => import('../../ir/graph.js').ModelGraph>)[modelArg];
    const modelPath = resolve(io.cwd, modelArg);
    const imp = await import('../../import/index.js');
    const source = example
      ? example(seed)
      : /\.(h5|hdf5|keras)$/i.test(modelPath)
        ? await imp.readKerasH5(modelPath)
        : /\.json$/i.test(modelPath)
          ? imp.readTfjsLayersModel(modelPath)
          : tflite.readTfliteFile(modelPath).graph;
    const ds = data.loadDataset(dataSpec, io.cwd);
    const holdout = num(stringOpt(args, 'holdout'), 'holdout', 0.2);
    const [trainSet, valSet] = data.splitDataset(ds, { first: 1 - holdout, seed });
    log(`data: ${ds.name}: ${trainSet.y.length} train / ${valSet.y.length} validation, ${ds.numClasses} classes`);

    let m = view.createTrainable(source);
    const trainEpochs = num(stringOpt(args, 'train-epochs'), 'train-epochs', example ? 10 : 0);
    if (trainEpochs > 0) {
      log(`training ${trainEpochs} epoch(s) at lr ${lr}`);
      trainMod.train(m, trainSet, { epochs: trainEpochs, learningRate: lr, seed, validation: valSet, progress, progressStage: 'train', onEpoch: (e) => log(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}% (${e.seconds.toFixed(1)} s)`) });
    }
    const report: Record<string, unknown> = { model: example ? modelArg : resolve(io.cwd, modelArg), data: ds.name, backend: backend.name, backendNotes: backend.notes, seed };
    const sensPrefix = stringOpt(args, 'sensitivity');
    if (sensPrefix) {
      const rows = sens.sensitivity(m, valSet, { granularities: [plan.granularity ?? 'element'], criterion: plan.criterion ?? 'l1', progress });
      const p = resolve(io.cwd, sensPrefix);
      writeFileAtomic(`${p}.csv`, sens.sensitivityCsv(rows));
      writeFileAtomic(`${p}.json`, JSON.stringify(rows, null, 2) + '\n');
      writeFileAtomic(`${p}.svg`, sens.sensitivitySvg(rows, `Pruning sensitivity: ${modelArg}`));
      log(`sensitivity written to ${p}.{csv,json,svg}`);
      report.sensitivity = `${p}.json`;
    }
    if (planPath || sparsityOpt !== undefined) {
      const resolved = planMod.resolvePlan(m.graph, plan);
      for (const l of resolved.layers) log(`plan ${planMod.describeLayerPlan(l)}`);
      const out = engine.runPlan(m, resolved, {
        train: trainSet,
        validation: valSet,
        baseLearningRate: lr,
        seed,
        log,
        progress,
        onEpoch: (e) => log(`  fine-tune epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}%`),
      });
      m = out.model;
      report.plan = plan;
      report.denseAccuracy = out.denseAccuracy;
      report.accuracy = out.accuracy;
      report.stages = out.stages;
      report.layers = out.layers;
      const nz = out.layers.reduce((a, l) => a + l.nonzeros, 0);
      const total = out.layers.reduce((a, l) => a + l.total, 0);
      report.nonzeroFraction = nz / total;
      log(`non-zero weights: ${nz} of ${total} (${((nz / total) * 100).toFixed(2)}%)`);
    }
    let graph = view.toGraph(m);
    const tfjsDir = stringOpt(args, 'tfjs');
    if (tfjsDir) {
      const files = imp.exportTfjsLayers(graph);
      const dir = resolve(io.cwd, tfjsDir);
      writeFileAtomic(resolve(dir, 'model.json'), files.modelJson);
      for (const [n, bytes] of files.shards) writeFileAtomic(resolve(dir, n), bytes);
      log(`wrote TF.js layers model to ${dir}`);
      report.tfjs = dir;
    }
    if (boolOpt(args, 'int8')) {
      const method = stringOpt(args, 'calibration') === 'percentile' ? { kind: 'percentile' as const, percentile: 99.99 } : { kind: 'minmax' as const };
      const ranges = quant.calibrate(m, trainSet, { samples: 512, method });
      graph = quant.quantizeGraph(graph, ranges).graph;
      const floatAcc = trainMod.evaluate(m, valSet);
      const int8Acc = quant.evaluateInt8(graph, valSet);
      log(`int8: accuracy ${(int8Acc * 100).toFixed(2)}% (float ${(floatAcc * 100).toFixed(2)}%)`);
      report.int8 = { calibration: method, floatAccuracy: floatAcc, int8Accuracy: int8Acc };
    }
    const outPath = stringOpt(args, 'out');
    if (outPath) {
      writeFileAtomic(resolve(io.cwd, outPath), tflite.writeTflite(graph));
      log(`wrote ${resolve(io.cwd, outPath)}`);
      report.output = resolve(io.cwd, outPath);
    }
    const json = JSON.stringify(report, null, 2) + '\n';
    const reportPath = stringOpt(args, 'report');
    if (reportPath) writeFileAtomic(resolve(io.cwd, reportPath), json);
    else io.out(json);
    return 0;
  },
};
