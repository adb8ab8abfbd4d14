/**
 * solve ⇄ prune, then the build: the solver picks a choice per layer (or the user's plan is
 * taken), `prune` prunes, fine-tunes and measures it (src/pipeline/budget.ts solves again while
 * the measured loss is over --max-loss), and the build stages (src/pipeline/stages/build.ts)
 * make it. If the real build overshoots the prediction (arena alignment, bias folding,
 * re-quantized weights), the budget is tightened by the overshoot and the plan solved again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { PipelineReport } from '../../contracts/report.js';
import type { Stage } from '../../contracts/stage.js';
import { TinypruneError } from '../../errors.js';
import type { ModelGraph } from '../../ir/graph.js';
import { versionedPlan } from '../../prune/plan-file.js';
import { choicesFromPlan, evaluate as evaluateChoices } from '../../solve/index.js';
import type { FormatName } from '../../sparse/types.js';
import { layerWeights } from '../../sparse/matrix.js';
import { writeTflite } from '../../tflite/index.js';
import { clearStaging } from '../../util/outdir.js';
import type { PrunePlan } from '../../contracts/plan.js';
import { checkUnmeasured, DEFAULT_MAX_LOSS, solveWithinBudget } from '../budget.js';
import { runStage, writeJsonAtomic } from '../runner.js';
import { pruneWithData, pruneWithoutData } from '../accuracy.js';
import { asStored, readArtefact } from './analyse.js';
import { buildInto } from './build.js';
import { hash, type PipelineContext } from './context.js';
import { makeProblem } from './problem.js';

/** Tries of the build when it overshoots the predicted flash/RAM. */
const BUILD_ATTEMPTS = 3;

/** Prune the baseline to `c.plan`: fine-tuned and re-quantized with data, by magnitude without. */
export const prune: Stage<PipelineContext> = {
  name: 'prune',
  rewritesGraph: true,
  cache: {
    key: (c) => hash(c.baseKey, c.plan, c.req.epochs ?? 3, c.req.learningRate ?? 1e-3),
    save: (c, dir) => {
      writeFileSync(path.join(dir, 'pruned.tflite'), writeTflite(c.graph));
      return c.pruned;
    },
    restore: (c, v: PipelineContext['pruned'], dir) => {
      c.graph = readArtefact(dir, 'pruned.tflite', 'pruned model');
      c.pruned = { accuracy: v.accuracy ?? null };
    },
  },
  async run(c) {
    const { req, data, baseline } = c;
    const g0 = baseline.graph;
    // Nothing to prune (the model fits as it is): the baseline is the result.
    const dense = Object.values(c.plan.layers ?? {}).every((l) => !l.sparsity);
    const options = { epochs: req.epochs ?? 3, learningRate: req.learningRate ?? 1e-3, seed: c.seed, backend: req.backend ?? 'auto', log: c.log, ...(req.progress ? { progress: req.progress } : {}) } as const;
    const out = dense ? { graph: g0, accuracy: baseline.accuracy } : data ? await pruneWithData(g0, c.plan, data, options) : pruneWithoutData(g0, c.plan);
    c.graph = asStored(writeTflite(out.graph), 'pruned.tflite');
    c.pruned = { accuracy: out.accuracy };
  },
};

export const solve: Stage<PipelineContext> = {
  name: 'solve',
  rewritesGraph: true,
  async run(c) {
    c.problem = makeProblem(c);
    // A re-run of the same problem starts from the tightening an earlier run needed, so it
    // solves and prunes to the plan that was built (and reuses that pruning).
    const tightenFile = path.join(c.work, 'solve-tighten.json');
    const tightenKey = hash(c.baseKey, c.problem.budget, c.req.objective ?? 'fit', c.req.maxLoss ?? DEFAULT_MAX_LOSS, c.userPlan ?? null);
    const tighten = learnedTightening(tightenFile, tightenKey);
    for (let attempt = 0; attempt < BUILD_ATTEMPTS; attempt++) {
      const budget = { ...c.problem.budget, flash: c.problem.budget.flash - tighten.flash, ram: c.problem.budget.ram - tighten.ram };
      if (budget.flash <= 0 || budget.ram <= 0) throw noRoom(c);
      const tightened = tighten.flash > 0 || tighten.ram > 0 ? `budget tightened by ${tighten.flash} B flash, ${tighten.ram} B RAM` : '';
      const note = attempt > 0 ? ` (attempt ${attempt + 1}, ${tightened})` : tightened ? ` (${tightened}, as an earlier build of this output needed)` : '';
      const within = await solveWithinBudget({
        problem: c.problem,
        budget,
        objective: c.req.objective ?? 'fit',
        maxLoss: c.data ? (c.req.maxLoss ?? DEFAULT_MAX_LOSS) / 100 : undefined,
        baseline: c.baseline.accuracy,
        board: c.target.board.name,
        measure: (plan) => measure(c, plan, note),
        log: c.log,
        ...(c.userPlan ? { fixed: choicesFromPlan(c.problem, c.userPlan) } : {}),
      });
      c.result = within.result;
      c.attempts = within.attempts;
      const over = await build(c, attempt);
      if (!over) {
        writeJsonAtomic(tightenFile, { key: tightenKey, ...tighten });
        return;
      }
      // The real build missed the prediction by (limit + overshoot) - predicted: the next plan
      // must be predicted at least that much under the limit, or the solver returns the same
      // plan (a sparse convolution loses its in-place overlap, which the RAM model ignores).
      const t = c.result.totals;
      const next = (limit: number, predicted: number, o: number, margin: number, sofar: number): number =>
        o > 0 ? Math.max(sofar + o + margin, Math.ceil(Math.max(0, limit - predicted) + o + margin)) : sofar;
      tighten.flash = next(c.problem.budget.flash, t.flash, over.flash, 256, tighten.flash);
      tighten.ram = next(c.problem.budget.ram, t.ram, over.ram, 64, tighten.ram);
      c.log(`the build overshot the prediction by ${over.flash} B flash, ${over.ram} B RAM: re-solving with a tighter budget`);
    }
    throw new TinypruneError('E_SOLVE', 'the pipeline ended without a build');
  },
};

/** The tightening saved by an earlier run of the same problem (none if absent or another problem's). */
function learnedTightening(file: string, key: string): { flash: number; ram: number } {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; flash?: number; ram?: number };
    if (j.key === key && Number.isInteger(j.flash) && Number.isInteger(j.ram) && j.flash! >= 0 && j.ram! >= 0) return { flash: j.flash!, ram: j.ram! };
  } catch {
    // absent or unreadable: start untightened
  }
  return { flash: 0, ram: 0 };
}

/** Solve's measure: prune to `plan` (a stage of its own, cached) and return the accuracy. */
async function measure(c: PipelineContext, plan: PrunePlan, note: string): Promise<number | null> {
  checkUnmeasured(plan, { data: c.data !== undefined, unverified: c.req.unverified === true, board: c.target.board.name, model: c.source });
  c.plan = plan;
  writeJsonAtomic(path.join(c.work, 'plan.json'), versionedPlan(plan));
  const t = evaluateChoices(c.problem, choicesFromPlan(c.problem, plan)).totals;
  const lossUnit = c.data ? 'pt (predicted accuracy loss)' : '(weight energy removed, summed over layers)';
  c.log(`plan${note}: predicted flash ${t.flash} B, RAM ${Math.ceil(t.ram)} B, ${t.instructions} instructions, loss ${c.data ? (t.loss * 100).toFixed(2) : t.loss.toFixed(3)} ${lossUnit}`);
  await runStage(prune, c, c.run);
  return c.pruned.accuracy;
}

/** The build stages on the pruned graph; the overshoot when it does not fit and may be re-solved. */
async function build(c: PipelineContext, attempt: number): Promise<{ flash: number; ram: number } | undefined> {
  const g1 = c.graph;
  try {
    clearStaging(c.staging, ['pipeline']); // an earlier attempt's files
    const req = { graph: g1, source: c.source, sha256: c.modelSha, target: c.target, outDir: c.outDir, toolVersion: c.req.toolVersion, optimize: 'balanced', formats: planFormats(g1, c.plan), measure: c.target.mode !== 'device' } as const;
    const built = await buildInto(c.staging, c.outDir, { ...req, ...(c.req.kernels ? { kernels: c.req.kernels } : {}) }, c.run.progress ? { progress: c.run.progress } : {});
    c.report = built.report as PipelineReport;
    return undefined;
  } catch (e) {
    const over = e instanceof TinypruneError && e.code === 'E_DOES_NOT_FIT' ? overflow(e) : undefined;
    if (!over || c.userPlan || attempt === BUILD_ATTEMPTS - 1) throw e;
    return over;
  }
}

/**
 * The plan's format per operator with weights: a channel-pruned layer, and one the plan leaves
 * alone, run the dense kernel, as the solver priced them (its RAM model counts the bands of
 * layers the arena plan streams, which a sparse kernel would not run).
 */
function planFormats(g1: ModelGraph, plan: PrunePlan): Map<number, FormatName> {
  const formats = new Map<number, FormatName>();
  g1.ops.forEach((op, i) => {
    const w = op.inputs[1];
    const tensor = w !== undefined && w >= 0 ? g1.tensors[w] : undefined;
    if (!tensor?.data || !layerWeights(g1, op)) return;
    const f = plan.layers?.[tensor.name]?.format;
    formats.set(i, f && f !== 'channel' ? (f as FormatName) : 'dense');
  });
  return formats;
}

function noRoom(c: PipelineContext): TinypruneError {
  const name = c.target.board.name;
  return new TinypruneError('E_DOES_NOT_FIT', `${name} has no room left for the model's weights and activations after the firmware (${c.footprint.code} B code, ${c.footprint.ramFixed} B RAM for stack, heap and static data)`, {
    where: `board ${name}`,
    hint: 'pick a larger board (`tinyprune boards`)',
  });
}

/** Bytes by which a failed link overflowed each region (E_DOES_NOT_FIT's data.overflow). */
function overflow(e: TinypruneError): { flash: number; ram: number } | undefined {
  const over = e.data.overflow ?? [];
  if (over.length === 0) return undefined;
  const bytes = (region: 'FLASH' | 'RAM'): number => over.filter((o) => o.region === region).reduce((a, o) => Math.max(a, o.bytes), 0);
  return { flash: bytes('FLASH'), ram: bytes('RAM') };
}
