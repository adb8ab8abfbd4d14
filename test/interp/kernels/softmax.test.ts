import { describe, expect, it } from 'vitest';
import { computeSoftmaxQuantParams, interpret, type SoftmaxQuantParams } from '../../../src/interp/index.js';
import { bytesOf, randInt, rng, singleOpGraph } from '../reference.js';

function int8Softmax(shape: number[], inScale: number, inZp: number, beta = 1, out: 'int8' | 'int16' = 'int8') {
  return singleOpGraph(
    'SOFTMAX',
    { beta },
    [{ dtype: 'int8', shape, scale: inScale, zeroPoint: inZp }],
    [out === 'int8' ? { dtype: 'int8', shape, scale: 1 / 256, zeroPoint: -128 } : { dtype: 'int16', shape, scale: 1 / 65536, zeroPoint: -32768 }],
  );
}

describe('SOFTMAX int8 (gemmlowp fixed point)', () => {
  it('approximates the real softmax within 1 LSB on random rows', () => {
    const r = rng(31);
    for (const [depth, scale] of [
      [4, 0.1],
      [10, 0.0625],
      [12, 0.25],
      [2, 0.02],
    ] as [number, number][]) {
      const rows = 5;
      const g = int8Softmax([rows, depth], scale, -3);
      const x = Int8Array.from({ length: rows * depth }, () => randInt(r, -128, 127));
      const got = new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
      for (let row = 0; row < rows; row++) {
        const vals = [...x.subarray(row * depth, (row + 1) * depth)].map((v) => (v + 3) * Math.fround(scale));
        const m = Math.max(...vals);
        const e = vals.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        e.forEach((v, c) => {
          const want = Math.min(127, Math.round((v / s) * 256) - 128);
          expect(Math.abs(got[row * depth + c]! - want), `depth ${depth} row ${row} col ${c}`).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('computes TFLM parameters: multiplier/shift from beta*scale*2^26, diff_min from the input radius', () => {
    const g = int8Softmax([1, 4], 0.25, 0);
    const p = computeSoftmaxQuantParams(g, g.ops[0]!) as SoftmaxQuantParams;
    // 0.25 * 2^26 = 2^24 -> Q0.31 2^30 with shift 25
    expect([p.inputMultiplier, p.inputLeftShift]).toEqual([2 ** 30, 25]);
    // floor(31 * 2^26 / 2^25) = 62
    expect(p.diffMin).toBe(-62);
  });

  it('gives exactly the type minimum below diff_min and saturates a certain class to 127', () => {
    const g = int8Softmax([1, 3], 0.25, 0);
    const out = interpret(g, [bytesOf(Int8Array.from([127, 64, -128]))]).outputs[0]!;
    // differences 0, -63 (< -62), -255: only the max survives, 1.0 saturates to 127
    expect([...new Int8Array(out.buffer)]).toEqual([127, -128, -128]);
  });

  it('uniform rows give 1/depth', () => {
    const g = int8Softmax([1, 4], 0.1, 0);
    const out = interpret(g, [bytesOf(Int8Array.from([7, 7, 7, 7]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([-64, -64, -64, -64]); // 0.25 * 256 - 128
  });

  it('int8 -> int16 output variant', () => {
    const g = int8Softmax([1, 4], 0.1, 0, 1, 'int16');
    const out = interpret(g, [bytesOf(Int8Array.from([7, 7, 7, 7]))]).outputs[0]!;
    expect([...new Int16Array(out.buffer)]).toEqual([-16384, -16384, -16384, -16384]);
  });

  it('rejects an int8 output not quantized as zero point -128, scale 1/256', () => {
    const g = singleOpGraph('SOFTMAX', { beta: 1 }, [{ dtype: 'int8', shape: [1, 2], scale: 0.1 }], [{ dtype: 'int8', shape: [1, 2], scale: 0.1 }]);
    expect(() => interpret(g, [new Uint8Array(2)])).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_TYPE' }));
  });
});

describe('SOFTMAX float32', () => {
  it('exp of (x - max) * beta, float32 sum, float32 division', () => {
    const x = Float32Array.from([1, 2, 3, -1, 0.5, 0.25]);
    const g = singleOpGraph('SOFTMAX', { beta: 0.5 }, [{ dtype: 'float32', shape: [2, 3] }], [{ dtype: 'float32', shape: [2, 3] }]);
    const got = new Float32Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    const fr = Math.fround;
    for (let row = 0; row < 2; row++) {
      const v = [...x.subarray(row * 3, row * 3 + 3)];
      const m = Math.max(...v);
      const e = v.map((a) => fr(Math.exp(fr(fr(a - m) * 0.5))));
      let s = 0;
      for (const a of e) s = fr(s + a);
      e.forEach((a, c) => expect(got[row * 3 + c]).toBe(fr(a / s)));
    }
  });
});
