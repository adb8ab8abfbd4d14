import { describe, expect, it } from 'vitest';
import { broadcastShapes, computeConvOutputSize, computePadding, constantByteLengths } from '../../src/ir/shapes.js';

describe('TFLite shape formulas', () => {
  it.each([
    // inSize, filter, stride, dilation, padding, out, before, offset
    [96, 3, 2, 1, 'SAME', 48, 0, 1],
    [96, 3, 1, 1, 'SAME', 96, 1, 0],
    [5, 3, 2, 1, 'SAME', 3, 1, 0],
    [10, 3, 1, 1, 'VALID', 8, 0, 0],
    [5, 3, 2, 1, 'VALID', 2, 0, 0],
    [10, 3, 1, 2, 'VALID', 6, 0, 0],
    [10, 3, 1, 2, 'SAME', 10, 2, 0],
    [2, 5, 1, 1, 'VALID', 0, 0, 0],
    [49, 10, 2, 1, 'SAME', 25, 4, 1], // KWS DS-CNN first layer (time axis)
  ] as const)('in %i, filter %i, stride %i, dilation %i, %s -> %i', (inSize, filterSize, stride, dilation, padding, out, before, offset) => {
    expect(computeConvOutputSize({ inSize, filterSize, stride, dilation, padding })).toBe(out);
    expect(computePadding({ inSize, filterSize, stride, dilation, padding })).toEqual({ before, offset, outSize: out });
  });

  it('a zero stride gives 0 instead of dividing by zero', () => {
    expect(computeConvOutputSize({ inSize: 4, filterSize: 1, stride: 0, padding: 'SAME' })).toBe(0);
  });

  it('broadcasts like NumPy', () => {
    expect(broadcastShapes([1, 4, 4, 2], [2])).toEqual([1, 4, 4, 2]);
    expect(broadcastShapes([3, 1], [1, 4])).toEqual([3, 4]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([2], [3])).toBeNull();
  });

  it('constant byte lengths', () => {
    expect(constantByteLengths({ shape: [2, 3], dtype: 'int32' })).toEqual([24]);
    expect(constantByteLengths({ shape: [], dtype: 'float32' })).toEqual([4]);
    expect(constantByteLengths({ shape: [5], dtype: 'int4' })).toEqual([3, 5]);
    expect(constantByteLengths({ shape: [3], dtype: 'string' })).toBeNull();
  });
});
