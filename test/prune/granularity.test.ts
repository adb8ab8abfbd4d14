import { describe, expect, it } from 'vitest';
import { computeMask, globalSparsities, groupsOf, maskSparsity, parseGranularity } from '../../src/prune/granularity.js';
import { l1, taylor } from '../../src/prune/criteria.js';
import { TinypruneError } from '../../src/errors.js';
import { Prng } from '../../src/util/prng.js';

const rand = (n: number, seed = 1): Float32Array => {
  const r = new Prng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

describe('granularities', () => {
  const conv = { opcode: 'CONV_2D', shape: [4, 3, 3, 8] };
  const fc = { opcode: 'FULLY_CONNECTED', shape: [6, 16] };
  const dw = { opcode: 'DEPTHWISE_CONV_2D', shape: [1, 3, 3, 8] };

  it('element: drops exactly the lowest |w|', () => {
    const w = Float32Array.from([0.1, -5, 0.3, 2, -0.05, 1]);
    const m = computeMask(l1.score({ weights: w }), { opcode: 'FULLY_CONNECTED', shape: [2, 3] }, parseGranularity('element'), 0.5);
    expect(Array.from(m)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('N:M keeps N of every M consecutive input-channel weights', () => {
    for (const [n, mm] of [[2, 4], [1, 4], [1, 8]] as const) {
      const w = rand(6 * 16);
      const mask = computeMask(l1.score({ weights: w }), fc, parseGranularity(`${n}:${mm}`), 0);
      for (let g = 0; g < mask.length; g += mm) expect(mask.subarray(g, g + mm).reduce((a, b) => a + b, 0)).toBe(n);
      expect(maskSparsity(mask)).toBeCloseTo(1 - n / mm);
    }
    expect(() => computeMask(new Float32Array(4 * 9 * 6), { opcode: 'CONV_2D', shape: [4, 3, 3, 6] }, parseGranularity('2:4'), 0)).toThrow(TinypruneError);
  });

  it('blocks 1xK and Kx1 drop whole aligned blocks', () => {
    const w = rand(6 * 16, 2);
    const m = computeMask(l1.score({ weights: w }), fc, parseGranularity('block1x4'), 0.5);
    for (let b = 0; b < m.length; b += 4) expect(new Set(m.subarray(b, b + 4)).size).toBe(1);
    expect(maskSparsity(m)).toBe(0.5);
    const m2 = computeMask(l1.score({ weights: w }), fc, parseGranularity('block2x1'), 0.5);
    for (let o = 0; o < 6; o += 2) for (let c = 0; c < 16; c++) expect(m2[o * 16 + c]).toBe(m2[(o + 1) * 16 + c]);
  });

  it('kernel and filterlet groups', () => {
    const k = groupsOf(conv, parseGranularity('kernel'));
    expect(k.count).toBe(4 * 8);
    // Same (o, c) at different (kh, kw) share a group.
    expect(k.ids[0 * 72 + 0 * 8 + 5]).toBe(k.ids[0 * 72 + 8 * 8 + 5]);
    const f = groupsOf(conv, parseGranularity('filterlet'));
    expect(f.count).toBe(4 * 9);
    expect(f.ids[3]).toBe(f.ids[7]);
    expect(groupsOf(dw, parseGranularity('kernel')).count).toBe(8);
    expect(() => groupsOf(fc, parseGranularity('kernel'))).toThrow(TinypruneError);
  });

  it('patterns: every surviving kernel uses one of at most P shapes of `keep` entries', () => {
    const w = rand(4 * 9 * 8, 3);
    const g = parseGranularity('pattern-4/3');
    const mask = computeMask(l1.score({ weights: w }), conv, g, 0);
    const shapes = new Set<string>();
    for (let o = 0; o < 4; o++) {
      for (let c = 0; c < 8; c++) {
        const bits = Array.from({ length: 9 }, (_, s) => mask[(o * 9 + s) * 8 + c]).join('');
        expect(bits.split('').filter((b) => b === '1').length).toBe(4);
        shapes.add(bits);
      }
    }
    expect(shapes.size).toBeLessThanOrEqual(3);
    // Beyond the pattern's own 5/9 sparsity, whole kernels go (connectivity pruning).
    expect(maskSparsity(computeMask(l1.score({ weights: w }), conv, g, 0.8))).toBeCloseTo(0.8, 1);
  });

  it('global thresholds give the prunier layer the higher sparsity', () => {
    const big = rand(1000, 4).map((v) => v * 10);
    const small = rand(1000, 5);
    const [a, b] = globalSparsities([l1.score({ weights: big }), l1.score({ weights: small })], 0.5);
    expect(b!).toBeGreaterThan(a!);
    expect((a! + b!) / 2).toBeCloseTo(0.5, 2);
  });

  it('Taylor needs gradients; rejects unknown granularities', () => {
    expect(() => taylor.score({ weights: new Float32Array(2) })).toThrow(/gradients/);
    expect(Array.from(taylor.score({ weights: Float32Array.from([2, -1]), grad: Float32Array.from([0.5, 3]) }))).toEqual([1, 3]);
    expect(() => parseGranularity('diagonal')).toThrow(/allowed|unknown/);
  });
});
