import { describe, expect, it } from 'vitest';
import { checkArenaPlan, liveLowerBound, planArena, type BufferRequest, type InPlaceCandidate } from '../../src/plan/arena.js';
import { Prng } from '../../src/util/prng.js';

describe('planArena', () => {
  it('reuses memory of buffers that are dead (a chain needs two buffers, not n)', () => {
    // t0 -> op0 -> t1 -> op1 -> t2 -> op2 -> t3
    const reqs: BufferRequest[] = [
      { id: 0, bytes: 100, first: 0, last: 0 },
      { id: 1, bytes: 100, first: 0, last: 1 },
      { id: 2, bytes: 100, first: 1, last: 2 },
      { id: 3, bytes: 100, first: 2, last: 3 },
    ];
    const plan = planArena(reqs, 16);
    checkArenaPlan(reqs, plan);
    expect(plan.peak).toBe(224); // two 112-byte (aligned) slots
    expect(plan.lowerBound).toBe(224);
  });

  it('aligns every offset', () => {
    const reqs: BufferRequest[] = [
      { id: 0, bytes: 3, first: 0, last: 1 },
      { id: 1, bytes: 5, first: 0, last: 1 },
      { id: 2, bytes: 7, first: 1, last: 2 },
    ];
    const plan = planArena(reqs, 8);
    for (const o of plan.offsets.values()) expect(o % 8).toBe(0);
    checkArenaPlan(reqs, plan);
  });

  it('never overlaps live buffers and stays near the lower bound on random graphs', () => {
    const rng = new Prng(42);
    let worst = 1;
    for (let trial = 0; trial < 300; trial++) {
      const n = rng.int(1, 30);
      const reqs: BufferRequest[] = [];
      for (let id = 0; id < n; id++) {
        const first = rng.int(0, 20);
        reqs.push({ id, bytes: rng.int(0, 5000), first, last: first + rng.int(0, 6) });
      }
      const plan = planArena(reqs, 16);
      checkArenaPlan(reqs, plan);
      expect(plan.peak).toBeGreaterThanOrEqual(liveLowerBound(reqs, 16));
      worst = Math.max(worst, plan.peak / Math.max(plan.lowerBound, 1));
    }
    // Greedy-by-size is a heuristic; on random interval sets it stays within 2x of the bound.
    expect(worst).toBeLessThan(2);
  });

  it('is deterministic', () => {
    const reqs: BufferRequest[] = [
      { id: 5, bytes: 64, first: 0, last: 2 },
      { id: 3, bytes: 64, first: 1, last: 3 },
      { id: 9, bytes: 64, first: 2, last: 4 },
    ];
    const a = planArena(reqs);
    const b = planArena([...reqs].reverse());
    expect([...a.offsets.entries()].sort()).toEqual([...b.offsets.entries()].sort());
  });
});

describe('planArena with in-place operators', () => {
  // kws-like chain: t0 -> op0 -> t1 -> op1 -> ... -> t8, each 8000 B, every op may overlap.
  const chain = (n: number, bytes: number): BufferRequest[] => Array.from({ length: n + 1 }, (_, id) => ({ id, bytes, first: Math.max(0, id - 1), last: id }));
  const every = (n: number, d: (op: number) => number): InPlaceCandidate[] => Array.from({ length: n }, (_, op) => ({ op, input: op, output: op + 1, displacement: d(op) }));

  it('overlaps a whole chain whose layers all share the peak (two buffers → one plus the displacements)', () => {
    const reqs = chain(8, 8000);
    const plan = planArena(reqs, 16, every(8, (op) => (op % 2 === 0 ? 448 : 64)));
    checkArenaPlan(reqs, plan);
    expect(planArena(reqs, 16).peak).toBe(16000);
    expect(plan.peak).toBe(8000 + 4 * 448 + 4 * 64);
    expect(plan.inPlace.map((o) => o.op)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const o of plan.inPlace) expect(plan.offsets.get(o.input)! - plan.offsets.get(o.output)!).toBe(o.displacement);
  });

  it('ignores a candidate whose input is read after the op, and one that saves nothing', () => {
    const reqs: BufferRequest[] = [
      { id: 0, bytes: 1000, first: 0, last: 1 },
      { id: 1, bytes: 1000, first: 0, last: 1 },
      { id: 2, bytes: 1000, first: 1, last: 2 },
    ];
    const plan = planArena(reqs, 16, [
      { op: 0, input: 0, output: 1, displacement: 16 },
      { op: 1, input: 1, output: 2, displacement: 5000 },
    ]);
    expect(plan.inPlace).toEqual([]);
    expect(plan.peak).toBe(planArena(reqs, 16).peak);
  });

  it('never gets worse than without overlaps, and every overlap keeps its displacement (random)', () => {
    const rng = new Prng(7);
    for (let trial = 0; trial < 150; trial++) {
      const n = rng.int(2, 16);
      const reqs: BufferRequest[] = [];
      const cands: InPlaceCandidate[] = [];
      for (let id = 0; id < n; id++) {
        const first = rng.int(0, 10);
        reqs.push({ id, bytes: rng.int(1, 3000), first, last: first + rng.int(0, 4) });
      }
      for (const a of reqs) for (const b of reqs) if (b.first === a.last && a !== b && rng.int(0, 1)) cands.push({ op: a.last, input: a.id, output: b.id, displacement: rng.int(-200, b.bytes) });
      const plan = planArena(reqs, 16, cands);
      checkArenaPlan(reqs, plan);
      expect(plan.peak).toBeLessThanOrEqual(planArena(reqs, 16).peak);
      expect(plan.peak).toBeGreaterThanOrEqual(plan.lowerBound);
      expect(planArena([...reqs].reverse(), 16, [...cands].reverse()).offsets).toEqual(plan.offsets);
    }
  });
});
