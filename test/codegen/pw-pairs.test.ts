/**
 * Pointwise CONV_2D with the filter packed in channel pairs (src/codegen/ops/conv_pairs.ts,
 * tp_conv_s8_params.pw_pairs in firmware/kernels/dsp/tp_pointwise_s8.h): chosen for the dsp
 * family only, and on the host (the dsp kernels emulated in C) bit-exact with the reference
 * interpreter over input depths 4-256, odd and even channel counts, more than one 64-channel
 * chunk, odd pixel counts, strides, batches, input zero points from -128 to 127, with and
 * without bias, fused activations; one build under ASan/UBSan. The assembly runs in QEMU in
 * test/e2e/fc-pairs.qemu.test.ts and the M4F goldens (person_detect, kws).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSources } from '../../src/codegen/generate.js';
import { lowerModel } from '../../src/codegen/lower.js';
import { PW_PAIRS_MIN_DEPTH, packPwPairs } from '../../src/codegen/ops/conv_pairs.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { Prng } from '../../src/util/prng.js';
import { expectDspHostBitExact } from '../helpers/host-dsp.js';
import { pwModel, type PwCase } from '../helpers/pairs-models.js';

export const PW_CASES: PwCase[] = [
  { batches: 1, h: 3, w: 3, inC: 4, outC: 2, stride: 1, inputZeroPoint: -128, bias: true, activation: 'RELU6' },
  { batches: 1, h: 2, w: 5, inC: 8, outC: 3, stride: 1, inputZeroPoint: 0, bias: false, activation: 'NONE' },
  { batches: 2, h: 5, w: 4, inC: 16, outC: 7, stride: 2, inputZeroPoint: 127, bias: true, activation: 'RELU' },
  { batches: 1, h: 3, w: 1, inC: 64, outC: 66, stride: 1, inputZeroPoint: 5, bias: true, activation: 'RELU6' },
  { batches: 1, h: 2, w: 2, inC: 256, outC: 130, stride: 1, inputZeroPoint: -1, bias: true, activation: 'NONE' },
  { batches: 1, h: 1, w: 3, inC: 12, outC: 9, stride: 1, inputZeroPoint: -128, bias: true, activation: 'RELU' },
];

const pwKernelPacked = (c: PwCase, family: 'plain' | 'dsp' | 'mve', packPairs?: boolean): boolean =>
  lowerModel(pwModel(c, 1), { prefix: 'm', source: 't', family, ...(packPairs !== undefined ? { packPairs } : {}) }).calls.some((k) => (k.params as Record<string, unknown>)['pw_pairs'] === '1');

describe('channel-pair packing of pointwise filters', () => {
  it('keeps every byte, flips the sign bit of the lo channel, leaves an odd last channel plain', () => {
    const rng = new Prng(5);
    const w = Int8Array.from({ length: 3 * 4 }, () => rng.int(-128, 127));
    const p = packPwPairs(w, 3, 4);
    const flip = (v: number): number => ((v ^ 0x80) << 24) >> 24;
    expect([...p.subarray(0, 8)]).toEqual([flip(w[4]!), w[0], flip(w[6]!), w[2], flip(w[5]!), w[1], flip(w[7]!), w[3]]);
    expect([...p.subarray(8)]).toEqual([...w.subarray(8)]);
  });

  it('interleaves quads of channels, then a last pair, then an odd last channel', () => {
    const rng = new Prng(6);
    const w = Int8Array.from({ length: 7 * 8 }, () => rng.int(-128, 127));
    const p = packPwPairs(w, 7, 8);
    const flip = (v: number): number => ((v ^ 0x80) << 24) >> 24;
    const e = (h: number, k: number): number[] => [flip(w[(h + 1) * 8 + k]!), w[h * 8 + k]!, flip(w[(h + 1) * 8 + k + 2]!), w[h * 8 + k + 2]!];
    const o = (h: number, k: number): number[] => e(h, k + 1);
    expect([...p.subarray(0, 16)]).toEqual([...e(0, 0), ...e(2, 0), ...o(0, 0), ...o(2, 0)]);
    expect([...p.subarray(16, 32)]).toEqual([...e(0, 4), ...e(2, 4), ...o(0, 4), ...o(2, 4)]);
    expect([...p.subarray(32, 48)]).toEqual([...e(4, 0), ...o(4, 0), ...e(4, 4), ...o(4, 4)]);
    expect([...p.subarray(48)]).toEqual([...w.subarray(48)]);
  });

  it('is used on dsp cores for pointwise layers with an input depth that is a multiple of 4, from PW_PAIRS_MIN_DEPTH (8) to 256', () => {
    const c = { ...PW_CASES[2]!, inC: 32 };
    expect(pwKernelPacked(c, 'dsp')).toBe(true);
    expect(pwKernelPacked(c, 'plain')).toBe(false);
    expect(pwKernelPacked(c, 'mve')).toBe(false);
    expect(pwKernelPacked(c, 'dsp', false)).toBe(false);
    expect(pwKernelPacked({ ...c, inC: PW_PAIRS_MIN_DEPTH - 4 }, 'dsp')).toBe(false);
    expect(pwKernelPacked({ ...c, inC: PW_PAIRS_MIN_DEPTH - 4 }, 'dsp', true)).toBe(true);
    expect(pwKernelPacked({ ...c, inC: 6 }, 'dsp', true)).toBe(false);
    expect(pwKernelPacked({ ...c, inC: 260 }, 'dsp', true)).toBe(false);
    expect(pwKernelPacked({ ...c, outC: 1 }, 'dsp', true)).toBe(false);
  });
});

const haveCc = hasTool('cc');
if (!haveCc) console.warn('[skip] channel-pair pointwise CONV_2D on the host: no C compiler (cc) on PATH');

describe.skipIf(!haveCc)('channel-pair pointwise CONV_2D on the host (dsp kernels emulated), bit-exact with the reference interpreter', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-pw-pairs-'));
  PW_CASES.forEach((c, i) => {
    it(`${c.batches}x${c.h}x${c.w}x${c.inC} -> ${c.outC}, stride ${c.stride}, input zero point ${c.inputZeroPoint}, ${c.bias ? 'bias' : 'no bias'}, ${c.activation}`, async () => {
      const graph = pwModel(c, 20 + i);
      const gen = generateSources(graph, { source: 'pw', toolVersion: 'test', family: 'dsp', packPairs: true });
      expect(gen.plan.calls.some((k) => (k.params as Record<string, unknown>)['pw_pairs'] === '1')).toBe(true);
      await expectDspHostBitExact(graph, gen, join(root, `case${i}`), 200 + i, i === 3);
    }, 120_000);
  });
});
