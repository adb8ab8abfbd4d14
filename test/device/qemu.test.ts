/**
 * The CI path end to end, with real processes: `tinyprune flash` loads the benchmark firmware
 * into QEMU through its gdbstub with gdb-multiarch, and `tinyprune bench` talks to it over a
 * QEMU pseudo-terminal with `serialport` - the host code a USB board gets. Outputs must equal
 * the reference interpreter's and the instruction counts `tinyprune run`'s, on mps2-an386
 * (Cortex-M4F) and mps3-an547 (Cortex-M55). Then: baselines in CI, another model on the board,
 * QEMU killed mid-transfer, and a QEMU reached by --port (no plugin: ticks, not instructions).
 * Needs arm-none-eabi-gcc, qemu-system-arm, gdb-multiarch and a host cc (skipped otherwise).
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, test } from 'vitest';

import { runBench } from '../../src/bench/bench.js';
import { markAddressOf } from '../../src/firmware/qemu.js';
import { BenchClient } from '../../src/device/protocol.js';
import { startQemuSession } from '../../src/device/qemu.js';
import { openSerial } from '../../src/device/transport.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { writeTflite } from '../../src/tflite/write.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from './helpers.js';

const hasTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm') && hasTool('gdb-multiarch') && hasTool('cc');
if (!hasTools) console.warn('test/device/qemu.test.ts skipped: needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm, gdb-multiarch and a host cc');

const MACHINES = ['mps2-an386', 'mps3-an547'] as const;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-devqemu-'));
const dirs: Record<string, string> = {};
const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
const inputFile = path.join(tmp, 'in.bin');

describe.skipIf(!hasTools)('bench and flash through QEMU', () => {
  beforeAll(async () => {
    writeFileSync(inputFile, input);
    for (const [name, seed] of [['a', 5], ['b', 6]] as const) writeFileSync(path.join(tmp, `${name}.tflite`), writeTflite(synthDigitsCnn(seed)));
    for (const m of MACHINES) {
      dirs[m] = path.join(tmp, m);
      const r = await runCli(['build', '--board', m, path.join(tmp, 'a.tflite'), '-o', dirs[m]!]);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  test.each(MACHINES)('%s: flash via GDB, then bench over the pty = interpreter outputs and run\'s counts', async (m) => {
    const dir = dirs[m]!;
    const flashed = await runCli(['flash', '--board', m, dir, '--json']);
    expect(flashed.code, flashed.stderr).toBe(0);
    const f = JSON.parse(flashed.stdout);
    expect(f.flasher).toBe('gdb');
    expect(f.verified.sourcesSha256).toBe(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).sourcesSha256);
    expect(f.verified.port).toMatch(/^\/dev\/pts\/\d+$/);
    // --dry-run prints the QEMU line the real flash ran (one argument builder), bar its temporary path and port.
    const dry = await runCli(['flash', '--board', m, dir, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const norm = (c: string): string =>
      c.replace(/^\S*qemu-system-arm/, 'qemu').replace(/'?file,id=tpsemi,path=[^ ']+'?/, 'SEMIHOST').replace(/'?tcp:127\.0\.0\.1:[^ ']+'?/, 'GDBSTUB');
    expect(norm(JSON.parse(dry.stdout).commands[0])).toBe(norm(f.commands[0]));
    expect(JSON.parse(dry.stdout).commands[0]).toContain('-chardev');

    const run = await runCli(['run', '--board', m, dir, '--input', inputFile, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const want = JSON.parse(run.stdout);

    const out = path.join(tmp, `${m}-out.bin`);
    const b = await runCli(['bench', '--board', m, dir, '--flash', '--input', inputFile, '--output', out, '--iterations', '2', '--warmup', '1', '--json']);
    expect(b.code, b.stderr).toBe(0);
    const j = JSON.parse(b.stdout);
    expect(j.transport).toBe('serial');
    expect(j.port).toMatch(/^\/dev\/pts\/\d+$/);
    expect(j.loaded).toBe('gdb');
    expect(j.latency.unit).toBe('instructions');
    expect(j.latency.source).toBe('qemu-plugin');
    expect(j.latency.total).toBe(want.instructions.total);
    expect(j.latency.layers).toEqual(want.instructions.layers);
    expect(j.latency.perInference).toMatchObject({ min: want.instructions.total, max: want.instructions.total, count: 2 });
    expect(j.outputs).toEqual(want.outputs);
    expect(readFileSync(out).equals(Buffer.from(interpret(synthDigitsCnn(5), [input]).outputs[0]!))).toBe(true);
    expect(j.reference).toEqual({ checked: 1, matches: 1, mismatches: [] });
    expect(j.memory.arena.used).toBeGreaterThan(0);
    expect(j.memory.arena.used).toBeLessThanOrEqual(j.memory.arena.planned);
    expect(j.memory.stack.used).toBeGreaterThan(0);
  });

  test('several samples loaded by QEMU -kernel; a baseline gate that passes and one that fails', async () => {
    const dir = dirs['mps2-an386']!;
    const data = path.join(tmp, 'samples.bin');
    const samples = [0, 1, 2].map((s) => Uint8Array.from({ length: 64 }, (_, i) => (i * 29 + s * 41) & 0xff));
    writeFileSync(data, Buffer.concat(samples));
    const first = await runCli(['bench', '--board', 'mps2-an386', dir, '--data', data, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const j = JSON.parse(first.stdout);
    expect(j.loaded).toBe('qemu-kernel');
    expect(j.reference).toMatchObject({ checked: 3, matches: 3 });
    const baseline = path.join(tmp, 'baseline.json');
    writeFileSync(baseline, first.stdout);
    const same = await runCli(['bench', '--board', 'mps2-an386', dir, '--data', data, '--baseline', baseline, '--max-regression', '0']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/latency .* instructions .* \+0\.00%\s+ok/);
    // A baseline 10% faster: this run is a regression.
    writeFileSync(baseline, JSON.stringify({ ...j, latency: { ...j.latency, total: Math.round(j.latency.total * 0.9) } }));
    const worse = await runCli(['bench', '--board', 'mps2-an386', dir, '--data', data, '--baseline', baseline, '--max-regression', '5']);
    expect(worse.code).toBe(1);
    expect(worse.stdout).toMatch(/latency .*REGRESSED/);
    expect(worse.stderr).toMatch(/E_REGRESSION.*latency \+11\.1/);
  });

  test('a board running another model: E_WRONG_FIRMWARE', async () => {
    const other = path.join(tmp, 'other');
    const r = await runCli(['build', '--board', 'mps2-an386', path.join(tmp, 'b.tflite'), '-o', other]);
    expect(r.code, r.stderr).toBe(0);
    // The board still runs model a's firmware.
    copyFileSync(path.join(dirs['mps2-an386']!, 'bench.elf'), path.join(other, 'bench.elf'));
    const e = await rejection(runBench({ dir: other, timeouts: { handshakeMs: 10_000 } }));
    expect(e.code).toBe('E_WRONG_FIRMWARE');
    expect(e.message).toMatch(/runs another model/);
  });

  test('QEMU killed mid-transfer: E_DEVICE_DISCONNECTED, no hang', async () => {
    const elf = path.join(dirs['mps2-an386']!, 'bench.elf');
    const s = await startQemuSession({ target: 'mps2-an386', elf, markAddress: await markAddressOf(elf) });
    const t = await openSerial(s.ptyPath);
    try {
      const c = await BenchClient.connect(t);
      await c.command('db load 64');
      setTimeout(() => void s.stop(), 50);
      const t0 = Date.now();
      const e = await rejection(
        (async () => {
          // Keep transferring until the link drops: a new load after every 64 bytes, so a slow
          // stop (a loaded machine) never turns this into a protocol error instead.
          for (let i = 0; ; i++) {
            if (i > 0 && i % 64 === 0) await c.command('db load 64', 3000);
            await c.command(`db ${'00'.repeat(1)}`, 3000);
          }
        })(),
      );
      expect(e.code, e.message).toBe('E_DEVICE_DISCONNECTED');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await t.close();
      await s.stop();
    }
  });

  test('a QEMU reached by --port (no counting plugin) reports SysTick ticks, not instructions', async () => {
    const dir = path.join(tmp, 'byport');
    cpSync(dirs['mps2-an386']!, dir, { recursive: true });
    const s = await startQemuSession({ target: 'mps2-an386', elf: path.join(dir, 'bench.elf') });
    try {
      const r = await runBench({ dir, port: s.ptyPath, samples: [input] });
      expect(r.latency.unit).toBe('ticks');
      expect(r.latency.source).toBe('systick');
      expect(r.loaded).toBe('none');
      expect(r.reference.matches).toBe(1);
    } finally {
      await s.stop();
    }
  });
});
