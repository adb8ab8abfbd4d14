/**
 * Seeded mutation fuzzing of readTflite -> verifyGraph -> writeTflite (see fuzz-lib.ts).
 * Runs in the normal suite: ≥ 2,000 cases, deterministic, well under a minute. For longer
 * runs: `npm run bench:fuzz -- 100000`.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, fuzzSeeds } from './fuzz-lib.js';
import { hasShared } from './shared-models.js';

describe('fuzz: mutated models never escape as anything but TinypruneError', () => {
  it(`5,000 seeded cases${hasShared ? ' on the shared models and fixtures' : ' on the fixtures (../shared absent)'}`, () => {
    const t0 = performance.now();
    const s = fuzz(fuzzSeeds(), 5000, 0x5eed);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `fuzz: ${s.cases} cases in ${seconds.toFixed(1)} s; outcomes ${JSON.stringify(s.outcomes)}; ` +
        `codes ${JSON.stringify(s.codes)}; slowest ${s.maxMs.toFixed(0)} ms: ${s.slowest}`,
    );
    expect(s.failures.slice(0, 5)).toEqual([]);
    expect(s.cases).toBeGreaterThanOrEqual(2000);
    // Every outcome occurs, so the mutations reach past the header checks.
    expect(s.outcomes.rejected).toBeGreaterThan(0);
    expect(s.outcomes['valid-graph']).toBeGreaterThan(0);
    expect(s.maxMs).toBeLessThan(2000);
    expect(seconds).toBeLessThan(60);
  });
});
