/**
 * The runtime kernels on the host, three ways:
 *  1. differential: the C harness (plain kernels, cc -std=c99 -Wall -Wextra -Werror
 *     -ffp-contract=off) dumps ~700 seeded random cases — inputs, params, output — and every
 *     output must equal the TypeScript reference interpreter's kernel on the same data, byte for
 *     byte (float SOFTMAX within 1 ulp: glibc expf vs Math.exp rounded to float);
 *  2. the same harness under AddressSanitizer + UBSan, every tensor its own exact-size
 *     allocation: no report, and the same output hashes as the plain build;
 *  3. the DSP (SMLAD/SXTB16) kernel variants compiled for the host with the Arm intrinsics
 *     emulated in C (TP_DSP_EMULATE), also under the sanitizers: same hashes as plain — this
 *     checks their index arithmetic and tails on every case; the real instructions run in QEMU
 *     (qemu.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { buildHost, runHost } from '../../src/firmware/host.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import {
  HARNESS_DIR,
  HARNESS_SOURCES,
  INCLUDE_DIR,
  kernelSources,
  maxUlpDiff,
  parseDump,
  parseHashes,
  runReference,
  ULP_TOLERANT,
  hexBytes,
  type HarnessRecord,
  type HashLine,
} from './harness.js';

const haveCc = hasTool('cc');
if (!haveCc) console.warn('[skip] kernel host tests: no C compiler (cc) on PATH');

const outRoot = mkdtempSync(path.join(os.tmpdir(), 'tp-kernels-host-'));

async function build(name: string, variant: 'plain' | 'dsp', sanitize: boolean): Promise<string> {
  const b = await buildHost({
    sources: [...HARNESS_SOURCES, ...kernelSources(variant)],
    includeDirs: [INCLUDE_DIR, HARNESS_DIR],
    defines: variant === 'dsp' ? ['TP_DSP_EMULATE'] : [],
    outDir: path.join(outRoot, name),
    name,
    sanitize,
    optimize: sanitize ? '-O1' : '-O2',
    extraCFlags: ['-pedantic'],
  });
  return b.exe;
}

describe.skipIf(!haveCc)('runtime kernels on the host', () => {
  let records: HarnessRecord[] = [];
  let plainHashes: HashLine[] = [];
  // The three builds start together; each test awaits the one it needs.
  let asanExe: Promise<string>;
  let dspExe: Promise<string>;

  beforeAll(async () => {
    const plainExe = build('plain', 'plain', false);
    asanExe = build('asan', 'plain', true);
    dspExe = build('dsp-emulated', 'dsp', true);
    // Awaited by their tests; until then a failure must not count as an unhandled rejection.
    asanExe.catch(() => undefined);
    dspExe.catch(() => undefined);
    const exe = await plainExe;
    const [dump, hash] = await Promise.all([runHost(exe, '', 120_000, ['dump']), runHost(exe, '', 120_000, ['hash'])]);
    expect(dump.exitCode, dump.stderr).toBe(0);
    expect(hash.exitCode, hash.stderr).toBe(0);
    records = parseDump(dump.stdout.toString('utf8'));
    plainHashes = parseHashes(hash.stdout.toString('utf8'));
  });

  it('runs every kernel on its cases, all accepted by the kernels', () => {
    const kernels = new Set(records.map((r) => r.kernel));
    expect([...kernels].sort()).toEqual(
      [
        'add_f32',
        'add_s8',
        'average_pool_2d_f32',
        'average_pool_2d_s8',
        'concatenation_f32',
        'concatenation_s8',
        'conv_2d_f32',
        'conv_2d_s8',
        'depthwise_conv_2d_f32',
        'depthwise_conv_2d_s8',
        'dequantize_s8',
        'fully_connected_f32',
        'fully_connected_s8',
        'max_pool_2d_f32',
        'max_pool_2d_s8',
        'mean_f32',
        'mean_s8',
        'mul_f32',
        'mul_s8',
        'pad_f32',
        'pad_s8',
        'quantize_f32',
        'quantize_s8',
        'softmax_f32',
        'softmax_s8',
      ].sort(),
    );
    expect(records.length).toBeGreaterThan(600);
    expect(records.filter((r) => r.status !== 0).map((r) => `${r.kernel} ${r.case}`)).toEqual([]);
    expect(plainHashes.length).toBe(records.length);
  });

  it('matches the TypeScript reference kernels byte for byte', () => {
    const mismatches: string[] = [];
    const missing = new Set<string>();
    for (const rec of records) {
      const want = runReference(rec);
      if (!want) {
        missing.add(rec.kernel);
        continue;
      }
      const got = hexBytes(rec.output);
      if (ULP_TOLERANT.has(rec.kernel)) {
        const ulps = got.length === want.length ? maxUlpDiff(got, want) : Infinity;
        if (ulps > 1) mismatches.push(`${rec.kernel} #${rec.case}: ${ulps} ulp`);
      } else if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) {
        let first = 0;
        while (first < got.length && got[first] === want[first]) first++;
        mismatches.push(`${rec.kernel} #${rec.case}: first difference at byte ${first} (C ${got[first]}, TS ${want[first]})`);
      }
    }
    expect([...missing]).toEqual([]);
    expect(mismatches).toEqual([]);
  });

  it('passes AddressSanitizer and UBSan, with the same results', async () => {
    const r = await runHost(await asanExe, '', 120_000, ['hash']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(parseHashes(r.stdout.toString('utf8'))).toEqual(plainHashes);
  });

  it('DSP variants (intrinsics emulated) give the plain results under the sanitizers', async () => {
    const r = await runHost(await dspExe, '', 120_000, ['hash']);
    expect(r.stderr).toBe('');
    expect(r.stdout.toString('utf8')).toMatch(/mismatches 0 selftest_failures 0/);
    expect(r.exitCode).toBe(0);
    expect(parseHashes(r.stdout.toString('utf8'))).toEqual(plainHashes);
  });
});
