/**
 * The pipeline's first stages: `load` reads the plan file (checked before anything runs), the
 * board and the model; `data` loads and splits the data set and checks that it fits the model.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

import { resolveTarget } from '../../boards/index.js';
import type { PrunePlan } from '../../contracts/plan.js';
import type { Stage } from '../../contracts/stage.js';
import { TinypruneError, type Warning } from '../../errors.js';
import type { ModelGraph } from '../../ir/graph.js';
import { verifyGraph } from '../../ir/verify.js';
import { readPlanFile } from '../../prune/plan-file.js';
import { costFamily } from '../../sparse/cost.js';
import { readTflite } from '../../tflite/index.js';
import { readInputFile } from '../../util/files.js';
import { DATA_FORMS } from '../budget.js';
import { floatModelHint } from '../float-hint.js';
import { loadData, type SplitData } from '../accuracy.js';
import { coreFamily } from './build.js';
import { hash, type PipelineContext, type PipelineRequest } from './context.js';

export const load: Stage<PipelineContext> = {
  name: 'load',
  rewritesGraph: true,
  async run(c) {
    const { req } = c;
    // --plan is read and checked before anything runs.
    c.userPlan = req.planPath ? readPlan(path.resolve(req.cwd, req.planPath)) : undefined;
    c.target = resolveTarget(req.board, { emulate: req.emulate });
    c.family = req.kernels === 'plain' ? 'plain' : coreFamily(c.target);
    // The plain kernels on a Cortex-M0/M0+ are Thumb-1: their own cost rows ('m0').
    c.costFamily = costFamily(c.family, c.target.board.core);
    const modelBytes = readInputFile(req.modelPath, 'model file');
    const read = await readModel(req.modelPath, modelBytes);
    // An invalid model is the input's fault, not a stage's: checked here, with the reader's words.
    verifyGraph(read.graph);
    c.graph = read.graph;
    c.source = path.basename(req.modelPath);
    c.modelSha = createHash('sha256').update(modelBytes).digest('hex');
    c.warnings = [...read.warnings];
  },
};

export const data: Stage<PipelineContext> = {
  name: 'data',
  run(c) {
    const { req, target } = c;
    const isInt8 = c.graph.tensors.some((t) => t.dtype === 'int8' && t.data !== undefined);
    c.data = req.data ? loadData(req.data, req.cwd, c.seed) : undefined;
    if (!isInt8 && !c.data) {
      throw new TinypruneError('E_USAGE', `${c.source} is a float model; quantizing it to int8 needs calibration data`, {
        where: req.modelPath,
        hint: floatModelHint(c.graph, target.board.name, { flash: target.flash.size, ram: target.ram.size }, /\.tflite$/i.test(req.modelPath)),
        data: { floatWithoutData: true },
      });
    }
    if (c.data) checkDataFits(c.data, c.graph, req.data!);
    if (c.data) c.log(`data: ${c.data.name}: ${c.data.train.y.length} train / ${c.data.validation.y.length} validation`);
    else checkBudgetNeedsData(req, target.board.name);
    c.baseKey = hash(req.toolVersion, c.modelSha, req.data ?? null, c.seed);
  },
};

function readPlan(file: string): PrunePlan {
  readInputFile(file, 'plan file'); // not found / a directory / too large: the usual errors
  return readPlanFile(file);
}

/** A .tflite, a Keras .h5 or a TF.js layers model.json (the last two are float: they need --data). */
async function readModel(file: string, bytes: Uint8Array): Promise<{ graph: ModelGraph; warnings: Warning[] }> {
  if (/\.(h5|hdf5|keras)$/i.test(file)) {
    const { readKerasH5 } = await import('../../import/index.js');
    return { graph: await readKerasH5(file), warnings: [] };
  }
  if (/\.json$/i.test(file)) {
    const { readTfjsLayersModel } = await import('../../import/index.js');
    return { graph: readTfjsLayersModel(file), warnings: [] };
  }
  return readTflite(bytes, file);
}

/** Without data nothing is measured: objectives and an explicit --max-loss need data. */
function checkBudgetNeedsData(req: PipelineRequest, board: string): void {
  const asks = req.objective !== undefined && req.objective !== 'fit' ? `--objective ${req.objective}` : req.maxLoss !== undefined ? `--max-loss ${req.maxLoss}` : undefined;
  if (asks === undefined) return;
  throw new TinypruneError('E_NO_DATA', `${asks} bounds the accuracy loss measured on data, and there is no --data`, {
    where: `build --board ${board}`,
    allowed: `--data ${DATA_FORMS}`,
    hint: 'give --data with samples of the task',
  });
}

/** The data set must match the model's input size and its number of classes. */
function checkDataFits(data: SplitData, g: ModelGraph, spec: string): void {
  const input = g.tensors[g.inputs[0]!]!;
  const output = g.tensors[g.outputs[0]!]!;
  const need = input.shape.reduce((a, b) => a * b, 1);
  const have = data.train.sampleShape.reduce((a, b) => a * b, 1);
  if (need !== have) {
    throw new TinypruneError('E_DATA', `the data's samples are [${data.train.sampleShape.join('x')}] (${have} values) but the model's input '${input.name}' is [${input.shape.join('x')}] (${need} values)`, {
      where: spec,
      hint: 'give a data set made for this model (same sample size), e.g. generated-digits or mnist:<dir> for 28x28 digit models',
    });
  }
  const classes = output.shape[output.shape.length - 1] ?? 1;
  if (data.train.numClasses > classes) {
    throw new TinypruneError('E_DATA', `the data has ${data.train.numClasses} classes but the model's output '${output.name}' has ${classes}`, { where: spec, hint: 'the labels must be class indices 0..' + (classes - 1) });
  }
}
