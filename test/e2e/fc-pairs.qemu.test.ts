/**
 * The row-pair FULLY_CONNECTED (firmware/kernels/dsp/tp_fully_connected_s8_pairs.c) in its
 * assembly form on a Cortex-M4F in QEMU, chosen by the build itself for the layers large enough
 * to gain, next to the row-major kernel for the others. Outputs byte-identical with the
 * reference interpreter.
 * Covered: leftover rows after the 4-row blocks, depths with a 4-byte step after the 8-byte
 * loop, batches, a non-zero input zero point, per-tensor and per-channel weights with -128/127.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/build/build.js';
import { FC_PAIRS_KERNEL } from '../../src/codegen/ops/fc_pairs.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { runBuild } from '../../src/run/run.js';
import { writeTflite } from '../../src/tflite/write.js';
import { Prng } from '../../src/util/prng.js';
import { fcModel, type FcCase } from '../helpers/fc-models.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] row-pair FULLY_CONNECTED in QEMU: arm-none-eabi-gcc or qemu-system-arm missing');

const CASES: FcCase[] = [
  { rows: 13, depth: 348, batches: 2, inputZeroPoint: 5, perChannel: false, activation: 'RELU', rows2: 7 },
  { rows: 64, depth: 784, batches: 1, inputZeroPoint: -128, perChannel: true, activation: 'RELU6', rows2: 10 },
];

describe.skipIf(!haveTools)('row-pair FULLY_CONNECTED in QEMU (mps2-an386)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-fc-pairs-qemu-'));
  CASES.forEach((c, i) => {
    it(`${c.rows}x${c.depth} then ${c.rows2}x${c.rows}, ${c.batches} batch(es): byte-identical with the interpreter`, async () => {
      const graph = fcModel(c, 40 + i);
      const modelPath = join(root, `fc${i}.tflite`);
      writeFileSync(modelPath, writeTflite(graph));
      const dir = join(root, `fc${i}`);
      const report = await buildModel({ modelPath, board: 'mps2-an386', emulate: false, outDir: dir, toolVersion: 'test' });
      expect(report.kernels).toContain(FC_PAIRS_KERNEL);
      const rng = new Prng(70 + i);
      const size = graph.tensors[graph.inputs[0]!]!.shape.reduce((a, v) => a * v, 1);
      const inputs = [0, 1, 2].map(() => Uint8Array.from({ length: size }, () => rng.int(0, 255)));
      inputs.push(new Uint8Array(size).fill(0x80), new Uint8Array(size).fill(0x7f));
      for (const input of inputs) {
        const want = interpret(graph, [input]).outputs[0]!;
        const r = await runBuild({ dir, board: 'mps2-an386', input });
        expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(want))).toBe(true);
      }
    }, 600_000);
  });
});
