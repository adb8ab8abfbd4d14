/**
 * The board-budget solver: per layer, one (granularity, sparsity, format) choice so that the
 * model fits the board's flash and RAM (and the latency bound), with the least predicted
 * accuracy loss — solved exactly (see pareto.ts), never by a uniform ratio. Pure: plain data
 * in, plain data out; a budget that cannot be met is a result (with the reasons), not an error.
 */
import { explainInfeasible } from './explain.js';
import { buildChain } from './model.js';
import { optimum } from './optimum.js';
import type { SolveProblem, SolveResult } from './types.js';
import { validateProblem } from './validate.js';

export type * from './types.js';
export { evaluate } from './model.js';
export { formatAssignment, formatInfeasible } from './format.js';
export { choicesFromPlan, toPrunePlan } from './plan.js';
export { validateProblem } from './validate.js';

export function solve(p: SolveProblem): SolveResult {
  validateProblem(p);
  const chain = buildChain(p);
  const found = optimum(p, p.budget, chain);
  return found === undefined ? explainInfeasible(p, chain) : { feasible: true, ...found };
}
