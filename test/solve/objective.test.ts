/**
 * The objectives against brute force: 'latency' (fewest instructions) and 'size' (fewest
 * flash bytes) within flash, RAM, the latency bound and a loss bound, and 'fit' (least loss)
 * under a loss bound — on the same seeded random instances as brute.test.ts, each given a
 * loss budget inside the range its assignments span.
 */
import { describe, expect, it } from 'vitest';
import { formatInfeasible, solve } from '../../src/solve/index.js';
import type { Objective, SolveProblem } from '../../src/solve/types.js';
import { Prng } from '../../src/util/prng.js';
import { allAssignments, fits, price, randomInstance, type Priced } from './instances.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const KEY: Record<Objective, (x: Priced) => number> = { fit: (x) => x.loss, latency: (x) => x.instructions, size: (x) => x.flash };

/** The instance with a loss budget at a random quantile of its assignments' losses (sometimes none). */
function withLossBudget(seed: number): SolveProblem {
  const p = randomInstance(seed);
  const r = new Prng(seed * 7919);
  const losses = [...allAssignments(p)].map((c) => price(p, c).loss).sort((a, b) => a - b);
  const u = r.next();
  // Mostly inside the range; sometimes below the least loss any assignment reaches.
  if (u < 0.1) p.budget.loss = losses[0]! - 0.01;
  else if (u < 0.85) p.budget.loss = losses[Math.floor(r.next() * 0.6 * losses.length)]!;
  return p;
}

function minOf(xs: Priced[], key: (x: Priced) => number): number {
  return xs.reduce((m, x) => Math.min(m, key(x)), Infinity);
}

describe('objectives against brute force (200 seeded random instances × 3 objectives)', () => {
  const counts = { feasible: 0, infeasible: 0, lossBinds: 0, lossViolated: 0, differ: 0 };

  it.each(SEEDS)('seed %i: the same optimum of each objective, within every bound', (seed) => {
    const base = withLossBudget(seed);
    const all = [...allAssignments(base)].map((c) => price(base, c));
    const within = all.filter((x) => fits(x, base.budget));
    const picked: number[][] = [];
    for (const objective of ['fit', 'latency', 'size'] as const) {
      const p: SolveProblem = { ...base, objective };
      const got = solve(p);
      expect(got.feasible, objective).toBe(within.length > 0);
      if (got.feasible) {
        counts.feasible++;
        const x = price(p, got.choices);
        expect(fits(x, p.budget), objective).toBe(true);
        expect(KEY[objective](x), objective).toBe(minOf(within, KEY[objective]));
        // Ties go to less loss.
        expect(x.loss).toBe(minOf(within.filter((w) => KEY[objective](w) === KEY[objective](x)), (w) => w.loss));
        picked.push(got.choices);
        const { loss: _, ...noLossBound } = p.budget;
        if (p.budget.loss !== undefined && minOf(all.filter((a) => fits(a, noLossBound)), KEY[objective]) < KEY[objective](x)) counts.lossBinds++;
        continue;
      }
      counts.infeasible++;
      const b = base.budget;
      if (b.loss !== undefined && minOf(all, (a) => a.loss) > b.loss) {
        expect(got.violated).toContain('loss');
        counts.lossViolated++;
      }
      expect(got.floors.loss.value).toBe(minOf(all, (a) => a.loss));
      // The loss budget to ask for: the least loss within the other bounds.
      const { loss: _, ...others } = b;
      const otherwise = all.filter((a) => fits(a, others));
      const s = got.suggestions.find((g) => g.kind === 'loss');
      if (b.loss === undefined || otherwise.length === 0) expect(s).toBeUndefined();
      else expect(s).toEqual({ kind: 'loss', loss: minOf(otherwise, (a) => a.loss) });
      expect(formatInfeasible(got)).toMatch(/no pruning plan fits/);
    }
    if (picked.length === 3 && new Set(picked.map((c) => c.join())).size > 1) counts.differ++;
  });

  it('covered both outcomes, a binding loss bound, a violated one, and objectives that disagree', () => {
    console.info('objective instances:', counts);
    expect(counts.feasible).toBeGreaterThan(150);
    expect(counts.infeasible).toBeGreaterThan(100);
    expect(counts.lossBinds).toBeGreaterThan(30);
    expect(counts.lossViolated).toBeGreaterThan(5);
    expect(counts.differ).toBeGreaterThan(30);
  });
});

describe('a latency bound with the latency objective', () => {
  it('is a hard bound on the objective itself: met when reachable, infeasible below the fewest', () => {
    let checked = 0;
    for (const seed of SEEDS.slice(0, 80)) {
      const base = randomInstance(seed);
      const { instructions: _, ...memory } = base.budget;
      const all = [...allAssignments(base)].map((c) => price(base, c)).filter((x) => fits(x, memory));
      if (all.length === 0) continue;
      const fewest = minOf(all, (x) => x.instructions);
      for (const bound of [fewest, fewest - 1]) {
        const got = solve({ ...base, objective: 'latency', budget: { ...memory, instructions: bound } });
        expect(got.feasible).toBe(bound >= fewest);
        if (got.feasible) expect(got.totals.instructions).toBe(fewest);
        else expect(got.suggestions.find((g) => g.kind === 'latency')).toMatchObject({ kind: 'latency', instructions: fewest });
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe('ties on loss', () => {
  it('go to fewer instructions before fewer bytes: a model that fits dense is not made slower to save flash', () => {
    // A zero-loss bitmask choice is smaller than dense but slower; the board has room for both.
    const p: SolveProblem = {
      layers: [
        {
          name: 'fc/weights',
          outChannels: 8,
          choices: [
            { granularity: 'element', sparsity: 0, format: 'dense', flashBytes: 1000, instructions: 5000, loss: 0 },
            { granularity: 'element', sparsity: 0.25, format: 'bitmask', flashBytes: 880, instructions: 6200, loss: 0 },
          ],
        },
      ],
      ram: [],
      budget: { flash: 10_000, ram: 10_000 },
      fixed: { flash: 0, ram: 0, instructions: 0 },
      boards: [],
    };
    const choices = (q: SolveProblem): number[] | null => {
      const got = solve(q);
      return got.feasible ? got.choices : null;
    };
    expect(choices(p)).toEqual([0]);
    // With flash as the objective the smaller choice still wins.
    expect(choices({ ...p, objective: 'size' })).toEqual([1]);
  });
});
