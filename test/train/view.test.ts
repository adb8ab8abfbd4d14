import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.js';
import { createTrainable, disposeTrainable, forward, setMask, toGraph, weightLayers, paramValues } from '../../src/train/view.js';
import { lenet300100, lenet5, tinyDigitsCnn } from '../../src/train/models.js';
import { evaluate, train } from '../../src/train/train.js';
import { interpret } from '../../src/interp/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { Prng } from '../../src/util/prng.js';
import { quadrants } from './quadrants.js';
import { f32Bytes } from '../../src/train/tensor_data.js';

await initBackend('wasm');

function floatsOf(b: Uint8Array): Float32Array {
  return new Float32Array(b.slice().buffer);
}

describe('trainable view', () => {
  it('forward matches the reference interpreter on our float models', () => {
    for (const g of [tinyDigitsCnn(3), lenet300100(2), lenet5(2)]) {
      verifyGraph(g);
      const m = createTrainable(g);
      const shape = g.tensors[g.inputs[0]!]!.shape;
      const n = shape.reduce((a, b) => a * b, 1);
      const r = new Prng(9);
      const x = Float32Array.from({ length: n }, () => r.next());
      const ours = tf.tidy(() => forward(m, tf.tensor(x, shape)).y.dataSync() as Float32Array);
      const ref = floatsOf(interpret(toGraph(m), [f32Bytes(x)]).outputs[0]!);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThan(1e-5);
      disposeTrainable(m);
    }
  });

  it('dequantizes an int8 model and stays close to its int8 outputs', () => {
    const g = synthDigitsCnn(1);
    const m = createTrainable(g);
    expect(m.graph.tensors.every((t) => t.dtype !== 'int8')).toBe(true);
    const inT = g.tensors[g.inputs[0]!]!;
    const r = new Prng(4);
    const q = Int8Array.from({ length: 64 }, () => r.int(-128, 127));
    const real = Float32Array.from(q, (v) => inT.quant!.scale[0]! * (v - inT.quant!.zeroPoint[0]!));
    const out = interpret(g, [new Uint8Array(q.buffer)]).outputs[0]!;
    const oq = g.tensors[g.outputs[0]!]!.quant!;
    const ref = Array.from(new Int8Array(out.buffer, out.byteOffset, out.length), (v) => oq.scale[0]! * (v - oq.zeroPoint[0]!));
    const ours = tf.tidy(() => forward(m, tf.tensor(real, [1, 8, 8, 1])).y.dataSync());
    for (let i = 0; i < ref.length; i++) expect(Math.abs(ours[i]! - ref[i]!)).toBeLessThan(0.05);
    disposeTrainable(m);
  });

  it('trains (loss falls, accuracy rises) and keeps masked weights exactly zero', () => {
    const m = createTrainable(tinyDigitsCnn(1));
    const data = quadrants(256, 1);
    const before = evaluate(m, data);
    const fc = weightLayers(m.graph).find((l) => l.name === 'fc6/weights')!;
    const mask = Float32Array.from({ length: 32 * 128 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    setMask(m, fc.weight, mask);
    const res = train(m, data, { epochs: 3, learningRate: 3e-3, batchSize: 32, seed: 1 });
    expect(res.history[2]!.loss).toBeLessThan(res.history[0]!.loss);
    expect(evaluate(m, data)).toBeGreaterThan(Math.max(before, 0.6));
    const w = paramValues(m, fc.weight);
    for (let i = 0; i < w.length; i += 3) expect(w[i]).toBe(0);
    const g = toGraph(m);
    verifyGraph(g);
    // No tensor leaks per step (assign() + masks): a second run leaves memory where it was.
    train(m, data, { epochs: 1, learningRate: 3e-3, batchSize: 32, seed: 2 });
    const before2 = tf.memory().numBytes;
    train(m, data, { epochs: 2, learningRate: 3e-3, batchSize: 32, seed: 3 });
    expect(tf.memory().numBytes).toBe(before2);
    disposeTrainable(m);
  });
});
