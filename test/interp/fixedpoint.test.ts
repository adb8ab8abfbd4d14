import { describe, expect, it } from 'vitest';
import {
  expOnNegativeValues,
  frexp,
  getReciprocal,
  INT32_MAX,
  INT32_MIN,
  multiplyByQuantizedMultiplier,
  multiplyByQuantizedMultiplierGreaterThanOne,
  multiplyByQuantizedMultiplierInt64,
  multiplyByQuantizedMultiplierSmallerThanOneExp,
  oneOverOnePlusXForXIn01,
  quantizeMultiplier,
  roundHalfAwayFromZero,
  roundingDivideByPOT,
  roundingHalfSum,
  saturatingRoundingDoublingHighMul,
  saturatingRoundingMultiplyByPOT,
} from '../../src/interp/fixedpoint.js';
import { randInt, refMbqm, refRdbpot, refSrdhm, rng } from './reference.js';

/** Values that break naive implementations: extremes, ±1, powers of two and their neighbours. */
const EDGES: number[] = (() => {
  const v = new Set<number>([0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1]);
  for (let k = 0; k < 31; k++) {
    for (const d of [-1, 0, 1]) {
      v.add(2 ** k + d);
      v.add(-(2 ** k) + d);
    }
  }
  return [...v].filter((x) => x >= INT32_MIN && x <= INT32_MAX);
})();

describe('saturatingRoundingDoublingHighMul', () => {
  it('saturates INT32_MIN * INT32_MIN to INT32_MAX (the only overflow)', () => {
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).toBe(-INT32_MAX);
    expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1);
  });

  it('rounds half away from zero on both signs', () => {
    // 1 * 2^30 = 2^30 -> (2^30 + 2^30) / 2^31 = 1; -1 * 2^30 -> (-2^30 + 1 - 2^30) / 2^31 -> 0
    expect(saturatingRoundingDoublingHighMul(1, 2 ** 30)).toBe(1);
    expect(saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0);
    expect(saturatingRoundingDoublingHighMul(3, 2 ** 30)).toBe(2); // 1.5 -> 2
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1); // -1.5 -> -1 (nudge 1 - 2^30, truncation)
    expect(saturatingRoundingDoublingHighMul(-5, 2 ** 30)).toBe(-2); // -2.5 -> -2
  });

  it('matches the BigInt definition on all edge pairs', () => {
    for (const a of EDGES) for (const b of EDGES) expect(saturatingRoundingDoublingHighMul(a, b)).toBe(refSrdhm(a, b));
  });

  it('matches the BigInt definition on 50k random pairs', () => {
    const r = rng(1);
    for (let i = 0; i < 50_000; i++) {
      const a = randInt(r, INT32_MIN, INT32_MAX);
      const b = i % 2 ? randInt(r, INT32_MIN, INT32_MAX) : randInt(r, 2 ** 30, INT32_MAX);
      expect(saturatingRoundingDoublingHighMul(a, b)).toBe(refSrdhm(a, b));
    }
  });
});

describe('roundingDivideByPOT', () => {
  it('matches round-half-away-from-zero division for every shift 0..31 on edge values', () => {
    for (let e = 0; e <= 31; e++) for (const x of EDGES) expect(roundingDivideByPOT(x, e), `x=${x} e=${e}`).toBe(refRdbpot(x, e));
  });

  it('rounds negative ties away from zero', () => {
    expect(roundingDivideByPOT(-3, 1)).toBe(-2); // -1.5
    expect(roundingDivideByPOT(3, 1)).toBe(2); // 1.5
    expect(roundingDivideByPOT(-5, 2)).toBe(-1); // -1.25
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // -1.5
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1);
  });

  it('matches on random values', () => {
    const r = rng(2);
    for (let i = 0; i < 20_000; i++) {
      const x = randInt(r, INT32_MIN, INT32_MAX);
      const e = randInt(r, 0, 31);
      expect(roundingDivideByPOT(x, e)).toBe(refRdbpot(x, e));
    }
  });
});

describe('multiplyByQuantizedMultiplier (TFLM double rounding)', () => {
  it('matches the BigInt composition for shifts -31..7', () => {
    const r = rng(3);
    for (let i = 0; i < 30_000; i++) {
      const shift = randInt(r, -31, 7);
      const x = shift > 0 ? randInt(r, -(2 ** (31 - shift)), 2 ** (31 - shift) - 1) : randInt(r, INT32_MIN, INT32_MAX);
      const m = randInt(r, 2 ** 30, INT32_MAX);
      expect(multiplyByQuantizedMultiplier(x, m, shift)).toBe(refMbqm(x, m, shift));
    }
  });

  it('is the double-rounding variant, not the single-rounding one', () => {
    // x=3, m=2^30 (0.5), shift=-1: SRDHM gives round(1.5)=2, then RDBPOT(2,1)=1.
    // Single rounding would compute round(3 * 0.25) = round(0.75) = 1 too; pick a case that differs:
    // x=5, m=0x60000000 (0.75), shift=-2: exact 0.9375; SRDHM -> round(3.75)=4, 4/4 = 1. Same again.
    // x=11, m=0x50000000 (0.625), shift=-1: exact 3.4375; SRDHM -> round(6.875)=7, RDBPOT(7,1)=round(3.5)=4;
    // single rounding gives 3.
    expect(multiplyByQuantizedMultiplier(11, 0x50000000, -1)).toBe(4);
  });

  it('wraps the left shift like C int32 arithmetic', () => {
    expect(multiplyByQuantizedMultiplier(2 ** 30, 2 ** 30, 2)).toBe(refMbqm(2 ** 30, 2 ** 30, 2));
  });

  it('agrees with the SmallerThanOneExp / GreaterThanOne helpers', () => {
    const r = rng(4);
    for (let i = 0; i < 5000; i++) {
      const m = randInt(r, 2 ** 30, INT32_MAX);
      const x = randInt(r, -(2 ** 20), 2 ** 20);
      const s = randInt(r, -31, 0);
      expect(multiplyByQuantizedMultiplierSmallerThanOneExp(x, m, s)).toBe(multiplyByQuantizedMultiplier(x, m, s));
      const l = randInt(r, 0, 10);
      expect(multiplyByQuantizedMultiplierGreaterThanOne(x, m, l)).toBe(multiplyByQuantizedMultiplier(x, m, l));
    }
  });

  it('int64 variant: reduced 16-bit multiplier, single rounding', () => {
    const x = 123456789012n;
    const m = 1518500250;
    const shift = -20;
    const reduced = BigInt((m + 32768) >> 16);
    const total = BigInt(15 - shift);
    expect(multiplyByQuantizedMultiplierInt64(x, m, shift)).toBe(Number((x * reduced + (1n << (total - 1n))) >> total));
    expect(multiplyByQuantizedMultiplierInt64(-5n, 0x7fff8000, 0)).toBe(-5); // multiplier saturates to 0x7fff
  });
});

describe('quantizeMultiplier (QuantizeMultiplier)', () => {
  it('splits into a Q0.31 significand in [2^30, 2^31) and a shift', () => {
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 0x60000000, shift: 0 });
    expect(quantizeMultiplier(3)).toEqual({ multiplier: 0x60000000, shift: 2 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    const q = quantizeMultiplier(0.0123);
    expect(q.multiplier).toBeGreaterThanOrEqual(2 ** 30);
    expect(q.multiplier).toBeLessThan(2 ** 31);
    expect(q.multiplier * 2 ** (q.shift - 31)).toBeCloseTo(0.0123, 9);
  });

  it('handles q_fixed rounding up to 2^31 (halve it, shift + 1)', () => {
    const m = 1 - 2 ** -40; // frexp: 0.999...; * 2^31 rounds to 2^31
    expect(quantizeMultiplier(m)).toEqual({ multiplier: 2 ** 30, shift: 1 });
  });

  it('flushes multipliers below 2^-32 to zero', () => {
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 }); // 0.5 * 2^-32: shift -32 < -31
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 2 ** 30, shift: -31 }); // the smallest kept
  });

  it('rounds the significand half away from zero', () => {
    // 0.5 + 2^-32 has a significand of exactly 2^30 + 0.5 in Q0.31 -> rounds up.
    expect(quantizeMultiplier(0.5 + 2 ** -32)).toEqual({ multiplier: 2 ** 30 + 1, shift: 0 });
  });
});

describe('helpers', () => {
  it('frexp handles normal, negative and subnormal doubles', () => {
    expect(frexp(8)).toEqual({ fraction: 0.5, exponent: 4 });
    expect(frexp(-3)).toEqual({ fraction: -0.75, exponent: 2 });
    expect(frexp(0)).toEqual({ fraction: 0, exponent: 0 });
    const sub = frexp(5e-324);
    expect(sub).toEqual({ fraction: 0.5, exponent: -1073 });
  });

  it('roundHalfAwayFromZero is C round()', () => {
    expect(roundHalfAwayFromZero(0.5)).toBe(1);
    expect(roundHalfAwayFromZero(-0.5)).toBe(-1);
    expect(roundHalfAwayFromZero(2.5)).toBe(3);
    expect(roundHalfAwayFromZero(-2.5)).toBe(-3);
    expect(roundHalfAwayFromZero(0.49999999999999994)).toBe(0);
    expect(roundHalfAwayFromZero(-1.4)).toBe(-1);
  });

  it('roundingHalfSum and saturating shifts', () => {
    expect(roundingHalfSum(1, 2)).toBe(2);
    expect(roundingHalfSum(-1, -2)).toBe(-2);
    expect(roundingHalfSum(INT32_MAX, INT32_MAX)).toBe(INT32_MAX);
    expect(saturatingRoundingMultiplyByPOT(2 ** 26, 5)).toBe(INT32_MAX);
    expect(saturatingRoundingMultiplyByPOT(-(2 ** 26), 5)).toBe(INT32_MIN);
    expect(saturatingRoundingMultiplyByPOT(2 ** 26 - 1, 5)).toBe((2 ** 26 - 1) * 32);
    expect(saturatingRoundingMultiplyByPOT(-7, -1)).toBe(-4);
  });

  it('expOnNegativeValues approximates exp on Q5.26 and is exact at 0', () => {
    expect(expOnNegativeValues(0, 5)).toBe(INT32_MAX);
    for (const x of [-0.001, -0.125, -0.25, -0.3, -1, -2.5, -7.9, -15, -31.9]) {
      const raw = Math.round(x * 2 ** 26);
      const got = expOnNegativeValues(raw, 5) / 2 ** 31;
      expect(Math.abs(got - Math.exp(raw / 2 ** 26))).toBeLessThan(5e-7); // gemmlowp: 4th-order Taylor on [-1/4, 0]
    }
  });

  it('oneOverOnePlusX and getReciprocal approximate 1/(1+x)', () => {
    for (const x of [0, 0.1, 0.5, 0.9, 0.999]) {
      const raw = Math.round(x * 2 ** 31) | 0;
      const got = oneOverOnePlusXForXIn01(raw) / 2 ** 31;
      expect(Math.abs(got - 1 / (1 + raw / 2 ** 31))).toBeLessThan(1e-8);
    }
    // sum = 3.0 in Q12.19 -> reciprocal 1/3 expressed as (Q0.31 value, bits over unit)
    const { reciprocal, numBitsOverUnit } = getReciprocal(3 * 2 ** 19, 12);
    expect(numBitsOverUnit).toBe(1);
    // shifted_scale * 2^-31 * 2^-numBitsOverUnit ~ 1/3; the Q0.31 value encodes 1/(1 + 0.5)
    expect(reciprocal / 2 ** 31 / 2 ** numBitsOverUnit).toBeCloseTo(1 / 3, 8);
  });
});
