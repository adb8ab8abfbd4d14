/** The per-kernel profiler behind bench:pruning:speed --profile. */
import { describe, expect, it } from 'vitest';
import { getKernel } from '@tensorflow/tfjs-core';
import { initBackend, tf } from '../../src/train/backend.js';
import { profileKernels } from '../../src/train/kernel_profile.js';

describe('profileKernels', () => {
  it('charges each call to its kernel and shapes, then puts the kernels back', async () => {
    await initBackend('wasm');
    const before = getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const p = profileKernels('wasm');
    const a = tf.ones([4, 3]);
    const b = tf.ones([5, 3]);
    const y = tf.matMul(a, b, false, true); // our BatchMatMul calls Transpose inside
    expect(Array.from(y.dataSync())).toEqual(new Array(20).fill(3));
    const lines = p.report(1);
    expect(lines[0]).toMatch(/^kernels [\d.]+ ms per step in all$/);
    expect(lines.some((l) => /1x {2}BatchMatMul \[4,3\] \[5,3\]$/.test(l))).toBe(true);
    expect(lines.some((l) => /Transpose \[5,3\]$/.test(l))).toBe(true);
    p.reset();
    expect(p.report(1)).toEqual(['kernels 0.0 ms per step in all']);
    p.stop();
    expect(getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(before);
    tf.dispose([a, b, y]);
  });
});
