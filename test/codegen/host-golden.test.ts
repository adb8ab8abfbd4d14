/**
 * Differential: the generated C, compiled for the host (-Wall -Wextra -Werror, and once with
 * ASan/UBSan), must reproduce TFLite Micro's golden outputs byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generateSources, kernelSources, runtimeIncludeDir } from '../../src/codegen/generate.js';
import { readTflite } from '../../src/tflite/read.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { packageRoot } from '../../src/firmware/paths.js';
import { hasShared, warnIfNoShared } from '../helpers/shared.js';
import { goldenNames, loadGolden, maxUlpDiff } from '../helpers/golden.js';

async function buildModelForHost(modelPath: string, sanitize: boolean): Promise<string> {
  const graph = readTflite(new Uint8Array(readFileSync(modelPath)), modelPath).graph;
  const gen = generateSources(graph, { source: basename(modelPath), toolVersion: 'test' });
  const dir = mkdtempSync(join(tmpdir(), 'tp-host-'));
  for (const f of gen.files) writeFileSync(join(dir, f.name), f.content);
  const sources = [join(dir, `${gen.plan.prefix}.c`), join(packageRoot(), 'firmware/app/tp_host_main.c'), ...kernelSources(gen.plan.kernels, 'plain')];
  const { exe } = await buildHost({
    sources,
    includeDirs: [dir, runtimeIncludeDir(), join(packageRoot(), 'firmware/kernels')],
    outDir: dir,
    sanitize,
    defines: { TP_HOST_BUILD: true },
  });
  return exe;
}

describe.skipIf(!hasShared)('generated C on the host reproduces TFLite Micro (golden)', () => {
  warnIfNoShared('host differential against golden');
  for (const name of hasShared ? goldenNames() : []) {
    it(`${name}: every golden input, byte-identical`, async () => {
      const g = loadGolden(name);
      const exe = await buildModelForHost(g.modelPath, false);
      for (const c of g.cases) {
        const r = await runHost(exe, c.inputBytes, 60_000);
        expect(r.exitCode, r.stderr).toBe(0);
        const want = Buffer.concat(c.outputs.map((o) => Buffer.from(o)));
        if (g.float) {
          // float32: bit-exact except SOFTMAX's expf (newlib/glibc may differ by 1 ulp; README).
          expect(r.stdout.length).toBe(want.length);
          expect(maxUlpDiff(new Uint8Array(r.stdout), new Uint8Array(want)), `input ${c.input}`).toBeLessThanOrEqual(g.ops.includes('SOFTMAX') ? 1 : 0);
        } else {
          expect(r.stdout.equals(want), `input ${c.input}`).toBe(true);
        }
      }
    });
  }

  it('is clean under ASan/UBSan (kws_ref_model and micro_speech)', async () => {
    for (const name of ['kws_ref_model', 'micro_speech_quantized']) {
      const g = loadGolden(name);
      const exe = await buildModelForHost(g.modelPath, true);
      const c = g.cases[0]!;
      const r = await runHost(exe, c.inputBytes, 120_000);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.equals(Buffer.concat(c.outputs.map((o) => Buffer.from(o))))).toBe(true);
    }
  });
});
