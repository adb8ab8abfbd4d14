/**
 * End to end: kws_ref_model (MLPerf Tiny KWS) magnitude-pruned to 80% without retraining,
 * built with sparse formats chosen per layer, run in QEMU on Cortex-M4F and Cortex-M55: its
 * outputs equal the reference interpreter's on the same pruned weights (model.tflite in the
 * build directory is the pruned model), and the report shows fewer weight bytes than the dense
 * build of the same pruned model, and instructions no more than 1% and total flash no more than
 * 1.5% above it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildModel } from '../../src/build/build.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { readBuildModel, runBuild } from '../../src/run/run.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] sparse end-to-end: arm-none-eabi-gcc or qemu-system-arm is missing');

describe.skipIf(!hasShared || !haveTools)('kws_ref_model pruned to 80%, sparse build in QEMU', () => {
  warnIfNoShared('sparse end-to-end on kws_ref_model');
  const model = sharedPath('models/mlperf-tiny/kws/kws_ref_model.tflite');

  for (const board of ['mps2-an386', 'mps3-an547']) {
    it(`${board}: bit-exact with the interpreter on the pruned weights; fewer instructions and bytes than dense`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'tp-sparse-e2e-'));
      const common = { modelPath: model, board, emulate: false, toolVersion: 'test', sparsity: 0.8, measure: true } as const;
      // 'speed': with the faster dense DSP kernels (issue 14), 'balanced' trades a few instructions for bytes.
      const sparse = await buildModel({ ...common, outDir: join(root, 'sparse'), optimize: 'speed' });
      const dense = await buildModel({ ...common, outDir: join(root, 'dense'), format: 'dense' });

      // The pruned model is what both builds compiled, and what the interpreter runs.
      const pruned = readBuildModel(join(root, 'sparse'));
      for (const id of ['00', '01']) {
        const input = new Uint8Array(readFileSync(sharedPath(`golden/kws_ref_model/inputs/${id}.bin`)));
        const want = interpret(pruned, [input]).outputs;
        for (const dir of ['sparse', 'dense']) {
          const r = await runBuild({ dir: join(root, dir), input });
          expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(want[0]!)), `${dir} input ${id}`).toBe(true);
        }
      }

      const formats = sparse.layers.filter((l) => l.dense).map((l) => l.format);
      expect(formats.some((f) => f !== 'dense')).toBe(true);
      for (const l of sparse.layers.filter((x) => x.dense)) {
        expect(l.sparsity!).toBeGreaterThan(0.79);
        expect(l.predictedInstructions).not.toBeNull();
        expect(l.measuredInstructions).toBeGreaterThan(0);
      }
      // Since the dense DSP kernels of issue 14 (1.3 instructions per MAC on 1x1 layers), 80%
      // element sparsity no longer beats them on kws's convolutions: 'speed' keeps those dense
      // and the sparse build's gain is bytes. It must not be slower than dense by more than the
      // noise of whole-program optimisation (-flto inlines differently when a sparse kernel is
      // linked: ~0.1% on kws).
      expect(sparse.measured!.instructions).toBeLessThan(dense.measured!.instructions * 1.01);
      expect(sparse.flash.weights).toBeLessThan(dense.flash.weights);
      // Total flash: on the M4F 'speed' keeps every convolution dense (their filters packed in
      // channel pairs run faster than csr16 at 80%), so the one sparse layer is the 64x12 FC:
      // its kernel's code (~520 B) costs about what 80% of its 768 weight bytes save, and the
      // dense build links only the packed pointwise path (tp_config.h): within 1.5% of dense,
      // not below it (measured 42,668 against 42,172 B).
      expect(sparse.flash.total).toBeLessThan(dense.flash.total * 1.015);
      console.info(
        `[${board}] kws_ref_model at 80%: ${sparse.measured!.instructions} vs ${dense.measured!.instructions} instructions dense ` +
          `(${(sparse.measured!.instructions / dense.measured!.instructions).toFixed(2)}x), flash ${sparse.flash.total} vs ${dense.flash.total} B ` +
          `(weights ${sparse.flash.weights} vs ${dense.flash.weights}); formats ${formats.join(' ')}`,
      );
    }, 300_000);
  }
});
