import { describe, expect, it } from 'vitest';
import { formatInfeasible, solve } from '../../src/solve/index.js';
import { modelShaped } from './instances.js';

describe('solver speed (30 layers × 40 choices)', () => {
  for (const latency of [false, true]) {
    it(`solves ${latency ? 'with' : 'without'} a latency bound`, () => {
      const p = modelShaped(7, latency);
      const t0 = performance.now();
      const got = solve(p);
      const ms = performance.now() - t0;
      console.info(`30×40 ${latency ? 'flash+RAM+latency' : 'flash+RAM'}: ${ms.toFixed(0)} ms, feasible ${got.feasible}${got.feasible ? `, loss ${got.totals.loss.toFixed(4)}` : ''}`);
      expect(got.feasible).toBe(true);
      if (got.feasible) {
        expect(got.totals.flash).toBeLessThanOrEqual(p.budget.flash);
        expect(got.totals.ram).toBeLessThanOrEqual(p.budget.ram);
      }
    });
  }

  it('explains an infeasible budget, trying three boards and the latency relaxation', () => {
    const p = modelShaped(7, true);
    const flash = p.budget.flash;
    p.budget.flash = p.fixed.flash + 5_000;
    p.boards = [
      { name: 'same-ram', flash, ram: p.budget.ram },
      { name: 'double', flash: 2 * flash, ram: 2 * p.budget.ram },
      { name: 'too-small', flash: p.budget.flash * 2, ram: p.budget.ram },
    ];
    const t0 = performance.now();
    const got = solve(p);
    const ms = performance.now() - t0;
    console.info(`30×40 infeasible, explained: ${ms.toFixed(0)} ms`);
    expect(got.feasible).toBe(false);
    if (got.feasible) return;
    expect(got.violated).toEqual(['flash']);
    expect(got.suggestions.filter((s) => s.kind === 'board').map((s) => s.kind === 'board' && s.board)).toEqual(['same-ram', 'double']);
    expect(formatInfeasible(got)).toContain('it takes all');
  });
});
