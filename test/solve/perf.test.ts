import { describe, expect, it } from 'vitest';
import { solve } from '../../src/solve/index.js';
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
});
