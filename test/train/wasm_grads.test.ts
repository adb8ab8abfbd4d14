/**
 * Our WASM gradient kernels against the CPU backend's own: the same conv/depthwise forward,
 * the same upstream gradient, gradients compared element by element (float tolerance: the two
 * backends sum in different orders).
 */
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.js';
import { Prng } from '../../src/util/prng.js';
import { PATCH_SCRATCH } from '../../src/train/wasm/im2col.js';

function rand(shape: number[], seed: number): Float32Array {
  const r = new Prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => r.normal());
}

type Case = { x: number[]; w: number[]; stride: number; pad: 'same' | 'valid'; dil: number };

async function grads(backend: 'cpu' | 'wasm', kind: 'conv' | 'dw', c: Case): Promise<{ dx: Float32Array; dw: Float32Array; y: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(rand(c.x, 1), c.x as [number, number, number, number]);
    const w = tf.tensor4d(rand(c.w, 2), c.w as [number, number, number, number]);
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Tensor4D =>
      kind === 'conv' ? tf.conv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dil) : tf.depthwiseConv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dil);
    const y = f(x, w);
    const dy = tf.tensor(rand(y.shape, 3), y.shape);
    const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor4D, ww as tf.Tensor4D), dy)));
    const [dx, dw] = g([x, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array, y: y.dataSync() as Float32Array };
  });
}

function close(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst).toBeLessThan(1e-4);
}

const CASES: Case[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same', dil: 1 }, // dW by channel-major patches
  { x: [3, 12, 12, 6], w: [5, 5, 6, 7], stride: 1, pad: 'valid', dil: 1 }, // likewise (LeNet-5 conv2 shape)
  { x: [2, 7, 7, 8], w: [3, 3, 8, 4], stride: 1, pad: 'same', dil: 1 }, // dW as a convolution (rows of 7)
  { x: [2, 10, 10, 1], w: [3, 3, 1, 4], stride: 1, pad: 'same', dil: 1 }, // dW directly from a zero-padded copy
  { x: [2, 6, 6, 16], w: [1, 1, 16, 32], stride: 1, pad: 'valid', dil: 1 }, // dW directly, one tap a pass (8 groups of 4)
  { x: [2, 12, 12, 1], w: [5, 5, 1, 8], stride: 1, pad: 'valid', dil: 1 }, // dW directly (few taps, no padding)
  { x: [3, 10, 7, 2], w: [5, 5, 2, 3], stride: 2, pad: 'valid', dil: 1 },
  { x: [2, 8, 8, 5], w: [3, 3, 5, 2], stride: 2, pad: 'same', dil: 1 },
];
const DW_CASES: Case[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 1], stride: 1, pad: 'same', dil: 1 },
  { x: [2, 9, 8, 6], w: [3, 3, 6, 1], stride: 2, pad: 'same', dil: 1 }, // one output per channel: the SIMD loops, a group of four and a tail
  { x: [3, 14, 14, 16], w: [3, 3, 16, 1], stride: 1, pad: 'same', dil: 1 }, // mnist-dscnn's depthwise layer
  { x: [2, 10, 7, 4], w: [3, 3, 4, 2], stride: 2, pad: 'same', dil: 1 },
  { x: [1, 11, 11, 2], w: [5, 5, 2, 3], stride: 1, pad: 'valid', dil: 1 }, // TF.js's own depthwise gradient refuses dilation > 1
];

async function matMulGrads(backend: 'cpu' | 'wasm', ta: boolean, tb: boolean, [m, k, n]: number[] = [7, 5, 6]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.tensor2d(rand([m!, k!], 4), ta ? [k!, m!] : [m!, k!]);
    const b = tf.tensor2d(rand([k!, n!], 5), tb ? [n!, k!] : [k!, n!]);
    const f = (aa: tf.Tensor, bb: tf.Tensor): tf.Tensor => tf.matMul(aa, bb, ta, tb);
    const dy = tf.tensor(rand([m!, n!], 6), [m!, n!]);
    const [da, db] = tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(aa, bb), dy)))([a, b]);
    return [f(a, b), da!, db!].map((t) => t.dataSync() as Float32Array);
  });
}

async function maxPoolGrads(backend: 'cpu' | 'wasm', filter: number, stride: number, pad: 'same' | 'valid'): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    // Rounded values make ties, which must go to the same (first) position as on CPU.
    const x = tf.tensor4d(rand([2, 7, 9, 3], 7).map((v) => Math.round(v * 2)), [2, 7, 9, 3]);
    const y = tf.maxPool(x, filter, stride, pad);
    const dy = tf.tensor(rand(y.shape, 8), y.shape);
    return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, filter, stride, pad), dy)))(x).dataSync() as Float32Array;
  });
}

describe('WASM training kernels match the CPU backend', async () => {
  const info = await initBackend('wasm');
  it('registers on wasm', () => {
    expect(info.name).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
  for (const c of CASES) {
    it(`conv2d x=${c.x} w=${c.w} stride ${c.stride} ${c.pad}`, async () => {
      const cpu = await grads('cpu', 'conv', c);
      const wasm = await grads('wasm', 'conv', c);
      close(wasm.y, cpu.y);
      close(wasm.dw, cpu.dw);
      close(wasm.dx, cpu.dx);
    });
  }
  it('conv2d gradients in several image chunks (small scratch bound) equal the CPU backend', async () => {
    const c: Case = { x: [5, 9, 9, 2], w: [3, 3, 2, 3], stride: 2, pad: 'same', dil: 1 };
    const saved = PATCH_SCRATCH.maxFloats;
    PATCH_SCRATCH.maxFloats = 2 * 5 * 5 * 3 * 3 * 2; // two images per chunk: chunks of 2, 2, 1
    try {
      const cpu = await grads('cpu', 'conv', c);
      const wasm = await grads('wasm', 'conv', c);
      close(wasm.dw, cpu.dw);
      close(wasm.dx, cpu.dx);
    } finally {
      PATCH_SCRATCH.maxFloats = saved;
    }
  });
  for (const c of DW_CASES) {
    it(`depthwise x=${c.x} w=${c.w} stride ${c.stride} ${c.pad} dilation ${c.dil}`, async () => {
      const cpu = await grads('cpu', 'dw', c);
      const wasm = await grads('wasm', 'dw', c);
      close(wasm.y, cpu.y);
      close(wasm.dw, cpu.dw);
      close(wasm.dx, cpu.dx);
    });
  }
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`matMul transposeA=${ta} transposeB=${tb} and its gradients`, async () => {
      const cpu = await matMulGrads('cpu', ta, tb);
      const wasm = await matMulGrads('wasm', ta, tb);
      for (let i = 0; i < 3; i++) close(wasm[i]!, cpu[i]!);
    });
  }
  it('matMul a·bᵀ with a much smaller than b (computed as (b·aᵀ)ᵀ) and its gradients', async () => {
    const cpu = await matMulGrads('cpu', false, true, [3, 20, 12]);
    const wasm = await matMulGrads('wasm', false, true, [3, 20, 12]);
    for (let i = 0; i < 3; i++) close(wasm[i]!, cpu[i]!);
  });
  for (const [filter, stride, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same']] as const) {
    it(`maxPool ${filter}x${filter} stride ${stride} ${pad} gradient`, async () => {
      close(await maxPoolGrads('wasm', filter, stride, pad), await maxPoolGrads('cpu', filter, stride, pad));
    });
  }
});
