import { describe, expect, it } from 'vitest';
import { solve } from '../../src/solve/index.js';
import type { SolveProblem } from '../../src/solve/types.js';
import { allAssignments, bruteForce, fits, price, randomInstance, type Priced } from './instances.js';

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

function minOf(xs: Priced[], key: (x: Priced) => number): number {
  return xs.reduce((m, x) => Math.min(m, key(x)), Infinity);
}

describe('solver against brute force (300 seeded random instances)', () => {
  const counts = { feasible: 0, infeasible: 0, latency: 0, coupledFlash: 0, ramBinds: 0, combination: 0 };

  it.each(SEEDS)('seed %i: same feasibility and the same optimal loss', (seed) => {
    const p = randomInstance(seed);
    if (p.budget.instructions !== undefined) counts.latency++;
    if (p.layers.some((l) => l.byPrevious !== undefined)) counts.coupledFlash++;
    const expected = bruteForce(p);
    const got = solve(p);
    expect(got.feasible).toBe(expected !== undefined);
    if (got.feasible) {
      counts.feasible++;
      expect(got.totals.loss).toBe(expected);
      if (bruteForce(p, { ...p.budget, ram: Infinity })! < expected!) counts.ramBinds++;
      // The reported totals are the assignment's real cost, and it fits.
      const x = price(p, got.choices);
      expect(got.totals).toEqual({ flash: x.flash, ram: x.ram, instructions: x.instructions, loss: x.loss });
      expect(fits(x, p.budget)).toBe(true);
      return;
    }
    counts.infeasible++;
    const all = [...allAssignments(p)].map((c) => price(p, c));
    expect(got.floors.flash.value).toBe(minOf(all, (x) => x.flash));
    expect(got.floors.ram.value).toBe(minOf(all, (x) => x.ram));
    expect(got.floors.instructions.value).toBe(minOf(all, (x) => x.instructions));
    // The floors' assignments reach them.
    expect(price(p, got.floors.flash.assignment.choices).flash).toBe(got.floors.flash.value);
    expect(price(p, got.floors.ram.assignment.choices).ram).toBe(got.floors.ram.value);
    const b = p.budget;
    const alone = (['flash', 'ram', 'instructions'] as const).filter((r) => {
      const limit = b[r];
      return limit !== undefined && minOf(all, (x) => x[r]) > limit;
    });
    expect(got.violated).toEqual(alone.length > 0 ? alone : ['combination']);
    if (alone.length === 0) counts.combination++;
    const withinOthers = all.filter((x) => x.ram <= b.ram && (b.instructions === undefined || x.instructions <= b.instructions));
    expect(got.flashWithinOtherBudgets).toBe(withinOthers.length > 0 ? minOf(withinOthers, (x) => x.flash) : undefined);
    const latency = got.suggestions.find((s) => s.kind === 'latency');
    const withinMemory = all.filter((x) => x.flash <= b.flash && x.ram <= b.ram);
    if (b.instructions === undefined || withinMemory.length === 0) {
      expect(latency).toBeUndefined();
    } else {
      const fewest = minOf(withinMemory, (x) => x.instructions);
      expect(latency).toEqual({ kind: 'latency', instructions: fewest, loss: minOf(withinMemory.filter((x) => x.instructions === fewest), (x) => x.loss) });
    }
  });

  it('covered both outcomes, latency bounds, pair costs, binding RAM and joint infeasibility', () => {
    console.info('random instances:', counts);
    expect(counts.feasible).toBeGreaterThan(60);
    expect(counts.infeasible).toBeGreaterThan(60);
    expect(counts.latency).toBeGreaterThan(60);
    expect(counts.coupledFlash).toBeGreaterThan(60);
    expect(counts.ramBinds).toBeGreaterThan(30);
    expect(counts.combination).toBeGreaterThanOrEqual(8);
  });
});

describe('board suggestions', () => {
  it('name exactly the boards on which a plan fits, smallest first, with the loss there', () => {
    let checked = 0;
    for (const seed of SEEDS.slice(0, 120)) {
      const base = randomInstance(seed);
      const all = [...allAssignments(base)].map((c) => price(base, c));
      const flashes = [...new Set(all.map((x) => x.flash))].sort((a, b) => a - b);
      const rams = [...new Set(all.map((x) => x.ram))].sort((a, b) => a - b);
      const boards = [0.1, 0.5, 0.9].flatMap((q, k) => [
        { name: `b${k}a`, flash: flashes[Math.floor(q * flashes.length)]!, ram: rams[Math.floor((1 - q) * (rams.length - 1))]! },
        { name: `b${k}b`, flash: flashes[Math.floor(q * flashes.length)]!, ram: rams[Math.floor(q * (rams.length - 1))]! },
      ]);
      const p: SolveProblem = { ...base, boards };
      const got = solve(p);
      if (got.feasible) continue;
      checked++;
      const expected = boards
        .map((bd) => ({ bd, loss: bruteForce(p, { ...p.budget, flash: bd.flash, ram: bd.ram }) }))
        .filter((x) => x.loss !== undefined)
        .sort((x, y) => x.bd.flash - y.bd.flash || x.bd.ram - y.bd.ram)
        .map((x) => ({ kind: 'board', board: x.bd.name, flash: x.bd.flash, ram: x.bd.ram, loss: x.loss }));
      const suggested = got.suggestions.filter((s) => s.kind === 'board');
      expect(suggested).toEqual(expected);
    }
    expect(checked).toBeGreaterThan(20);
  });
});
