/**
 * FULLY_CONNECTED with weights packed in row pairs (src/codegen/ops/fc_pairs.ts,
 * firmware/kernels/dsp/tp_fully_connected_s8_pairs.c): chosen only for the dsp family, and on
 * the host (the dsp kernels emulated in C) bit-exact with the reference interpreter over row
 * counts with and without leftover rows, depths, batches, input zero points from -128 to 127,
 * per-tensor and per-channel weights including -128 and 127, fused activations; one build under
 * ASan/UBSan. On the cores themselves the QEMU goldens (M4F) run it: test/e2e/qemu-golden.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSources } from '../../src/codegen/generate.js';
import { lowerModel } from '../../src/codegen/lower.js';
import { FC_PAIRS_KERNEL, packFcPairs } from '../../src/codegen/ops/fc_pairs.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { FC_PAIRS_MIN_MACS } from '../../src/sparse/kernels.js';
import { Prng } from '../../src/util/prng.js';
import { expectDspHostBitExact } from '../helpers/host-dsp.js';
import { fcModel, type FcCase } from '../helpers/pairs-models.js';
import { producerIntoFc } from '../helpers/stream-models.js';

const CASES: FcCase[] = [
  { rows: 4, depth: 4, batches: 1, inputZeroPoint: -128, perChannel: true, activation: 'RELU' },
  { rows: 5, depth: 8, batches: 1, inputZeroPoint: 0, perChannel: true, activation: 'NONE' },
  { rows: 6, depth: 12, batches: 2, inputZeroPoint: 127, perChannel: false, activation: 'RELU6' },
  { rows: 7, depth: 20, batches: 1, inputZeroPoint: 5, perChannel: true, activation: 'NONE' },
  { rows: 13, depth: 36, batches: 3, inputZeroPoint: -128, perChannel: false, activation: 'RELU' },
  { rows: 16, depth: 784, batches: 1, inputZeroPoint: -128, perChannel: true, activation: 'RELU', rows2: 10 },
  { rows: 300, depth: 64, batches: 1, inputZeroPoint: -1, perChannel: true, activation: 'RELU', rows2: 8 },
];

describe('row-pair packing', () => {
  it('keeps every byte (a permutation, with the sign bit of every lo-row byte flipped)', () => {
    const rng = new Prng(3);
    const w = Int8Array.from({ length: 7 * 8 }, () => rng.int(-128, 127));
    const p = packFcPairs(w, 7, 8);
    const flip = (v: number): number => (v ^ 0x80) << 24 >> 24;
    // Block 0: rows 0 (hi), 1 (lo), 2 (hi), 3 (lo); step k = 0: pair (0, 1) words E, O, then pair (2, 3).
    expect([...p.subarray(0, 8)]).toEqual([flip(w[8]!), w[0], flip(w[10]!), w[2], flip(w[9]!), w[1], flip(w[11]!), w[3]]);
    expect([...p.subarray(8, 16)]).toEqual([flip(w[24]!), w[16], flip(w[26]!), w[18], flip(w[25]!), w[17], flip(w[27]!), w[19]]);
    // Rows 4..6 follow as they are.
    expect([...p.subarray(32)]).toEqual([...w.subarray(32)]);
    expect(() => packFcPairs(w, 7, 6)).toThrow(/cols % 4/);
  });

  it('is used for the dsp family only, by the layers with enough multiply-adds', () => {
    const kernels = (c: FcCase, family: 'plain' | 'dsp' | 'mve', packPairs?: boolean): string[] => lowerModel(fcModel(c, 1), { prefix: 'm', source: 't', family, ...(packPairs !== undefined ? { packPairs } : {}) }).kernels;
    const big = CASES[5]!; // 16x784 then 10x16
    expect(16 * 784).toBeGreaterThanOrEqual(FC_PAIRS_MIN_MACS);
    expect(10 * 16).toBeLessThan(FC_PAIRS_MIN_MACS);
    expect(kernels(big, 'dsp')).toEqual(expect.arrayContaining([FC_PAIRS_KERNEL, 'tp_fully_connected_s8']));
    expect(kernels(big, 'dsp', true)).not.toContain('tp_fully_connected_s8'); // forced: the 10x16 layer too
    expect(kernels(big, 'plain')).not.toContain(FC_PAIRS_KERNEL);
    expect(kernels(big, 'mve')).not.toContain(FC_PAIRS_KERNEL);
    expect(kernels(big, 'dsp', false)).not.toContain(FC_PAIRS_KERNEL);
    const small = CASES[1]!; // 5x8: below the threshold, unless forced
    expect(kernels(small, 'dsp')).not.toContain(FC_PAIRS_KERNEL);
    expect(kernels(small, 'dsp', true)).toContain(FC_PAIRS_KERNEL);
    // A depth that is not a multiple of 4 never fits.
    expect(kernels({ ...small, depth: 10 }, 'dsp', true)).not.toContain(FC_PAIRS_KERNEL);
    // A layer fed band by band keeps row-major weights.
    expect(lowerModel(producerIntoFc('max', 7), { prefix: 'm', source: 't', family: 'dsp', packPairs: true, stream: 2 }).kernels).not.toContain(FC_PAIRS_KERNEL);
  });

  it('costs no flash: the packed weights and folded bias are as many bytes as the originals', () => {
    const g = fcModel(CASES[4]!, 2);
    const bytes = (family: 'plain' | 'dsp'): number => lowerModel(g, { prefix: 'm', source: 't', family, packPairs: true }).consts.filter((a) => a.role === 'weights' || a.role === 'bias').reduce((s, a) => s + a.bytes, 0);
    expect(bytes('dsp')).toBe(bytes('plain'));
  });
});

const haveCc = hasTool('cc');
if (!haveCc) console.warn('[skip] row-pair FULLY_CONNECTED on the host: no C compiler (cc) on PATH');

describe.skipIf(!haveCc)('row-pair FULLY_CONNECTED on the host (dsp kernels emulated), bit-exact with the reference interpreter', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-fc-pairs-'));
  CASES.forEach((c, i) => {
    it(`${c.rows}x${c.depth}${c.rows2 ? ` then ${c.rows2}` : ''}, ${c.batches} batch(es), input zero point ${c.inputZeroPoint}, ${c.perChannel ? 'per-channel' : 'per-tensor'}, ${c.activation}`, async () => {
      const graph = fcModel(c, 10 + i);
      const gen = generateSources(graph, { source: 'fc', toolVersion: 'test', family: 'dsp', packPairs: true });
      expect(gen.plan.kernels).toContain(FC_PAIRS_KERNEL);
      await expectDspHostBitExact(graph, gen, join(root, `case${i}`), 100 + i, i === 3);
    }, 120_000);
  });
});
