/**
 * tinyprune prune: train view → (sensitivity) → prune by plan → fine-tune → (int8) → .tflite
 * with progress on stderr (io.progress: training, sensitivity and fine-tuning as stages) and a
 * JSON report. TF.js is imported lazily, so the other commands do not pay for loading it.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { given } from '../args.js';
import { TinypruneError } from '../../errors.js';
import { writeFileAtomic } from '../../util/files.js';
import type { PrunePlan } from '../../contracts/plan.js';
import { readPlanFile } from '../../prune/plan-file.js';
import { createProgress } from '../progress.js';

export const pruneCommand: Command<'prune'> = {
  spec: {
    name: 'prune',
    summary: 'Prune a model on a data set (any granularity, one-shot or AGP), fine-tune, optionally quantize to int8; write .tflite + a JSON report.',
    usage: 'tinyprune prune <model.tflite | model.h5 | model.json | lenet-300-100 | lenet5 | tiny-digits> --data <dataset> (--sparsity <0..1> | --plan <plan.json>) [options]',
    positionals: [1, 1],
  },
  async run(args, io) {
    // Lines and stage progress go through the CLI's reporter (--quiet, --progress json, a bar on a TTY).
    const progress = io.progress ?? createProgress({ mode: 'lines', write: io.err, prefix: 'prune' });
    const log = (line: string): void => progress.log(line);
    const o = args.options;
    const dataSpec = o.data;
    if (!dataSpec) throw new TinypruneError('E_USAGE', '--data is required', { allowed: this.spec.usage, hint: 'e.g. --data mnist:../shared/datasets/mnist' });
    const planPath = o.plan;
    if (!planPath && o.sparsity === undefined && !o.sensitivity) {
      throw new TinypruneError('E_USAGE', 'give --sparsity or --plan (or --sensitivity alone)', { allowed: this.spec.usage });
    }
    let plan: PrunePlan = {};
    if (planPath) {
      plan = readPlanFile(resolve(io.cwd, planPath));
    }
    // A flag given overrides the plan's field; the table's defaults are the plan's defaults.
    plan = {
      ...plan,
      ...(o.sparsity !== undefined ? { sparsity: o.sparsity } : {}),
      ...(given(args, 'granularity') ? { granularity: o.granularity } : {}),
      ...(given(args, 'criterion') ? { criterion: o.criterion } : {}),
      ...(given(args, 'scope') ? { scope: o.scope } : {}),
      ...(given(args, 'schedule') ? { schedule: { ...(plan.schedule ?? {}), kind: o.schedule } } : {}),
      fineTune: { ...(plan.fineTune ?? {}), ...(given(args, 'epochs') ? { epochs: o.epochs } : {}) },
    };
    const seed = o.seed;
    const lr = o.lr;

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
    const backend = await initBackend(o.backend);
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
    const holdout = o.holdout;
    const [trainSet, valSet] = data.splitDataset(ds, { first: 1 - holdout, seed });
    log(`data: ${ds.name}: ${trainSet.y.length} train / ${valSet.y.length} validation, ${ds.numClasses} classes`);

    let m = view.createTrainable(source);
    const trainEpochs = o['train-epochs'] ?? (example ? 10 : 0);
    if (trainEpochs > 0) {
      log(`training ${trainEpochs} epoch(s) at lr ${lr}`);
      trainMod.train(m, trainSet, { epochs: trainEpochs, learningRate: lr, seed, validation: valSet, progress, progressStage: 'train', onEpoch: (e) => log(`  epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}% (${e.seconds.toFixed(1)} s)`) });
    }
    const report: Record<string, unknown> = { model: example ? modelArg : resolve(io.cwd, modelArg), data: ds.name, backend: backend.name, backendNotes: backend.notes, seed };
    const sensPrefix = o.sensitivity;
    if (sensPrefix) {
      const rows = sens.sensitivity(m, valSet, { granularities: [plan.granularity ?? 'element'], criterion: plan.criterion ?? 'l1', progress });
      const p = resolve(io.cwd, sensPrefix);
      writeFileAtomic(`${p}.csv`, sens.sensitivityCsv(rows));
      writeFileAtomic(`${p}.json`, JSON.stringify(rows, null, 2) + '\n');
      writeFileAtomic(`${p}.svg`, sens.sensitivitySvg(rows, `Pruning sensitivity: ${modelArg}`));
      log(`sensitivity written to ${p}.{csv,json,svg}`);
      report.sensitivity = `${p}.json`;
    }
    if (planPath || o.sparsity !== undefined) {
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
    const tfjsDir = o.tfjs;
    if (tfjsDir) {
      const files = imp.exportTfjsLayers(graph);
      const dir = resolve(io.cwd, tfjsDir);
      writeFileAtomic(resolve(dir, 'model.json'), files.modelJson);
      for (const [n, bytes] of files.shards) writeFileAtomic(resolve(dir, n), bytes);
      log(`wrote TF.js layers model to ${dir}`);
      report.tfjs = dir;
    }
    if (o.int8) {
      const method = o.calibration === 'percentile' ? { kind: 'percentile' as const, percentile: 99.99 } : { kind: 'minmax' as const };
      const ranges = quant.calibrate(m, trainSet, { samples: 512, method });
      graph = quant.quantizeGraph(graph, ranges).graph;
      const floatAcc = trainMod.evaluate(m, valSet);
      const int8Acc = quant.evaluateInt8(graph, valSet);
      log(`int8: accuracy ${(int8Acc * 100).toFixed(2)}% (float ${(floatAcc * 100).toFixed(2)}%)`);
      report.int8 = { calibration: method, floatAccuracy: floatAcc, int8Accuracy: int8Acc };
    }
    const outPath = o.out;
    if (outPath) {
      writeFileAtomic(resolve(io.cwd, outPath), tflite.writeTflite(graph));
      log(`wrote ${resolve(io.cwd, outPath)}`);
      report.output = resolve(io.cwd, outPath);
    }
    const json = JSON.stringify(report, null, 2) + '\n';
    const reportPath = o.report;
    if (reportPath) writeFileAtomic(resolve(io.cwd, reportPath), json);
    else io.out(json);
    return 0;
  },
};
