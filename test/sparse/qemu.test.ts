/**
 * Sparse kernels in QEMU, through the real build: the host test's case graph (every op x
 * dtype x format, random / structured / empty-row / all-zero / dense weights, odd sizes, every
 * stride x padding x dilation) built for Cortex-M4F (mps2-an386: dsp/ variants where they
 * exist) and Cortex-M55 (mps3-an547: mve/, then dsp/ variants), run on the emulated core, and
 * every output compared byte for byte with the reference interpreter.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { resolveTarget } from '../../src/boards/index.js';
import { buildGraph, coreFamily } from '../../src/build/build.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { runBuild } from '../../src/run/run.js';
import { sparseKernelVariant } from '../../src/sparse/kernels.js';
import { mismatches, sparseCases } from './cases.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] sparse kernel QEMU tests: arm-none-eabi-gcc or qemu-system-arm is missing');

const outRoot = mkdtempSync(path.join(os.tmpdir(), 'tp-sparse-qemu-'));

describe.skipIf(!haveTools)('sparse kernels in QEMU, bit-exact with the reference interpreter', () => {
  for (const board of ['mps2-an386', 'mps3-an547']) {
    it(`${board}: every case`, async () => {
      const set = sparseCases(20240612, { perFormat: 3, small: true });
      const want = interpret(set.graph, set.inputs).outputs;
      const target = resolveTarget(board, { emulate: false });
      const dir = path.join(outRoot, board);
      const report = await buildGraph({ graph: set.graph, source: 'sparse-cases', sha256: '-', target, outDir: dir, toolVersion: 'test', sparse: set.sparse });
      const r = await runBuild({ dir, input: Buffer.concat(set.inputs.map((b) => Buffer.from(b))) });
      expect(mismatches(set, Buffer.concat(r.outputs.map((o) => Buffer.from(o))), want)).toEqual([]);
      const family = coreFamily(target);
      const variants = report.kernels.filter((k) => sparseKernelVariant(k, family) !== 'plain');
      console.info(`[${board}] ${set.cases.length} sparse cases bit-exact; optimised variants: ${variants.join(', ') || 'none'}`);
    }, 600_000);
  }
});
