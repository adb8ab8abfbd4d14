/** RESHAPE, CONCATENATION, PAD/PADV2: data movement, no arithmetic. */
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../src/interp/index.js';
import { bytesOf, singleOpGraph } from '../reference.js';

describe('RESHAPE', () => {
  it('copies the bytes; only the element count has to agree', () => {
    const g = singleOpGraph(
      'RESHAPE',
      { newShape: [-1, 6] },
      [{ dtype: 'int8', shape: [1, 2, 3], scale: 1 }, { dtype: 'int32', shape: [2], data: bytesOf(Int32Array.from([-1, 6])) }],
      [{ dtype: 'int8', shape: [1, 6], scale: 1 }],
    );
    const x = Int8Array.from([1, -2, 3, -4, 5, -6]);
    expect([...new Int8Array(interpret(g, [bytesOf(x)]).outputs[0]!.buffer)]).toEqual([...x]);
  });

  it('rejects different element counts', () => {
    const g = singleOpGraph('RESHAPE', {}, [{ dtype: 'float32', shape: [2, 3] }], [{ dtype: 'float32', shape: [5] }]);
    expect(() => interpret(g, [new Uint8Array(24)])).toThrow(expect.objectContaining({ code: 'E_IR_INVALID' }));
  });
});

describe('CONCATENATION', () => {
  it('concatenates along the channel axis (negative axis)', () => {
    const g = singleOpGraph(
      'CONCATENATION',
      { axis: -1, fusedActivationFunction: 'NONE' },
      [
        { dtype: 'int8', shape: [1, 2, 1], scale: 0.5, zeroPoint: 1 },
        { dtype: 'int8', shape: [1, 2, 2], scale: 0.5, zeroPoint: 1 },
      ],
      [{ dtype: 'int8', shape: [1, 2, 3], scale: 0.5, zeroPoint: 1 }],
    );
    const out = interpret(g, [bytesOf(Int8Array.from([1, 2])), bytesOf(Int8Array.from([10, 11, 20, 21]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([1, 10, 11, 2, 20, 21]);
  });

  it('concatenates float32 along axis 0', () => {
    const g = singleOpGraph(
      'CONCATENATION',
      { axis: 0 },
      [
        { dtype: 'float32', shape: [1, 2] },
        { dtype: 'float32', shape: [2, 2] },
      ],
      [{ dtype: 'float32', shape: [3, 2] }],
    );
    const out = interpret(g, [bytesOf(Float32Array.from([1, 2])), bytesOf(Float32Array.from([3, 4, 5, 6]))]).outputs[0]!;
    expect([...new Float32Array(out.buffer)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses inputs quantized differently from the output (TFLM does not requantize)', () => {
    const g = singleOpGraph(
      'CONCATENATION',
      { axis: 1 },
      [
        { dtype: 'int8', shape: [1, 1], scale: 0.5 },
        { dtype: 'int8', shape: [1, 1], scale: 0.25 },
      ],
      [{ dtype: 'int8', shape: [1, 2], scale: 0.5 }],
    );
    expect(() => interpret(g, [new Uint8Array(1), new Uint8Array(1)])).toThrow(/quantized differently/);
  });
});

describe('PAD / PADV2', () => {
  const paddings = (p: number[]) => ({ dtype: 'int32' as const, shape: [p.length / 2, 2], data: bytesOf(Int32Array.from(p)) });

  it('PAD int8 fills with the output zero point (real 0)', () => {
    const g = singleOpGraph(
      'PAD',
      {},
      [{ dtype: 'int8', shape: [1, 2, 2, 1], scale: 0.1, zeroPoint: -7 }, paddings([0, 0, 1, 0, 0, 1, 0, 0])],
      [{ dtype: 'int8', shape: [1, 3, 3, 1], scale: 0.1, zeroPoint: -7 }],
    );
    const out = interpret(g, [bytesOf(Int8Array.from([1, 2, 3, 4]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([-7, -7, -7, 1, 2, -7, 3, 4, -7]);
  });

  it('PAD float32 fills with 0', () => {
    const g = singleOpGraph('PAD', {}, [{ dtype: 'float32', shape: [2] }, paddings([2, 1])], [{ dtype: 'float32', shape: [5] }]);
    const out = interpret(g, [bytesOf(Float32Array.from([1.5, -2]))]).outputs[0]!;
    expect([...new Float32Array(out.buffer)]).toEqual([0, 0, 1.5, -2, 0]);
  });

  it('PADV2 uses constant_values', () => {
    const g = singleOpGraph(
      'PADV2',
      {},
      [
        { dtype: 'int8', shape: [1, 2], scale: 0.1, zeroPoint: 0 },
        paddings([1, 0, 0, 2]),
        { dtype: 'int8', shape: [], scale: 0.1, zeroPoint: 0, data: bytesOf(Int8Array.from([-99])) },
      ],
      [{ dtype: 'int8', shape: [2, 4], scale: 0.1, zeroPoint: 0 }],
    );
    const out = interpret(g, [bytesOf(Int8Array.from([5, 6]))]).outputs[0]!;
    expect([...new Int8Array(out.buffer)]).toEqual([-99, -99, -99, -99, 5, 6, -99, -99]);
  });

  it('rejects paddings that disagree with the output shape', () => {
    const g = singleOpGraph('PAD', {}, [{ dtype: 'float32', shape: [2] }, paddings([1, 1])], [{ dtype: 'float32', shape: [5] }]);
    expect(() => interpret(g, [new Uint8Array(8)])).toThrow(/output dim 0 is 5/);
  });
});
