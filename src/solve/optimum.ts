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

/**
 * Least `objective` within the budget; ties go to less loss, then less flash, then fewer
 * instructions. For the least loss ('fit'), the optimum is then made faster where that costs no
 * loss: a model that fits as it is must not come out slower because a zero-loss pruning saves
 * bytes nobody asked for (a bitmask layer is smaller than dense but slower on Cortex-M).
 */
export function optimum(p: SolveProblem, budget: Budget, chain: Chain = buildChain(p), objective: Sum = 'loss'): Assignment | undefined {
  const n = best(paretoFront(chain, orientation(p, budget, objective)), (x) => [x[objective], x.loss, x.flash, x.instructions]);
  if (n === undefined) return undefined;
  const found = evaluate(p, choicesOf(n));
  return objective === 'loss' ? faster(p, budget, found) : found;
}

/**
 * Swap single layers to choices that lower the instructions without raising the loss and
 * still fit, until none does (each swap strictly lowers the instructions, so it ends). A local
 * step, not a second exact solve: a 3-key front over every plan of equal loss costs far more
 * than the tie it breaks.
 */
function faster(p: SolveProblem, budget: Budget, start: Assignment): Assignment {
  const fits = (t: Assignment['totals']): boolean =>
    t.loss <= start.totals.loss && t.flash <= budget.flash && t.ram <= budget.ram && t.instructions <= (budget.instructions ?? Infinity);
  let cur = start;
  for (let improved = true; improved; ) {
    improved = false;
    for (let i = 0; i < p.layers.length; i++) {
      for (let c = 0; c < p.layers[i]!.choices.length; c++) {
        if (c === cur.choices[i]) continue;
        const next = evaluate(p, cur.choices.map((x, j) => (j === i ? c : x)));
        if (fits(next.totals) && next.totals.instructions < cur.totals.instructions) {
          cur = next;
          improved = true;
        }
      }
    }
  }
  return cur;
}
