import { describe, expect, it } from 'vitest';
import { solve } from '../../src/solve/index.js';
import { buildChain } from '../../src/solve/model.js';
import { orientation } from '../../src/solve/optimum.js';
import { best, paretoFront } from '../../src/solve/pareto.js';
import { modelShaped } from './instances.js';

/**
 * Past brute-force sizes (10 layers × 10 choices: 10^10 assignments) the Lagrangian pruning
 * is checked against the same DP without it: the bound may only drop partials that cannot
 * be optimal, so the optimum must not move.
 */
describe('Lagrangian pruning keeps the DP exact', () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))('seed %i: same optimum as the unbounded DP', (seed) => {
    const p = modelShaped(seed, seed % 2 === 0, { layers: 10, choices: 10 });
    // Flash from 60% to 95% of what modelShaped allows: from tight to loose.
    p.budget.flash = p.fixed.flash + Math.round((p.budget.flash - p.fixed.flash) * (0.6 + 0.05 * (seed % 8)));
    const plain = best(paretoFront(buildChain(p), orientation(p, p.budget), { bound: false }), (n) => [n.loss]);
    const got = solve(p);
    expect(got.feasible).toBe(plain !== undefined);
    if (got.feasible) expect(got.totals.loss).toBe(plain!.loss);
  });
});
