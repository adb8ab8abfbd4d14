/**
 * The Cortex-M0 cost rows ('m0', fitted on the micro:bit's QEMU machine) predict what a
 * micro:bit build really runs: each prunable layer's predicted instructions within 10% of the
 * count QEMU measures. (The Cortex-M3 'plain' rows, used before, were 2-20x low: the plain
 * kernels compile to Thumb-1 there.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildModel } from '../../src/build/build.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { writeTflite } from '../../src/tflite/write.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] micro:bit cost model: arm-none-eabi-gcc or qemu-system-arm is missing');

describe.skipIf(!haveTools)('cost model on the micro:bit (Cortex-M0)', () => {
  const builds = [
    ['pruned to 70%, formats chosen', { sparsity: 0.7 }],
    ['dense', { format: 'dense' as const }],
  ] as const;
  for (const [what, how] of builds) it(`${what}: each prunable layer's predicted instructions within 10% of the measured`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-cost-m0-'));
    const model = join(root, 'synthetic.tflite');
    writeFileSync(model, writeTflite(synthDigitsCnn(1)));
    const report = await buildModel({ modelPath: model, board: 'microbit', emulate: false, outDir: join(root, 'out'), toolVersion: 'test', measure: true, bench: false, ...how });
    const layers = report.layers.filter((l) => l.dense);
    expect(layers.length).toBe(4);
    const off: string[] = [];
    for (const l of layers) {
      const predicted = l.predictedInstructions!;
      const measured = l.measuredInstructions!;
      expect(measured).toBeGreaterThan(0);
      const err = Math.abs(predicted - measured) / measured;
      console.info(`[microbit] ${l.op} ${l.format}: predicted ${predicted}, measured ${measured} (${(100 * err).toFixed(1)}%)`);
      if (err > 0.1) off.push(`${l.op} ${l.format}: predicted ${predicted}, measured ${measured}`);
    }
    expect(off).toEqual([]);
  }, 120_000);
});
