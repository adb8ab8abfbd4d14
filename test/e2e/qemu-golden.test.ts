/**
 * End to end in QEMU: `build` a golden model for an emulated board, `run` it on TFLite Micro's
 * golden inputs, and compare the outputs byte for byte (float32: SOFTMAX within 1 ulp, as
 * golden/README.md allows for newlib's expf). M4F (mps2-an386, DSP kernels), M55
 * (mps3-an547, MVE/DSP kernels), M3 (mps2-an385, plain C kernels) and M0 (microbit: the plain C
 * kernels as Thumb-1, soft float; 256 KiB flash, 16 KiB RAM).
 *
 * The micro:bit runs every golden model that fits it. The other three do not fit, and the build
 * says so (E_DOES_NOT_FIT, checked below, so that this list stays true):
 * - person_detect: tensor arena 36,896 B against 16 KiB of RAM (RAM over by 23,872 B);
 * - pretrainedResnet_quant: tensor arena 49,152 B (RAM over by 36,000 B);
 * - pretrainedResnet (float32): tensor arena 196,608 B (RAM over by 183,568 B) and 310,824 B of
 *   weights against 256 KiB of flash (flash over by 62,000 B).
 * kws_ref_model, the largest that fits, uses a 10,304 B arena (RAM 13,512 of 16,384 B).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../../src/build/build.js';
import { runBuild } from '../../src/run/run.js';
import { TinypruneError } from '../../src/errors.js';
import { hasShared, warnIfNoShared } from '../helpers/shared.js';
import { goldenNames, loadGolden, maxUlpDiff } from '../helpers/golden.js';

const SMALL = ['hello_world_int8', 'hello_world_float', 'micro_speech_quantized', 'kws_ref_model'];
const BOARDS: { board: string; models: 'all' | string[] }[] = [
  { board: 'mps2-an386', models: 'all' },
  { board: 'mps3-an547', models: 'all' },
  { board: 'mps2-an385', models: SMALL },
  { board: 'microbit', models: SMALL },
];
/** The golden models too large for the micro:bit, and the memory regions they overflow. */
const NOT_ON_MICROBIT: Record<string, ('FLASH' | 'RAM')[]> = {
  person_detect: ['RAM'],
  pretrainedResnet_quant: ['RAM'],
  pretrainedResnet: ['FLASH', 'RAM'],
};
/** Golden inputs checked per model: every one for the small models, two for the large. */
const LARGE = new Set(['person_detect', 'pretrainedResnet', 'pretrainedResnet_quant', 'kws_ref_model']);

describe.skipIf(!hasShared)('QEMU end to end against TFLite Micro golden outputs', () => {
  warnIfNoShared('QEMU golden runs');
  for (const { board, models } of BOARDS) {
    for (const name of hasShared ? goldenNames() : []) {
      if (models !== 'all' && !models.includes(name)) continue;
      it(`${name} on ${board}`, async () => {
        const g = loadGolden(name);
        const dir = join(mkdtempSync(join(tmpdir(), 'tp-e2e-')), 'build');
        const report = await buildModel({ modelPath: g.modelPath, board, emulate: false, outDir: dir, toolVersion: 'test' });
        expect(report.fits).toBe(true);
        const cases = LARGE.has(name) ? g.cases.slice(0, 2) : g.cases;
        for (const c of cases) {
          const r = await runBuild({ dir, board, input: c.inputBytes });
          const got = Buffer.concat(r.outputs.map((o) => Buffer.from(o)));
          const want = Buffer.concat(c.outputs.map((o) => Buffer.from(o)));
          if (g.float) {
            expect(got.length).toBe(want.length);
            expect(maxUlpDiff(new Uint8Array(got), new Uint8Array(want)), `input ${c.input}`).toBeLessThanOrEqual(g.ops.includes('SOFTMAX') ? 1 : 0);
          } else {
            expect(got.equals(want), `input ${c.input}`).toBe(true);
          }
          expect(r.instructions.total).toBeGreaterThan(0);
          expect(r.instructions.layers).toHaveLength(report.layers.length);
        }
      }, 600_000);
    }
  }
  for (const name of hasShared ? goldenNames() : []) {
    const regions = NOT_ON_MICROBIT[name];
    if (!regions) continue;
    it(`${name} does not fit microbit (${regions.join(' and ')})`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'tp-e2e-')), 'build');
      let err: unknown;
      try {
        await buildModel({ modelPath: loadGolden(name).modelPath, board: 'microbit', emulate: false, outDir: dir, toolVersion: 'test' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TinypruneError);
      expect((err as TinypruneError).code).toBe('E_DOES_NOT_FIT');
      expect((err as TinypruneError).data.overflow?.map((o) => o.region).sort()).toEqual(regions);
    }, 300_000);
  }
});
