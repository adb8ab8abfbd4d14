/**
 * Sparse kernels on the host, through the real code generator: one graph holds a layer per
 * case (every op x dtype x format, random / structured / empty-row / all-zero / dense weights,
 * odd sizes, every stride x padding x dilation), lowered with its encoded weights, compiled
 * with cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 under AddressSanitizer + UBSan (every
 * tensor and array its own object), run, and every output compared byte for byte with the
 * reference interpreter on the same pruned weights; then the same with the dsp/ (SMLAD)
 * variants, their intrinsics emulated in C.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { generateSources, runtimeIncludeDir } from '../../src/codegen/generate.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { packageRoot } from '../../src/firmware/paths.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { sparseKernelFiles, sparseKernelVariant, type KernelFamily } from '../../src/sparse/kernels.js';
import { mismatches, sparseCases, type CaseSet } from './cases.js';

const haveCc = hasTool('cc');
if (!haveCc) console.warn('[skip] sparse kernel host tests: no C compiler (cc) on PATH');

const outRoot = mkdtempSync(path.join(os.tmpdir(), 'tp-sparse-host-'));

async function buildCases(set: CaseSet, name: string, family: KernelFamily, sanitize: boolean): Promise<string> {
  const gen = generateSources(set.graph, { source: 'sparse-cases', toolVersion: 'test', sparse: set.sparse });
  const dir = path.join(outRoot, name);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  for (const f of gen.files) writeFileSync(path.join(dir, f.name), f.content);
  const { exe } = await buildHost({
    sources: [path.join(dir, `${gen.plan.prefix}.c`), path.join(packageRoot(), 'firmware/app/tp_host_main.c'), ...sparseKernelFiles(gen.plan.kernels, family)],
    includeDirs: [dir, runtimeIncludeDir(), path.join(packageRoot(), 'firmware/kernels')],
    defines: { TP_HOST_BUILD: true, ...(family === 'dsp' ? { TP_DSP_EMULATE: true } : {}) },
    outDir: dir,
    name,
    sanitize,
    optimize: '-O2',
    extraCFlags: ['-pedantic'],
  });
  return exe;
}

describe.skipIf(!haveCc)('sparse kernels on the host, bit-exact with the reference interpreter', () => {
  let set: CaseSet;
  let want: Uint8Array[];
  let stdin: Uint8Array;

  beforeAll(() => {
    set = sparseCases(20240611, { perFormat: 5 });
    want = interpret(set.graph, set.inputs).outputs;
    stdin = Buffer.concat(set.inputs.map((b) => Buffer.from(b)));
  });

  it('covers every op x dtype x format and fill', () => {
    const combos = new Set(set.cases.map((c) => `${c.spec.op} ${c.spec.dtype} ${c.format}`));
    // fc: 12 formats x 2 dtypes; conv: 14 int8 + 13 float; depthwise: 4 x 2.
    expect(combos.size).toBe(24 + 27 + 8);
    expect(new Set(set.cases.map((c) => c.fill)).size).toBe(5);
    // Every stride x padding x dilation combination, for conv and depthwise.
    for (const op of ['conv', 'dw']) {
      const g = new Set(set.cases.filter((c) => c.spec.op === op).map((c) => `${c.spec.stride![0]} ${c.spec.padding} ${c.spec.dilation![0]}`));
      expect(g.size, op).toBe(8);
    }
  });

  it('plain C kernels, -O2, under AddressSanitizer + UBSan', async () => {
    const exe = await buildCases(set, 'asan', 'plain', true);
    const r = await runHost(exe, stdin, 120_000);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(mismatches(set, r.stdout, want)).toEqual([]);
  }, 300_000);

  it('dsp/ variants, intrinsics emulated, under the sanitizers', async () => {
    const gen = generateSources(set.graph, { source: 'x', toolVersion: 'test', sparse: set.sparse });
    const variants = gen.plan.kernels.filter((k) => sparseKernelVariant(k, 'dsp') === 'dsp');
    const exe = await buildCases(set, 'dsp', 'dsp', true);
    const r = await runHost(exe, stdin, 120_000);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(mismatches(set, r.stdout, want)).toEqual([]);
    console.info(`[sparse host] dsp variants checked: ${variants.join(', ') || '(none yet)'}`);
  }, 300_000);
});
