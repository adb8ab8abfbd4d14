/**
 * The board-budget solver: per layer, one (granularity, sparsity, format) choice so that the
 * model fits the board's flash and RAM (and the latency and loss bounds), with the least
 * predicted accuracy loss, the fewest predicted instructions or the fewest flash bytes (the
 * problem's objective) — solved exactly (see pareto.ts), never by a uniform ratio. Pure: plain data
 * in, plain data out; a budget that cannot be met is a result (with the reasons), not an error.
 */
import { explainInfeasible } from './explain.js';
import { buildChain } from './model.js';
import { OBJECTIVE_SUM, optimum } from './optimum.js';
import type { SolveProblem, SolveResult } from './types.js';
import { validateProblem } from './validate.js';

export type * from './types.js';
export { evaluate } from './model.js';
export { formatAssignment, formatInfeasible } from './format.js';
export { choicesFromPlan, toPrunePlan } from './plan.js';
export { OBJECTIVE_SUM } from './optimum.js';
export { validateProblem } from './validate.js';

export function solve(p: SolveProblem): SolveResult {
  validateProblem(p);
  const chain = buildChain(p);
  const found = optimum(p, p.budget, chain, OBJECTIVE_SUM[p.objective ?? 'fit']);
  return found === undefined ? explainInfeasible(p, chain) : { feasible: true, ...found };
}
