/**
 * The runtime kernels on emulated Cortex-M cores (QEMU, through buildFirmware/runQemu):
 *  - mps2-an386 (Cortex-M4F) and mps2-an505 (Cortex-M33) with the dsp/ variants, mps3-an547
 *    (Cortex-M55) with the mve/ variants (then dsp/), mps2-an385 (Cortex-M3, soft float) with
 *    the plain kernels. Each firmware runs the harness's seeded cases (the same as on the host)
 *    with the linked kernel and, compiled in under *_ref names, the plain one: they must agree
 *    bit for bit on every case;
 *  - every kernel's output hash on the core equals the host build's (plain C is portable and
 *    float is exact with -ffp-contract=off), except float SOFTMAX whose expf comes from newlib
 *    on the core and glibc on the host: the firmware prints those outputs and they must agree
 *    within 2 ulp. (On cores without a double-precision FPU newlib uses its older fdlibm expf,
 *    which can be 1 ulp off glibc's; the division by the sum can add one more. TFLM built for
 *    the same core uses the same newlib, so the core's own results are what TFLM gives there.)
 *  - exact instruction counts (QEMU plugin, tp_mark pairs) of plain vs optimised kernels on
 *    layer-sized shapes, FC 784->300 included: the dsp FC must stay at or below ~2.0
 *    instructions per MAC (CMSIS-NN's arm_fully_connected_s8 measures 1.95 here).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { buildFirmware } from '../../src/firmware/build.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { runQemu, type QemuResult } from '../../src/firmware/qemu.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import {
  HARNESS_DIR,
  HARNESS_SOURCES,
  INCLUDE_DIR,
  hexBytes,
  kernelSources,
  maxUlpDiff,
  parseDump,
  parseHashes,
  type HarnessRecord,
  type HashLine,
} from './harness.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm') && hasTool('cc');
if (!haveTools) console.warn('[skip] kernel QEMU tests: arm-none-eabi-gcc, qemu-system-arm or cc is missing');

const outRoot = mkdtempSync(path.join(os.tmpdir(), 'tp-kernels-qemu-'));

/** Hashes that may legitimately differ between newlib (core) and glibc (host). */
const LIBM_DEPENDENT = new Set(['softmax_f32']);

export interface ICount {
  name: string;
  macs: number;
  plain: number;
  variant: number;
}

function parseICounts(q: QemuResult): ICount[] {
  const names = [...q.uart.matchAll(/^@icount (\S+) macs (\d+)$/gm)].map((m) => ({ name: m[1]!, macs: Number(m[2]) }));
  const marks = q.marks ?? [];
  // Marks are cumulative instruction counts at each tp_mark call; the platform layer may add
  // none of its own, so the harness's marks are the last 4 * names.length.
  const mine = marks.slice(marks.length - 4 * names.length);
  return names.map((n, i) => ({
    ...n,
    plain: mine[4 * i + 1]! - mine[4 * i]!,
    variant: mine[4 * i + 3]! - mine[4 * i + 2]!,
  }));
}

async function runOnBoard(board: string, variant: 'plain' | 'dsp' | 'mve'): Promise<QemuResult> {
  const build = await buildFirmware({
    board,
    sources: [...HARNESS_SOURCES, ...kernelSources(variant)],
    includeDirs: [INCLUDE_DIR, HARNESS_DIR],
    defines: { TP_HARNESS_DEVICE: true },
    outDir: path.join(outRoot, `${board}-${variant}`),
    name: `kernels-${variant}`,
  });
  return runQemu({ board, elf: build.elf, markAddress: build.markAddress, markers: true, timeoutMs: 120_000 });
}

function compareHashes(device: HashLine[], host: HashLine[]): { differ: string[]; libm: string[] } {
  const byKey = new Map(host.map((h) => [`${h.kernel} ${h.case}`, h]));
  const differ: string[] = [];
  const libm: string[] = [];
  for (const d of device) {
    const h = byKey.get(`${d.kernel} ${d.case}`);
    if (!h || h.hash !== d.hash || h.status !== d.status) (LIBM_DEPENDENT.has(d.kernel) ? libm : differ).push(`${d.kernel} ${d.case}`);
  }
  return { differ, libm };
}

/** "@out <kernel> <case> <hex>" lines: full outputs of the libm-dependent cases. */
function parseOutLines(uart: string): Map<string, Uint8Array> {
  return new Map([...uart.matchAll(/^@out (\S+) (\d+) ([0-9a-f]*)$/gm)].map((m) => [`${m[1]} ${m[2]}`, hexBytes(m[3]!)]));
}

describe.skipIf(!haveTools)('runtime kernels in QEMU', () => {
  let hostHashes: HashLine[] = [];
  let hostRecords: HarnessRecord[] = [];

  beforeAll(async () => {
    const build = await buildHost({
      sources: [...HARNESS_SOURCES, ...kernelSources('plain')],
      includeDirs: [INCLUDE_DIR, HARNESS_DIR],
      outDir: path.join(outRoot, 'host'),
      name: 'host-plain',
    });
    const [hash, dump] = await Promise.all([runHost(build.exe, '', 60_000, ['hash']), runHost(build.exe, '', 60_000, ['dump'])]);
    expect(hash.exitCode, hash.stderr).toBe(0);
    expect(dump.exitCode, dump.stderr).toBe(0);
    hostHashes = parseHashes(hash.stdout.toString('utf8'));
    hostRecords = parseDump(dump.stdout.toString('utf8'));
  });

  const configs = [
    { board: 'mps2-an386', core: 'Cortex-M4F', variant: 'dsp' as const },
    { board: 'mps2-an505', core: 'Cortex-M33', variant: 'dsp' as const },
    { board: 'mps3-an547', core: 'Cortex-M55', variant: 'mve' as const },
    { board: 'mps2-an385', core: 'Cortex-M3', variant: 'plain' as const },
  ];
  // Built and run together (each run is single-threaded QEMU); checked one by one below.
  const runs = new Map<string, Promise<QemuResult>>();
  const runFor = (cfg: (typeof configs)[number]) => {
    if (runs.size === 0) for (const c of configs) runs.set(c.board, runOnBoard(c.board, c.variant));
    return runs.get(cfg.board)!;
  };

  for (const cfg of configs) {
    it(`${cfg.board} (${cfg.core}): ${cfg.variant} kernels bit-exact with plain, plain bit-exact with the host`, async () => {
      const q = await runFor(cfg);
      expect(q.uart).toContain('@harness end');
      expect(q.uart.split('\n').filter((l) => /^(MISMATCH|SELFTEST)/.test(l))).toEqual([]);
      expect(q.uart).toMatch(/@harness cases \d+ mismatches 0 selftest_failures 0/);
      expect(q.exitCode).toBe(0);

      const device = parseHashes(q.uart);
      expect(device.length).toBe(hostHashes.length);
      const { differ, libm } = compareHashes(device, hostHashes);
      expect(differ).toEqual([]);
      const outs = parseOutLines(q.uart);
      const ulps = libm.map((key) => {
        const host = hostRecords.find((r) => `${r.kernel} ${r.case}` === key);
        const dev = outs.get(key);
        return host && dev && dev.length === hexBytes(host.output).length ? maxUlpDiff(dev, hexBytes(host.output)) : Infinity;
      });
      expect(Math.max(0, ...ulps)).toBeLessThanOrEqual(2);
      if (libm.length > 0) console.info(`[${cfg.board}] float softmax: ${libm.length} cases differ from glibc by at most ${Math.max(...ulps)} ulp (newlib expf)`);

      const counts = parseICounts(q);
      expect(counts.map((c) => c.name)).toEqual(['fc_784x300', 'fc_784x300_folded_offset', 'conv_16x16x32_3x3x32', 'dwconv_16x16x64_3x3']);
      console.info(
        `[${cfg.board} ${cfg.core}] instructions (QEMU), plain vs ${cfg.variant}:\n` +
          counts
            .map(
              (c) =>
                `  ${c.name.padEnd(28)} plain ${String(c.plain).padStart(9)} (${(c.plain / c.macs).toFixed(2)}/MAC)  ` +
                `${cfg.variant} ${String(c.variant).padStart(9)} (${(c.variant / c.macs).toFixed(2)}/MAC)`,
            )
            .join('\n'),
      );
      if (cfg.variant === 'plain') return;
      for (const c of counts) expect(c.variant).toBeLessThan(c.plain);
      const fc = counts.find((c) => c.name === 'fc_784x300')!;
      // CMSIS-NN arm_fully_connected_s8 on the same shape: 1.95 (M4), 0.49 (M55) per MAC.
      if (cfg.variant === 'dsp') expect(fc.variant / fc.macs).toBeLessThanOrEqual(2.0);
      if (cfg.variant === 'mve') expect(fc.variant / fc.macs).toBeLessThanOrEqual(0.6);
    });
  }
});
