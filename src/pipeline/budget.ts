/**
 * The accuracy budget around the solver (`build --max-loss <pt> --objective fit|latency|size`).
 *
 * The solver's losses are predictions: each layer pruned alone, before fine-tuning, summed
 * over layers — and per-layer losses are not additive. So a plan is only accepted on the
 * loss measured after fine-tuning and int8 re-quantization on the held-out split. When that
 * measurement is over the budget, the predictions of the layers the plan pruned are
 * calibrated (scaled so that the plan's prediction equals its measurement) and the problem is
 * solved again, at most BUDGET_ATTEMPTS measurements in all. A plan measured once is never
 * measured again: when the solver comes back to it, nothing more can be learnt and the
 * budget cannot be met here (E_ACCURACY, with what would work).
 *
 * The loop also loosens (objectives latency and size): predictions made before fine-tuning
 * over-estimate the loss, often several times over, so a plan measured well within the
 * budget is rarely the fastest (smallest) one that is. Then every pruned choice's prediction
 * is scaled down by measured / predicted (at most LOOSEN_MAX times per step, as one
 * measurement says little about layers it did not prune) and the problem solved again; the
 * plan returned is the best measured within the budget. When a later, looser plan misses the
 * budget, the best one is measured again last, so that what the caller built from its last
 * measurement (the pruned model) is the plan returned.
 *
 * Without data nothing can be measured: pruning that a board forces stops with E_NO_DATA
 * unless the user accepts it unmeasured (--unverified).
 */
import { TinypruneError } from '../errors.js';
import type { PrunePlan } from '../contracts/plan.js';
import { evaluate, formatInfeasible, solve, toPrunePlan, type Budget, type Feasible, type Objective, type SolveProblem } from '../solve/index.js';

/** --max-loss default, in points of the data's metric. */
export const DEFAULT_MAX_LOSS = 1;
/** Plans measured (pruned, fine-tuned, evaluated) at most per budget. */
export const BUDGET_ATTEMPTS = 3;
/** The data-set specs --data accepts (src/data/load.ts). */
export const DATA_FORMS = 'mnist:<dir>, digits:<file>, generated-digits[:count[:seed]], a .csv (label first), a .npz (x, y), x.npy,y.npy, or a folder of class folders';

/** Below this a prediction counts as zero: a measured loss is then shared out, not scaled. */
const EPS = 1e-6;
/** At most this factor of loosening per measurement (see the top). */
export const LOOSEN_MAX = 4;
/** A plan measured under this fraction of the budget is worth loosening. */
const LOOSEN_BELOW = 0.8;
/**
 * Fine-tuning of the plans --objective latency|size measures: the training learning rate
 * (scale 1 instead of the default 1/10). Those objectives prune structured and deep (blocks,
 * channels, 80-90% sparse), which a tenth of the rate does not recover in 3 epochs: on
 * mnist-mlp, fc1 block4x1 90% + fc2 block4x1 80% lost 1.75 pt at 1/10 and 0.35 pt at 1
 * (seed 1, 3 epochs, held-out split). --objective fit keeps the default.
 */
export const FAST_FINE_TUNE = { learningRateScale: 1 } as const;

export interface Attempt {
  choices: number[];
  plan: PrunePlan;
  /** Predicted loss of the plan (fraction), as the solver saw it when it chose the plan. */
  predicted: number;
  /** Measured loss (fraction): baseline accuracy − accuracy after fine-tuning and int8. */
  loss: number;
  accuracy: number;
}

export interface BudgetRequest {
  problem: SolveProblem;
  budget: Budget;
  objective: Objective;
  /** Loss budget as a fraction (--max-loss / 100); undefined without data (nothing measured). */
  maxLoss: number | undefined;
  baseline: number | null;
  board: string;
  /** Prune, fine-tune and evaluate a plan: the accuracy after (null without data). */
  measure: (plan: PrunePlan) => Promise<number | null>;
  log: (line: string) => void;
  attempts?: number;
  /** The user's plan (--plan): measured as it is, never re-solved. */
  fixed?: number[];
}

export interface BudgetResult {
  result: Feasible;
  plan: PrunePlan;
  accuracy: number | null;
  attempts: Attempt[];
}

const pt = (fraction: number): string => `${(fraction * 100).toFixed(2)} pt`;

/**
 * The problem's losses after measuring `choices` at `measured`: the layers the plan pruned
 * get their predictions scaled by measured / predicted (or, when the plan was predicted to
 * cost nothing, the measured loss shared out among them, in proportion to sparsity).
 */
export function calibrate(p: SolveProblem, choices: readonly number[], measured: number): SolveProblem {
  const chosen = p.layers.map((l, i) => l.choices[choices[i]!]!);
  const pruned = chosen.map((c) => c.sparsity > 0);
  const count = pruned.filter(Boolean).length;
  if (count === 0) return p;
  const predicted = chosen.reduce((s, c) => s + c.loss, 0);
  const layers = p.layers.map((l, i) => {
    if (!pruned[i]) return l;
    const at = chosen[i]!;
    return {
      ...l,
      choices: l.choices.map((c) => {
        if (c.sparsity === 0) return c;
        const loss = predicted > EPS ? (c.loss * measured) / predicted : c.loss + (measured / count) * Math.min(1, c.sparsity / at.sparsity);
        return { ...c, loss: Math.round(loss * 1e9) / 1e9 };
      }),
    };
  });
  return { ...p, layers };
}

/** The plan to measure next: the objective within the loss bound, else the least predicted loss. */
function nextPlan(p: SolveProblem, r: BudgetRequest): Feasible {
  if (r.fixed !== undefined) return { feasible: true, ...evaluate(p, r.fixed) };
  const bounded = solve({ ...p, objective: r.objective, budget: { ...r.budget, ...(r.maxLoss !== undefined ? { loss: r.maxLoss } : {}) } });
  if (bounded.feasible) return bounded;
  // Predictions before fine-tuning over-estimate the loss: measure the least predicted one.
  const least = solve({ ...p, objective: 'fit', budget: r.budget });
  if (least.feasible) return least;
  throw new TinypruneError('E_DOES_NOT_FIT', `no pruning plan fits ${r.board}:\n${formatInfeasible(least)}`, {
    where: `board ${r.board}`,
    hint: r.budget.instructions !== undefined ? 'pick a larger board (`tinyprune boards`) or relax --latency' : 'pick a larger board (`tinyprune boards`)',
    data: { bindingLayers: [...new Set([...least.bindingLayers.map((l) => l.layer), ...least.bindingRamPoints.flatMap((x) => x.layers)])] },
  });
}

/**
 * The problem after a plan predicted at `predicted` was measured at `measured` < predicted:
 * every pruned choice of every layer scaled by the same factor (measured / predicted, kept
 * within [1 / LOOSEN_MAX, 1]): fine-tuning recovered that share of the predicted loss, and
 * the best guess for the layers the plan did not prune is that it recovers as much there.
 */
export function loosen(p: SolveProblem, predicted: number, measured: number): SolveProblem {
  if (predicted <= EPS) return p;
  const factor = Math.min(1, Math.max(1 / LOOSEN_MAX, measured / predicted));
  if (factor >= 1) return p;
  return { ...p, layers: p.layers.map((l) => ({ ...l, choices: l.choices.map((c) => (c.sparsity === 0 ? c : { ...c, loss: Math.round(c.loss * factor * 1e9) / 1e9 })) })) };
}

const OBJECTIVE_KEY = { latency: 'instructions', size: 'flash', fit: 'loss' } as const;

/**
 * Solve, measure, calibrate and solve again until a plan's measured loss is within the budget;
 * with --objective latency|size, loosen while the measured loss leaves room (see the top).
 */
export async function solveWithinBudget(r: BudgetRequest): Promise<BudgetResult> {
  let p = r.problem;
  const attempts: Attempt[] = [];
  const most = r.attempts ?? BUDGET_ATTEMPTS;
  const key = OBJECTIVE_KEY[r.objective];
  let best: { result: Feasible; attempt: Attempt } | undefined;
  while (attempts.length < most) {
    const result = nextPlan(p, r);
    if (attempts.some((a) => a.choices.join() === result.choices.join())) {
      r.log('the re-solved plan is one already measured: no plan within the budget is left to try');
      break;
    }
    if (best && result.totals[key] >= best.result.totals[key]) {
      r.log(`the re-solved plan is predicted no better (${key}) than the best measured: keeping that`);
      break;
    }
    // The recipe follows the objective, so that --plan <its plan.json> with the same objective measures the same.
    const plan = { ...toPrunePlan(p, result.choices), ...(r.objective !== 'fit' ? { fineTune: { ...FAST_FINE_TUNE } } : {}) };
    const accuracy = await r.measure(plan);
    if (r.maxLoss === undefined || accuracy === null || r.baseline === null) return { result, plan, accuracy, attempts };
    const loss = r.baseline - accuracy;
    const attempt = { choices: result.choices, plan, predicted: result.totals.loss, loss, accuracy };
    attempts.push(attempt);
    r.log(`measured loss ${pt(loss)} (predicted ${pt(result.totals.loss)}), budget ${pt(r.maxLoss)}${attempts.length > 1 ? ` (attempt ${attempts.length})` : ''}`);
    const within = loss <= r.maxLoss + 1e-9;
    if (within) {
      best = { result, attempt };
      const slack = r.objective !== 'fit' && r.fixed === undefined && loss < r.maxLoss * LOOSEN_BELOW && loss < result.totals.loss;
      if (!slack || attempts.length >= most) break;
      p = loosen(p, result.totals.loss, Math.max(loss, 0));
      r.log(`well within the budget: loosening the predictions (×${(Math.max(1 / LOOSEN_MAX, Math.max(loss, 0) / result.totals.loss)).toFixed(2)}) and solving again for a ${r.objective === 'latency' ? 'faster' : 'smaller'} plan`);
      continue;
    }
    p = calibrate(p, result.choices, loss);
    if (attempts.length < most) r.log('over the budget: calibrating the predictions of the pruned layers and solving again');
  }
  if (best === undefined) throw accuracyError(p, r, attempts);
  if (attempts.at(-1) !== best.attempt) {
    // The caller keeps what it built from its last measurement: measure the best plan again.
    r.log(`back to the best plan within the budget (attempt ${attempts.indexOf(best.attempt) + 1})`);
    const accuracy = await r.measure(best.attempt.plan);
    if (accuracy !== null && r.baseline !== null && r.baseline - accuracy > r.maxLoss! + 1e-9) throw accuracyError(p, r, attempts);
    return { result: best.result, plan: best.attempt.plan, accuracy, attempts };
  }
  return { result: best.result, plan: best.attempt.plan, accuracy: best.attempt.accuracy, attempts };
}

function planText(p: SolveProblem, choices: readonly number[]): string {
  const parts = p.layers
    .map((l, i) => ({ l, c: l.choices[choices[i]!]! }))
    .filter(({ c }) => c.sparsity > 0)
    .map(({ l, c }) => `${l.name} ${c.granularity} ${Math.round(c.sparsity * 100)}%`);
  return parts.length === 0 ? 'dense' : parts.join(', ');
}

/** Boards (of the problem's list) on which a plan is predicted within the loss budget, with the calibrated predictions. */
function boardsWithinBudget(p: SolveProblem, r: BudgetRequest): { name: string; flash: number; ram: number; loss: number }[] {
  const out: { name: string; flash: number; ram: number; loss: number }[] = [];
  for (const b of p.boards ?? []) {
    if (b.flash <= r.budget.flash && b.ram <= r.budget.ram) continue;
    const s = solve({ ...p, boards: [], objective: 'fit', budget: { ...r.budget, flash: b.flash, ram: b.ram, loss: r.maxLoss! } });
    if (s.feasible) out.push({ name: b.name, flash: b.flash, ram: b.ram, loss: s.totals.loss });
  }
  return out.sort((a, b) => a.flash - b.flash || a.ram - b.ram);
}

function accuracyError(p: SolveProblem, r: BudgetRequest, attempts: Attempt[]): TinypruneError {
  const best = attempts.reduce((a, b) => (b.loss < a.loss ? b : a));
  const bestPt = Math.ceil(best.loss * 1e4 - 1e-6) / 100;
  // The pruned layers that cost accuracy (calibrated predictions), most first; all pruned ones
  // when none is predicted to cost anything.
  const pruned = p.layers
    .map((l, i) => ({ name: l.name, c: l.choices[best.choices[i]!]! }))
    .filter((x) => x.c.sparsity > 0)
    .sort((a, b) => b.c.loss - a.c.loss);
  const costly = pruned.filter((x) => x.c.loss > EPS);
  const binding = costly.length > 0 ? costly : pruned;
  const boards = boardsWithinBudget(p, r);
  const lines = [
    `no pruning plan for ${r.board} keeps the accuracy loss within ${pt(r.maxLoss!)}: the best measured after fine-tuning loses ${pt(best.loss)} (${(r.baseline! * 100).toFixed(2)}% → ${(best.accuracy * 100).toFixed(2)}%)`,
    `measured (${attempts.length} plan${attempts.length === 1 ? '' : 's'}):`,
    ...attempts.map((a, k) => `  ${k + 1}. ${planText(p, a.choices)}: loss ${pt(a.loss)} (predicted ${pt(a.predicted)})`),
    `binding: ${binding.map((x) => `${x.name} (${x.c.granularity} ${Math.round(x.c.sparsity * 100)}%, ${pt(x.c.loss)} calibrated)`).join(', ') || 'none'} — the pruning that fits the board costs the accuracy here`,
    'what would work:',
    boards.length > 0
      ? `  - a board that fits within ${pt(r.maxLoss!)} (predicted): ${boards.slice(0, 6).map((b) => `${b.name} (${pt(b.loss)})`).join(', ')}${boards.length > 6 ? ` and ${boards.length - 6} more` : ''}`
      : `  - no board in boards/ is predicted to fit within ${pt(r.maxLoss!)}`,
    `  - this board with --max-loss ${bestPt} (the loss measured for plan ${attempts.indexOf(best) + 1})`,
  ];
  return new TinypruneError('E_ACCURACY', lines.join('\n'), {
    where: `board ${r.board}, --max-loss ${(r.maxLoss! * 100).toFixed(2)}`,
    hint: `build for ${boards[0]?.name ?? 'a larger board'}, or accept the loss with --max-loss ${bestPt}`,
    data: {
      bindingLayers: binding.map((x) => x.name),
      bestLoss: best.loss * 100,
      maxLoss: r.maxLoss! * 100,
      maxLossThatFits: bestPt,
      boards: boards.map((b) => b.name),
      attempts: attempts.map((a) => ({ plan: planText(p, a.choices), loss: a.loss * 100, predicted: a.predicted * 100 })),
    },
  });
}

/**
 * Pruning without data is never silent: it needs --unverified. A plan that prunes nothing
 * (the model fits as it is) needs nothing.
 */
export function checkUnmeasured(plan: PrunePlan, o: { data: boolean; unverified: boolean; board: string; model: string }): void {
  if (o.data || o.unverified) return;
  const pruned = Object.entries(plan.layers ?? {}).filter(([, l]) => (l.sparsity ?? 0) > 0);
  if (pruned.length === 0) return;
  throw new TinypruneError('E_NO_DATA', `${o.model} must be pruned to fit ${o.board} (${pruned.map(([n, l]) => `${n} ${l.granularity ?? 'element'} ${Math.round((l.sparsity ?? 0) * 100)}%`).join(', ')}), and without data the accuracy this costs cannot be measured`, {
    where: `build --board ${o.board}`,
    allowed: `--data ${DATA_FORMS}`,
    hint: 'give --data with samples of the task (the pipeline then fine-tunes and measures the loss against --max-loss), or accept magnitude pruning without an accuracy measure with --unverified',
    data: { bindingLayers: pruned.map(([n]) => n) },
  });
}
