import { describe, expect, it } from 'vitest';
import {
  addInt8Element,
  computeAddQuantParams,
  computeMulQuantParams,
  interpret,
  mulInt8Element,
  type AddInt8Params,
  type MulInt8Params,
} from '../../../src/interp/index.js';
import { bytesOf, randInt, rng, singleOpGraph } from '../reference.js';

function binary(opcode: 'ADD' | 'MUL', dtype: 'int8' | 'float32', a: number[], b: number[], o: number[], q?: [number, number][], act = 'NONE') {
  const qs = (i: number) => (dtype === 'int8' && q ? { scale: q[i]![0], zeroPoint: q[i]![1] } : {});
  return singleOpGraph(
    opcode,
    { fusedActivationFunction: act },
    [
      { dtype, shape: a, ...qs(0) },
      { dtype, shape: b, ...qs(1) },
    ],
    [{ dtype, shape: o, ...qs(2) }],
  );
}

/** numpy-style broadcast reference: output index -> input indices. */
function broadcastIndex(out: number[], shape: number[], flat: number): number {
  const idx: number[] = [];
  let rem = flat;
  for (let d = out.length - 1; d >= 0; d--) {
    idx.unshift(rem % out[d]!);
    rem = Math.floor(rem / out[d]!);
  }
  let off = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const od = out.length - shape.length + d;
    off += (shape[d] === 1 ? 0 : idx[od]!) * stride;
    stride *= shape[d]!;
  }
  return off;
}

describe('ADD int8', () => {
  it('hand case: scales 0.5 + 0.5 -> 1 (left shift 20, ties away from zero)', () => {
    const g = binary('ADD', 'int8', [1, 4], [1, 4], [1, 4], [
      [0.5, 0],
      [0.5, 0],
      [1, 0],
    ]);
    const p = computeAddQuantParams(g, g.ops[0]!) as AddInt8Params;
    expect(p.leftShift).toBe(20);
    expect([p.input1Multiplier, p.input1Shift, p.outputMultiplier, p.outputShift]).toEqual([2 ** 30, 0, 2 ** 30, -19]);
    const out = interpret(g, [bytesOf(Int8Array.from([3, -3, 100, 1])), bytesOf(Int8Array.from([4, -4, 100, 0]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([4, -4, 100, 1]); // 3.5 -> 4, -3.5 -> -4, 100, 0.5 -> 1
  });

  it('different input scales and zero points approximate real addition within 1 LSB', () => {
    const g = binary('ADD', 'int8', [64], [64], [64], [
      [0.05, -7],
      [0.13, 12],
      [0.17, 3],
    ]);
    const r = rng(21);
    const a = Int8Array.from({ length: 64 }, () => randInt(r, -128, 127));
    const b = Int8Array.from({ length: 64 }, () => randInt(r, -128, 127));
    const got = new Int8Array(interpret(g, [bytesOf(a), bytesOf(b)]).outputs[0]!.buffer);
    for (let i = 0; i < 64; i++) {
      const real = 0.05 * (a[i]! + 7) + 0.13 * (b[i]! - 12);
      const want = Math.max(-128, Math.min(127, Math.round(real / 0.17) + 3));
      expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(1);
    }
  });

  for (const [a, b] of [
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
    [
      [1, 2, 2, 3],
      [3],
    ],
    [[1], [2, 3]],
    [
      [4, 1],
      [1, 1, 5],
    ],
  ] as [number[], number[]][]) {
    it(`broadcasts [${a}] + [${b}]`, () => {
      const rank = Math.max(a.length, b.length);
      const out: number[] = [];
      for (let i = 0; i < rank; i++) out.push(Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
      const g = binary('ADD', 'int8', a, b, out, [
        [0.1, 1],
        [0.2, -2],
        [0.25, 0],
      ]);
      const p = computeAddQuantParams(g, g.ops[0]!) as AddInt8Params;
      expect(p.requiresBroadcast).toBe(true);
      const r = rng(a.length * 10 + b.length);
      const na = a.reduce((x, y) => x * y, 1);
      const nb = b.reduce((x, y) => x * y, 1);
      const x = Int8Array.from({ length: na }, () => randInt(r, -128, 127));
      const y = Int8Array.from({ length: nb }, () => randInt(r, -128, 127));
      const got = new Int8Array(interpret(g, [bytesOf(x), bytesOf(y)]).outputs[0]!.buffer);
      const n = out.reduce((u, v) => u * v, 1);
      expect(got.length).toBe(n);
      for (let o = 0; o < n; o++) {
        expect(got[o]).toBe(addInt8Element(p, x[broadcastIndex(out, a, o)]!, y[broadcastIndex(out, b, o)]!));
      }
    });
  }

  it('float32: one rounded addition then RELU', () => {
    const g = binary('ADD', 'float32', [3], [3], [3], undefined, 'RELU');
    const a = Float32Array.from([0.1, -5, 1e30]);
    const b = Float32Array.from([0.2, 1, 1e30]);
    const got = new Float32Array(interpret(g, [bytesOf(a), bytesOf(b)]).outputs[0]!.buffer);
    expect([...got]).toEqual([Math.fround(a[0]! + b[0]!), 0, Math.fround(2e30)]);
  });
});

describe('MUL int8', () => {
  it('hand case: (x - zp1)(y - zp2) requantized with s1*s2/so', () => {
    const g = binary('MUL', 'int8', [3], [3], [3], [
      [0.5, 1],
      [0.5, 0],
      [0.25, -10],
    ]);
    const p = computeMulQuantParams(g, g.ops[0]!) as MulInt8Params;
    expect([p.outputMultiplier, p.outputShift]).toEqual([2 ** 30, 1]); // 1.0
    const out = interpret(g, [bytesOf(Int8Array.from([3, -100, 127])), bytesOf(Int8Array.from([-5, -100, 127]))]).outputs[0]!;
    // (2)(-5) = -10 -> -20; (-101)(-100) = 10100 -> clamp 127; (126)(127) -> 127
    expect([...new Int8Array(out.buffer)]).toEqual([-20, 127, 127]);
  });

  it('broadcasts a per-channel scale vector [1, 2, 2, 3] * [3]', () => {
    const g = binary('MUL', 'int8', [1, 2, 2, 3], [3], [1, 2, 2, 3], [
      [0.02, 0],
      [0.01, 5],
      [0.003, -1],
    ]);
    const p = computeMulQuantParams(g, g.ops[0]!) as MulInt8Params;
    const x = Int8Array.from({ length: 12 }, (_, i) => i * 9 - 50);
    const y = Int8Array.from([20, -30, 100]);
    const got = new Int8Array(interpret(g, [bytesOf(x), bytesOf(y)]).outputs[0]!.buffer);
    for (let i = 0; i < 12; i++) expect(got[i]).toBe(mulInt8Element(p, x[i]!, y[i % 3]!));
  });

  it('float32 with RELU6', () => {
    const g = binary('MUL', 'float32', [2, 1], [3], [2, 3], undefined, 'RELU6');
    const a = Float32Array.from([0.5, 3]);
    const b = Float32Array.from([-1, 1.1, 4]);
    const got = [...new Float32Array(interpret(g, [bytesOf(a), bytesOf(b)]).outputs[0]!.buffer)];
    expect(got).toEqual([0, Math.fround(0.5 * Math.fround(1.1)), 2, 0, Math.fround(3 * Math.fround(1.1)), 6]);
  });
});
