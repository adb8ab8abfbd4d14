import { describe, expect, it } from 'vitest';
import { computeMask, globalSparsities, layoutNote, maskSparsity } from '../../src/prune/mask.js';
import { canonicalGranularity, granularityName, GRANULARITY_NAMES, parseGranularity, unitsOf } from '../../src/sparse/granularity.js';
import { pruneMatrix } from '../../src/sparse/prune.js';
import { COMMAND_OPTIONS } from '../../src/config/options.js';
import { l1, taylor } from '../../src/prune/criteria.js';
import { TinypruneError } from '../../src/errors.js';
import { Prng } from '../../src/util/prng.js';

const rand = (n: number, seed = 1): Float32Array => {
  const r = new Prng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
};

describe('one granularity vocabulary', () => {
  it('prints every name back as itself and parses what it prints', () => {
    for (const n of [...GRANULARITY_NAMES, '3:8', 'block2x2', 'pattern-4', 'pattern-4/3', 'pattern/8']) {
      expect(granularityName(parseGranularity(n))).toBe(n);
    }
  });

  it('maps the aliases to one canonical name', () => {
    const aliases: [string, string][] = [
      ['nm2_4', '2:4'],
      ['nm1_4', '1:4'],
      ['NM1_8', '1:8'],
      ['4x1', 'block4x1'],
      ['1x16', 'block1x16'],
      ['fine', 'element'],
      ['unstructured', 'element'],
      ['filter', 'channel'],
      ['neuron', 'channel'],
      [' Block4x2 ', 'block4x2'],
    ];
    for (const [alias, name] of aliases) expect(canonicalGranularity(alias)).toBe(name);
  });

  it('rejects unknown and impossible names with a typed error listing the allowed ones', () => {
    for (const bad of ['diagonal', '4:2', '0:4', 'block1x1', 'pattern-0', 'nm2-4', '']) {
      let err: unknown;
      try {
        parseGranularity(bad, '--granularity');
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(TinypruneError);
      const te = err as TinypruneError;
      expect(te.code).toBe('E_USAGE');
      expect(te.where).toBe('--granularity');
      expect(te.allowed).toMatch(/element.*2:4.*block4x1.*channel.*nm2_4/);
    }
  });

  it('the config file accepts the same names as the command line', () => {
    for (const command of ['build', 'prune'] as const) {
      const key = COMMAND_OPTIONS[command].granularity as { check: (v: string) => string | undefined };
      expect(key.check('2:4')).toBeUndefined();
      expect(key.check('nm2_4')).toBeUndefined();
      expect(key.check('kernel')).toBeUndefined();
      expect(key.check('diagonal')).toMatch(/unknown granularity/);
    }
  });
});

describe('granularities', () => {
  const conv = { opcode: 'CONV_2D', shape: [4, 3, 3, 8] };
  const fc = { opcode: 'FULLY_CONNECTED', shape: [6, 16] };
  const dw = { opcode: 'DEPTHWISE_CONV_2D', shape: [1, 3, 3, 8] };

  it('element: drops exactly the lowest |w|', () => {
    const w = Float32Array.from([0.1, -5, 0.3, 2, -0.05, 1]);
    const m = computeMask(l1.score({ weights: w }), { opcode: 'FULLY_CONNECTED', shape: [2, 3] }, parseGranularity('element'), 0.5);
    expect(Array.from(m)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('N:M keeps N of every M consecutive columns of a row (a partial last group keeps N too)', () => {
    for (const [n, mm] of [[2, 4], [1, 4], [1, 8]] as const) {
      const w = rand(6 * 16);
      const mask = computeMask(l1.score({ weights: w }), fc, parseGranularity(`${n}:${mm}`), 0);
      for (let g = 0; g < mask.length; g += mm) expect(mask.subarray(g, g + mm).reduce((a, b) => a + b, 0)).toBe(n);
      expect(maskSparsity(mask)).toBeCloseTo(1 - n / mm);
    }
    // 54 columns: 13 groups of 4 and one of 2 per row.
    const mask = computeMask(rand(4 * 54), { opcode: 'CONV_2D', shape: [4, 3, 3, 6] }, parseGranularity('2:4'), 0);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 54; c += 4) expect(mask.subarray(r * 54 + c, r * 54 + Math.min(54, c + 4)).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('blocks RxC drop whole aligned blocks', () => {
    const w = rand(6 * 16, 2);
    const m = computeMask(l1.score({ weights: w }), fc, parseGranularity('block1x4'), 0.5);
    for (let b = 0; b < m.length; b += 4) expect(new Set(m.subarray(b, b + 4)).size).toBe(1);
    expect(maskSparsity(m)).toBe(0.5);
    const m2 = computeMask(l1.score({ weights: w }), fc, parseGranularity('block2x1'), 0.5);
    for (let o = 0; o < 6; o += 2) for (let c = 0; c < 16; c++) expect(m2[o * 16 + c]).toBe(m2[(o + 1) * 16 + c]);
  });

  it('block4x1 on a depthwise filter groups 4 channels at the same tap (what the block4x1 format stores)', () => {
    const w = rand(9 * 8, 6);
    const g = parseGranularity('block4x1');
    const mask = computeMask(l1.score({ weights: w }), dw, g, 0.5);
    expect(maskSparsity(mask)).toBe(0.5);
    // 1HWC: channels are innermost, so a block is 4 consecutive entries of one tap.
    for (let t = 0; t < 9; t++) for (let c = 0; c < 8; c += 4) expect(new Set(mask.subarray(t * 8 + c, t * 8 + c + 4)).size).toBe(1);
    expect(layoutNote(dw, g)).toMatch(/4 channels at the same tap/);
    expect(layoutNote(conv, g)).toBeUndefined();
  });

  it('the engine and the build prune the same weights (one mask function)', () => {
    const r = new Prng(9);
    const dwW = Int8Array.from({ length: 9 * 8 }, () => r.int(-127, 127));
    for (const name of ['element', 'block4x1', 'block1x4', '2:4', 'kernel', 'pattern', 'channel']) {
      const tensorMask = computeMask(Float32Array.from(dwW, Math.abs), dw, name, 0.6);
      // The build's matrix: a row of 9 taps per channel (the transpose of 1HWC).
      const values = Int8Array.from({ length: 72 }, (_, i) => dwW[(i % 9) * 8 + Math.floor(i / 9)]!);
      const pruned = pruneMatrix({ rows: 8, cols: 9, taps: 9, dtype: 'int8', values }, [], name, 0.6);
      for (let i = 0; i < 72; i++) expect(tensorMask[(i % 9) * 8 + Math.floor(i / 9)], `${name} ${i}`).toBe(pruned.values[i] === 0 ? 0 : 1);
    }
  });

  it('kernel and filterlet units', () => {
    const shape = { rows: 4, cols: 72, taps: 9 };
    const k = unitsOf(shape, parseGranularity('kernel'))!;
    expect(k.length).toBe(4 * 8);
    // Same (o, c) at different taps share a unit.
    expect(k[5]).toContain(0 * 72 + 8 * 8 + 5);
    const f = unitsOf(shape, parseGranularity('filterlet'))!;
    expect(f.length).toBe(4 * 9);
    expect(f[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(unitsOf({ rows: 8, cols: 9, taps: 9 }, parseGranularity('kernel'))!.length).toBe(8);
    expect(layoutNote(fc, 'kernel')).toMatch(/acts as element/);
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
