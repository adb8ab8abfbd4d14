import { describe, expect, it } from 'vitest';
import { computeQuantizeParams, interpret, quantizeMultiplier } from '../../../src/interp/index.js';
import { bytesOf, refMbqm, singleOpGraph } from '../reference.js';

describe('QUANTIZE', () => {
  it('float32 -> int8: round(x / scale) half away from zero, plus zero point, clamped', () => {
    const g = singleOpGraph('QUANTIZE', {}, [{ dtype: 'float32', shape: [7] }], [{ dtype: 'int8', shape: [7], scale: 0.5, zeroPoint: -1 }]);
    const x = Float32Array.from([0.25, -0.25, 0.75, -0.75, 100, -100, Number.NaN]);
    const out = interpret(g, [bytesOf(x)]).outputs[0]!;
    // 0.5 -> 1, -0.5 -> -1, 1.5 -> 2, -1.5 -> -2, clamps, NaN -> 0 (saturating conversion)
    expect([...new Int8Array(out.buffer)]).toEqual([0, -2, 1, -3, 127, -128, -1]);
  });

  it('float32 -> int16', () => {
    const g = singleOpGraph('QUANTIZE', {}, [{ dtype: 'float32', shape: [3] }], [{ dtype: 'int16', shape: [3], scale: 1 / 1024, zeroPoint: 0 }]);
    const out = interpret(g, [bytesOf(Float32Array.from([1, -40, 0.0009765625 * 2.5]))]).outputs[0]!;
    expect([...new Int16Array(out.buffer)]).toEqual([1024, -32768, 3]);
  });

  it('int8 -> int8 requantization uses MultiplyByQuantizedMultiplier(s_in / s_out)', () => {
    const g = singleOpGraph(
      'QUANTIZE',
      {},
      [{ dtype: 'int8', shape: [256], scale: 0.3, zeroPoint: 4 }],
      [{ dtype: 'int8', shape: [256], scale: 0.7, zeroPoint: -9 }],
    );
    const p = computeQuantizeParams(g, g.ops[0]!);
    const q = quantizeMultiplier(Math.fround(0.3) / Math.fround(0.7));
    expect(p).toMatchObject({ kind: 'requantize', multiplier: q.multiplier, shift: q.shift });
    const x = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    const got = new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    x.forEach((v, i) => expect(got[i]).toBe(Math.max(-128, Math.min(127, refMbqm(v - 4, q.multiplier, q.shift) - 9))));
  });

  it('int8 -> uint8 with the same scale is a shift by 128', () => {
    const g = singleOpGraph(
      'QUANTIZE',
      {},
      [{ dtype: 'int8', shape: [3], scale: 0.1, zeroPoint: -128 }],
      [{ dtype: 'uint8', shape: [3], scale: 0.1, zeroPoint: 0 }],
    );
    const out = interpret(g, [bytesOf(Int8Array.from([-128, 0, 127]))]).outputs[0]!;
    expect([...out]).toEqual([0, 128, 255]);
  });

  it('rejects unsupported type pairs and per-channel outputs', () => {
    const g = singleOpGraph('QUANTIZE', {}, [{ dtype: 'int32', shape: [1], scale: 1 }], [{ dtype: 'int32', shape: [1], scale: 1 }]);
    expect(() => interpret(g, [new Uint8Array(4)])).toThrow(/int32 to int32 is not supported/);
    const h = singleOpGraph('QUANTIZE', {}, [{ dtype: 'float32', shape: [2] }], [{ dtype: 'int8', shape: [2], scale: [1, 2], zeroPoint: [0, 0] }]);
    expect(() => interpret(h, [new Uint8Array(8)])).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_TYPE' }));
  });
});

describe('DEQUANTIZE', () => {
  it('float32(scale) * (q - zero_point), one float32 product', () => {
    const g = singleOpGraph('DEQUANTIZE', {}, [{ dtype: 'int8', shape: [4], scale: 0.1, zeroPoint: 3 }], [{ dtype: 'float32', shape: [4] }]);
    const x = Int8Array.from([3, -128, 127, 0]);
    const got = new Float32Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    const s = Math.fround(0.1);
    expect([...got]).toEqual([0, Math.fround(s * -131), Math.fround(s * 124), Math.fround(s * -3)]);
  });

  it('int16 input', () => {
    const g = singleOpGraph('DEQUANTIZE', {}, [{ dtype: 'int16', shape: [2], scale: 0.5, zeroPoint: 0 }], [{ dtype: 'float32', shape: [2] }]);
    const got = new Float32Array(interpret(g, [bytesOf(Int16Array.from([-32768, 3]))]).outputs[0]!.buffer);
    expect([...got]).toEqual([-16384, 1.5]);
  });
});
