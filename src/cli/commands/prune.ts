/**
 * tinyprune prune: the flags and the plan file → the stage list of src/pipeline/stages/prune-model.ts
 * (train view → (sensitivity) → prune by plan → fine-tune → (int8) → .tflite), with progress on
 * stderr (io.progress: training, sensitivity and fine-tuning as stages) and a JSON report.
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { given } from '../args.js';
import { TinypruneError } from '../../errors.js';
import { writeFileAtomic } from '../../util/files.js';
import type { PrunePlan } from '../../contracts/plan.js';
import { readPlanFile } from '../../prune/plan-file.js';
import { createProgress } from '../progress.js';
import { runStages } from '../../pipeline/runner.js';
import { PRUNE_MODEL_STAGES, type PruneModelContext } from '../../pipeline/stages/prune-model.js';

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
    const ctx: Partial<PruneModelContext> = { options: o, modelArg: args.positionals[0]!, plan, prunes: Boolean(planPath) || o.sparsity !== undefined, cwd: io.cwd, log, progress, report: {} };
    // The stages report their own progress (train, sensitivity, fine-tune): the JSON progress
    // stream names those, so the runner does not add its own.
    const { report } = await runStages<PruneModelContext>(PRUNE_MODEL_STAGES, ctx as PruneModelContext);
    const json = JSON.stringify(report, null, 2) + '\n';
    const reportPath = o.report;
    if (reportPath) writeFileAtomic(resolve(io.cwd, reportPath), json);
    else io.out(json);
    return 0;
  },
};
