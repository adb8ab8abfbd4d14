import { describe, expect, it } from 'vitest';
import { computeMeanQuantParams, interpret, quantizeMultiplier, type MeanInt8Params } from '../../../src/interp/index.js';
import { bytesOf, refMbqm, singleOpGraph } from '../reference.js';

function meanGraph(dtype: 'int8' | 'float32', inShape: number[], axes: number[], outShape: number[], q?: [[number, number], [number, number]], keepDims = true) {
  return singleOpGraph(
    'MEAN',
    { keepDims },
    [
      { dtype, shape: inShape, ...(q ? { scale: q[0][0], zeroPoint: q[0][1] } : {}) },
      { dtype: 'int32', shape: [axes.length], data: bytesOf(Int32Array.from(axes)) },
    ],
    [{ dtype, shape: outShape, ...(q ? { scale: q[1][0], zeroPoint: q[1][1] } : {}) }],
  );
}

describe('MEAN int8', () => {
  it('same quantization: integer sum divided with truncation toward zero', () => {
    const g = meanGraph('int8', [1, 2, 2, 2], [1, 2], [1, 1, 1, 2], [
      [0.1, 3],
      [0.1, 3],
    ]);
    expect((computeMeanQuantParams(g, g.ops[0]!) as MeanInt8Params).mode).toBe('same-quant');
    // channel 0: (1 + 2 + 3 + 5) / 4 = 2.75 -> 2; channel 1: (-1 - 2 - 3 - 5) / 4 = -2.75 -> -2
    const x = Int8Array.from([1, -1, 2, -2, 3, -3, 5, -5]);
    expect([...new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer)]).toEqual([2, -2]);
  });

  it('different quantization: 1/count folded into the multiplier (QuantizedMeanOrSum)', () => {
    const g = meanGraph('int8', [1, 3, 5, 2], [-3, 2], [1, 2], [
      [0.05, -4],
      [0.02, 6],
    ], false);
    const p = computeMeanQuantParams(g, g.ops[0]!) as MeanInt8Params;
    expect(p.mode).toBe('requantize');
    expect(p.axes).toEqual([1, 2]);
    expect(p.numElementsInAxis).toBe(15);
    const q = quantizeMultiplier(Math.fround(0.05) / Math.fround(0.02));
    const s = Math.min(3, 32, 31 + q.shift); // floor(log2(15)) = 3
    expect(p.multiplier).toBe(Math.trunc((q.multiplier * 2 ** s) / 15));
    expect(p.shift).toBe(q.shift - s);
    const x = Int8Array.from({ length: 30 }, (_, i) => (i * 53) % 256 - 128);
    const got = new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    for (let c = 0; c < 2; c++) {
      let sum = 0;
      for (let i = c; i < 30; i += 2) sum += x[i]!;
      const want = Math.max(-128, Math.min(127, refMbqm(sum - -4 * 15, p.multiplier, p.shift) + 6));
      expect(got[c]).toBe(want);
      // and it is the real mean to within one step
      const real = (0.05 * (sum + 4 * 15)) / 15 / 0.02 + 6;
      expect(Math.abs(got[c]! - Math.max(-128, Math.min(127, Math.round(real))))).toBeLessThanOrEqual(1);
    }
  });
});

describe('MEAN float32', () => {
  it('float32 running sum in input order, divided by the float32 count', () => {
    const g = meanGraph('float32', [2, 3], [0], [1, 3]);
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.7]);
    const got = new Float32Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    const fr = Math.fround;
    for (let c = 0; c < 3; c++) expect(got[c]).toBe(fr(fr(fr(0 + x[c]!) + x[c + 3]!) / 2));
  });

  it('reduces over all axes', () => {
    const g = meanGraph('float32', [2, 2], [0, 1], [], undefined, false);
    const got = new Float32Array(interpret(g, [bytesOf(Float32Array.from([1, 2, 3, 6]))]).outputs[0]!.buffer);
    expect([...got]).toEqual([3]);
  });
});
