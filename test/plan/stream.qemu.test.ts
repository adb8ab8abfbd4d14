/**
 * Patch-based execution in QEMU: layers that run band by band into a FULLY_CONNECTED or a
 * windowed layer (src/codegen/stream.ts) with the dsp/ kernels' assembly paths (Cortex-M4F) and the mve/
 * ones (Cortex-M55), which the host build of test/codegen/stream.test.ts emulates in C:
 * the outputs must equal the reference interpreter's, and the planner must have streamed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/build/build.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { runBuild } from '../../src/run/run.js';
import { writeTflite } from '../../src/tflite/write.js';
import { Prng } from '../../src/util/prng.js';
import { producerIntoFc, type Consumer, type Producer } from '../helpers/stream-models.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] streamed layers in QEMU: arm-none-eabi-gcc or qemu-system-arm missing');

describe.skipIf(!haveTools)('streamed layers in QEMU', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-stream-qemu-'));
  const pairs: [Producer, Consumer][] = [
    ['conv3x3', 'fc'],
    ['small', 'fc'],
    ['conv3x3', 'maxpool2'],
    ['conv-dilated', 'avgpool3'],
    ['conv3x3', 'pointwise'],
  ];
  for (const board of ['mps2-an386', 'mps3-an547']) {
    it(`${board}: ${pairs.map((p) => p.join(' into ')).join(', ')} streamed, byte-identical with the interpreter`, async () => {
      for (const [kind, consumer] of pairs) {
        const graph = producerIntoFc(kind, 3, consumer);
        const modelPath = join(root, `${kind}-${consumer}.tflite`);
        writeFileSync(modelPath, writeTflite(graph));
        const dir = join(root, `${board}-${kind}-${consumer}`);
        const report = await buildModel({ modelPath, board, emulate: false, outDir: dir, toolVersion: 'test' });
        expect(report.layers.filter((l) => l.streamed), `${kind} into ${consumer}`).toHaveLength(1);
        const rng = new Prng(9);
        const size = graph.tensors[graph.inputs[0]!]!.shape.reduce((a, v) => a * v, 1);
        for (let i = 0; i < 2; i++) {
          const input = Uint8Array.from({ length: size }, () => rng.int(0, 255));
          const want = interpret(graph, [input]).outputs[0]!;
          const r = await runBuild({ dir, board, input });
          expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(want)), `${board} ${kind} into ${consumer}`).toBe(true);
        }
      }
    }, 600_000);
  }
});
