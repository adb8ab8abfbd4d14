import { describe, expect, it } from 'vitest';
import { computeAveragePoolParams, interpret } from '../../../src/interp/index.js';
import { bytesOf, singleOpGraph } from '../reference.js';

function pool(opcode: string, dtype: 'int8' | 'float32', inShape: number[], outShape: number[], options: Record<string, string | number>) {
  return singleOpGraph(
    opcode,
    options,
    [{ dtype, shape: inShape, ...(dtype === 'int8' ? { scale: 0.1, zeroPoint: 0 } : {}) }],
    [{ dtype, shape: outShape, ...(dtype === 'int8' ? { scale: 0.1, zeroPoint: 0 } : {}) }],
  );
}

describe('AVERAGE_POOL_2D int8', () => {
  it('rounds half away from zero, also for negative sums', () => {
    // 1x1x2x1 windows of 2: (1 + 2) / 2 = 1.5 -> 2; (-1 + -2) / 2 = -1.5 -> -2; (-1 + 0) -> -0.5 -> -1
    const g = pool('AVERAGE_POOL_2D', 'int8', [1, 1, 6, 1], [1, 1, 3, 1], { padding: 'VALID', strideH: 1, strideW: 2, filterHeight: 1, filterWidth: 2 });
    const out = interpret(g, [bytesOf(Int8Array.from([1, 2, -1, -2, -1, 0]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([2, -2, -1]);
  });

  it('SAME padding averages only the in-image points (the count shrinks at borders)', () => {
    // 3x3 input 1..9, 3x3 window, stride 1, SAME: corner = (1+2+4+5)/4 = 3, centre = 45/9 = 5
    const g = pool('AVERAGE_POOL_2D', 'int8', [1, 3, 3, 1], [1, 3, 3, 1], { padding: 'SAME', strideH: 1, strideW: 1, filterHeight: 3, filterWidth: 3 });
    const out = interpret(g, [bytesOf(Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]))]).outputs[0]!;
    // (12/4=3) (21/6=3.5->4) (16/4=4) (27/6=4.5->5) 5 (33/6=5.5->6) (24/4=6) (39/6=6.5->7) (28/4=7)
    expect([...new Int8Array(out.buffer)]).toEqual([3, 4, 4, 5, 5, 6, 6, 7, 7]);
  });

  it('clamps to the fused activation (RELU6 quantized with the output scale)', () => {
    const g = pool('AVERAGE_POOL_2D', 'int8', [1, 1, 2, 1], [1, 1, 1, 1], {
      padding: 'VALID',
      strideH: 1,
      strideW: 1,
      filterHeight: 1,
      filterWidth: 2,
      fusedActivationFunction: 'RELU6',
    });
    const p = computeAveragePoolParams(g, g.ops[0]!);
    expect([p.activationMin, p.activationMax]).toEqual([0, 60]);
    expect([...new Int8Array(interpret(g, [bytesOf(Int8Array.from([100, 90]))]).outputs[0]!.buffer)]).toEqual([60]);
    expect([...new Int8Array(interpret(g, [bytesOf(Int8Array.from([-100, 90]))]).outputs[0]!.buffer)]).toEqual([0]);
  });
});

describe('AVERAGE_POOL_2D float32', () => {
  it('divides the float32 sum by the float32 count', () => {
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.7]);
    const g = pool('AVERAGE_POOL_2D', 'float32', [1, 2, 2, 1], [1, 1, 1, 1], { padding: 'VALID', strideH: 2, strideW: 2, filterHeight: 2, filterWidth: 2 });
    const got = new Float32Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer);
    const fr = Math.fround;
    expect(got[0]).toBe(fr(fr(fr(fr(fr(0 + x[0]!) + x[1]!) + x[2]!) + x[3]!) / 4));
  });
});

describe('MAX_POOL_2D', () => {
  it('int8: SAME stride 2 with the padding at the end of an even size', () => {
    // 4x4, 3x3 window, stride 2, SAME: out 2x2, total padding 1 -> none before, one after.
    const x = Int8Array.from({ length: 16 }, (_, i) => (i * 37) % 23 - 11);
    const g = pool('MAX_POOL_2D', 'int8', [1, 4, 4, 1], [1, 2, 2, 1], { padding: 'SAME', strideH: 2, strideW: 2, filterHeight: 3, filterWidth: 3 });
    const got = [...new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer)];
    const want: number[] = [];
    for (let oy = 0; oy < 2; oy++)
      for (let ox = 0; ox < 2; ox++) {
        let m = -128;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy * 2 + ky;
            const ix = ox * 2 + kx;
            if (iy < 4 && ix < 4) m = Math.max(m, x[iy * 4 + ix]!);
          }
        want.push(m);
      }
    expect(got).toEqual(want);
  });

  it('float32 with two channels and RELU', () => {
    const x = Float32Array.from([-1, 5, -2, -6, -3, 7, -4, 8]); // 1x2x2x2
    const g = pool('MAX_POOL_2D', 'float32', [1, 2, 2, 2], [1, 1, 1, 2], {
      padding: 'VALID',
      strideH: 1,
      strideW: 1,
      filterHeight: 2,
      filterWidth: 2,
      fusedActivationFunction: 'RELU',
    });
    expect([...new Float32Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer)]).toEqual([0, 8]);
  });
});
