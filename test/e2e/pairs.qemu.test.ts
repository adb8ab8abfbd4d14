/**
 * The pair-packed kernels in their assembly form on a Cortex-M4F in QEMU, chosen by the build
 * itself: the row-pair FULLY_CONNECTED (firmware/kernels/dsp/tp_fully_connected_s8_pairs.c) for
 * the layers large enough to gain, next to the row-major kernel for the others, and the
 * channel-pair pointwise CONV_2D (tp_pointwise_s8.h). Outputs byte-identical with the reference
 * interpreter.
 * Covered: leftover rows after the 4-row blocks, depths with a 4-byte step after the 8-byte
 * loop, batches, a non-zero input zero point, per-tensor and per-channel weights with -128/127;
 * the packed pointwise quads with every remainder of their 8-step loop, a last pair and an odd
 * last channel.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/build/build.js';
import { FC_PAIRS_KERNEL } from '../../src/codegen/ops/fc_pairs.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { runBuild } from '../../src/run/run.js';
import { writeTflite } from '../../src/tflite/write.js';
import { pairsInputs } from '../helpers/host-dsp.js';
import { fcModel, pwModel, type FcCase, type PwCase } from '../helpers/pairs-models.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] row-pair FULLY_CONNECTED in QEMU: arm-none-eabi-gcc or qemu-system-arm missing');

const CASES: FcCase[] = [
  { rows: 13, depth: 348, batches: 2, inputZeroPoint: 5, perChannel: false, activation: 'RELU', rows2: 7 },
  { rows: 64, depth: 784, batches: 1, inputZeroPoint: -128, perChannel: true, activation: 'RELU6', rows2: 10 },
];

const PW_CASES: PwCase[] = [
  { batches: 1, h: 5, w: 3, inC: 64, outC: 67, stride: 1, inputZeroPoint: -128, bias: true, activation: 'RELU6' },
  { batches: 2, h: 4, w: 5, inC: 36, outC: 12, stride: 2, inputZeroPoint: 9, bias: false, activation: 'NONE' },
  // The packed quads' loop entered 4 and 6 lane steps before its end (36 above: 2; 64: 0).
  { batches: 1, h: 3, w: 3, inC: 40, outC: 6, stride: 1, inputZeroPoint: -3, bias: true, activation: 'RELU' },
  { batches: 1, h: 2, w: 3, inC: 44, outC: 9, stride: 1, inputZeroPoint: 100, bias: true, activation: 'NONE' },
];

async function sameAsInterpreter(graph: ReturnType<typeof fcModel>, dir: string, seed: number): Promise<void> {
  for (const input of pairsInputs(graph, seed)) {
    const want = interpret(graph, [input]).outputs[0]!;
    const r = await runBuild({ dir, board: 'mps2-an386', input });
    expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(want))).toBe(true);
  }
}

describe.skipIf(!haveTools)('pair-packed kernels in QEMU (mps2-an386)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-fc-pairs-qemu-'));
  CASES.forEach((c, i) => {
    it(`${c.rows}x${c.depth} then ${c.rows2}x${c.rows}, ${c.batches} batch(es): byte-identical with the interpreter`, async () => {
      const graph = fcModel(c, 40 + i);
      const modelPath = join(root, `fc${i}.tflite`);
      writeFileSync(modelPath, writeTflite(graph));
      const dir = join(root, `fc${i}`);
      const report = await buildModel({ modelPath, board: 'mps2-an386', emulate: false, outDir: dir, toolVersion: 'test' });
      expect(report.kernels).toContain(FC_PAIRS_KERNEL);
      await sameAsInterpreter(graph, dir, 70 + i);
    }, 600_000);
  });
  PW_CASES.forEach((c, i) => {
    it(`pointwise ${c.batches}x${c.h}x${c.w}x${c.inC} -> ${c.outC}, stride ${c.stride}: packed, byte-identical with the interpreter`, async () => {
      const graph = pwModel(c, 60 + i);
      const modelPath = join(root, `pw${i}.tflite`);
      writeFileSync(modelPath, writeTflite(graph));
      const dir = join(root, `pw${i}`);
      await buildModel({ modelPath, board: 'mps2-an386', emulate: false, outDir: dir, toolVersion: 'test' });
      expect(readFileSync(join(dir, 'lib', 'tp_model.c'), 'utf8')).toMatch(/\.pw_pairs = 1/);
      await sameAsInterpreter(graph, dir, 80 + i);
    }, 600_000);
  });
});
