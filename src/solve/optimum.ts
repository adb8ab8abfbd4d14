/** The best assignment within a budget: the DP's front, its best node, re-evaluated. */
import { buildChain, evaluate, type Chain } from './model.js';
import { best, choicesOf, paretoFront, type Orientation, type Sum } from './pareto.js';
import type { Assignment, Budget, Objective, SolveProblem } from './types.js';

/** The sum each objective minimises. */
export const OBJECTIVE_SUM: Record<Objective, Sum> = { fit: 'loss', latency: 'instructions', size: 'flash' };

/** Minimise `objective` under what the layers may add within `budget` once the fixed part is paid. */
export function orientation(p: SolveProblem, budget: Budget, objective: Sum = 'loss'): Orientation {
  const caps: Record<Sum, number> = {
    flash: budget.flash - p.fixed.flash,
    instructions: budget.instructions === undefined ? Infinity : budget.instructions - p.fixed.instructions,
    loss: budget.loss === undefined ? Infinity : budget.loss,
  };
  const [x, y] = (['flash', 'instructions', 'loss'] as const).filter((k) => k !== objective) as [Sum, Sum];
  return { objective, x, capX: caps[x], y, capY: caps[y], capRam: budget.ram - p.fixed.ram, capObjective: caps[objective] };
}

/** Least `objective` within the budget; ties go to less loss, then less flash, then fewer instructions. */
export function optimum(p: SolveProblem, budget: Budget, chain: Chain = buildChain(p), objective: Sum = 'loss'): Assignment | undefined {
  const n = best(paretoFront(chain, orientation(p, budget, objective)), (x) => [x[objective], x.loss, x.flash, x.instructions]);
  return n === undefined ? undefined : evaluate(p, choicesOf(n));
}
