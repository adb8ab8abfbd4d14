import { describe, expect, it } from 'vitest';
import { computeFullyConnectedParams, interpret, quantizeMultiplier } from '../../../src/interp/index.js';
import { bytesOf, randInt, refMbqm, rng, singleOpGraph } from '../reference.js';

describe('FULLY_CONNECTED int8', () => {
  it('hand case: per-tensor, zero points, bias and RELU', () => {
    // y = W (x - zp_in) + b, W = [[1, 2], [-3, 4], [0, -1]], scales giving a multiplier of 0.5.
    const w = Int8Array.from([1, 2, -3, 4, 0, -1]);
    const graph = singleOpGraph(
      'FULLY_CONNECTED',
      { fusedActivationFunction: 'RELU' },
      [
        { dtype: 'int8', shape: [1, 2], scale: 0.5, zeroPoint: 1 },
        { dtype: 'int8', shape: [3, 2], scale: 1, zeroPoint: 0, data: bytesOf(w) },
        { dtype: 'int32', shape: [3], scale: 0.5, data: bytesOf(Int32Array.from([10, 0, -4])) },
      ],
      [{ dtype: 'int8', shape: [1, 3], scale: 1, zeroPoint: -5 }],
    );
    const p = computeFullyConnectedParams(graph, graph.ops[0]!);
    if (p.kind !== 'int8') throw new Error('int8 expected');
    expect(p.perChannel).toBe(false);
    expect([p.outputMultiplier[0], p.outputShift[0]]).toEqual([2 ** 30, 0]);
    expect(p.activationMin).toBe(-5); // RELU: quantized 0 = zero point
    const x = Int8Array.from([5, -3]); // x - zp = [4, -4]
    const out = new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    // acc = [4 - 8 + 10, -12 - 16 + 0, 0 + 4 - 4] = [6, -28, 0]; * 0.5 = [3, -14, 0]; + zp -5
    expect([...out]).toEqual([-2, -5, -5]);
  });

  it('per-channel weights, several batches: matches the naive reference', () => {
    const r = rng(5);
    const [batches, depth, units] = [3, 17, 6];
    const scales = Array.from({ length: units }, () => 0.001 + 0.01 * r());
    const w = Int8Array.from({ length: units * depth }, () => randInt(r, -127, 127));
    const b = Int32Array.from({ length: units }, () => randInt(r, -3000, 3000));
    const x = Int8Array.from({ length: batches * depth }, () => randInt(r, -128, 127));
    const graph = singleOpGraph(
      'FULLY_CONNECTED',
      { fusedActivationFunction: 'NONE', keepNumDims: false },
      [
        { dtype: 'int8', shape: [batches, depth], scale: 0.07, zeroPoint: 9 },
        { dtype: 'int8', shape: [units, depth], scale: scales, zeroPoint: scales.map(() => 0), axis: 0, data: bytesOf(w) },
        { dtype: 'int32', shape: [units], scale: scales.map((s) => s * 0.07), data: bytesOf(b) },
      ],
      [{ dtype: 'int8', shape: [batches, units], scale: 0.11, zeroPoint: -3 }],
    );
    const p = computeFullyConnectedParams(graph, graph.ops[0]!);
    if (p.kind !== 'int8') throw new Error('int8 expected');
    expect(p.perChannel).toBe(true);
    const got = new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    for (let bi = 0; bi < batches; bi++)
      for (let u = 0; u < units; u++) {
        let acc = b[u]!;
        for (let d = 0; d < depth; d++) acc += w[u * depth + d]! * (x[bi * depth + d]! - 9);
        const q = quantizeMultiplier((Math.fround(0.07) * Math.fround(scales[u]!)) / Math.fround(0.11));
        expect(got[bi * units + u]).toBe(Math.max(-128, Math.min(127, refMbqm(acc, q.multiplier, q.shift) - 3)));
      }
  });

  it('per-tensor multiplier uses the float32 product of the scales (GetQuantizedConvolutionMultipler)', () => {
    const graph = singleOpGraph(
      'FULLY_CONNECTED',
      {},
      [
        { dtype: 'int8', shape: [1, 1], scale: 0.024480115622282028, zeroPoint: -128 },
        { dtype: 'int8', shape: [1, 1], scale: 0.0123456789, data: new Uint8Array(1) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 1], scale: 0.008290956728160381, zeroPoint: 5 }],
    );
    const p = computeFullyConnectedParams(graph, graph.ops[0]!);
    const [si, sw, so] = [Math.fround(0.024480115622282028), Math.fround(0.0123456789), Math.fround(0.008290956728160381)];
    const q = quantizeMultiplier(Math.fround(si * sw) / so);
    if (p.kind !== 'int8') throw new Error('int8 expected');
    expect([p.outputMultiplier[0], p.outputShift[0]]).toEqual([q.multiplier, q.shift]);
  });

  it('flattens a 4-D input into [batches, depth]', () => {
    const x = Int8Array.from({ length: 8 }, (_, i) => i);
    const graph = singleOpGraph(
      'FULLY_CONNECTED',
      {},
      [
        { dtype: 'int8', shape: [1, 2, 2, 2], scale: 1 },
        { dtype: 'int8', shape: [1, 8], scale: 1, data: bytesOf(new Int8Array(8).fill(1)) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 1], scale: 1 }],
    );
    expect([...new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer)]).toEqual([28]);
  });
});

describe('FULLY_CONNECTED float32', () => {
  it('rounds each product and running sum to float32, then adds the bias', () => {
    const r = rng(6);
    const depth = 33;
    const x = Float32Array.from({ length: depth }, () => r() * 4 - 2);
    const w = Float32Array.from({ length: 2 * depth }, () => r() * 4 - 2);
    const b = Float32Array.from([0.125, -1e-3]);
    const graph = singleOpGraph(
      'FULLY_CONNECTED',
      { fusedActivationFunction: 'RELU_N1_TO_1' },
      [
        { dtype: 'float32', shape: [1, depth] },
        { dtype: 'float32', shape: [2, depth], data: bytesOf(w) },
        { dtype: 'float32', shape: [2], data: bytesOf(b) },
      ],
      [{ dtype: 'float32', shape: [1, 2] }],
    );
    const got = new Float32Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    const f = new Float32Array(1);
    for (let u = 0; u < 2; u++) {
      f[0] = 0;
      for (let d = 0; d < depth; d++) f[0] = f[0]! + Math.fround(x[d]! * w[u * depth + d]!);
      f[0] = f[0]! + b[u]!;
      expect(got[u]).toBe(Math.min(1, Math.max(-1, f[0]!)));
    }
  });
});
