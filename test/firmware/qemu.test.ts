/**
 * Firmware build + QEMU runs on every emulated machine. Needs arm-none-eabi-gcc (with newlib)
 * and qemu-system-arm; skipped with a message when they are missing.
 * Each build is ~0.5 s and each run ~0.2 s, so the file stays well under a minute.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import { QEMU_MACHINES, resolveTarget } from '../../src/boards/index.js';
import { TinypruneError } from '../../src/errors.js';
import { buildFirmware, type BuildOptions, type BuildResult } from '../../src/firmware/build.js';
import { markAddressOf, runQemu } from '../../src/firmware/qemu.js';
import { hasTool } from '../../src/firmware/toolchain.js';

const hasTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm') && hasTool('cc');
if (!hasTools) {
  console.warn('test/firmware/qemu.test.ts skipped: needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm and a host cc');
}

const fixture = (f: string) => path.join(import.meta.dirname, 'fixtures', f);
const outRoot = mkdtempSync(path.join(os.tmpdir(), 'tinyprune-fw-'));
let buildNo = 0;

function build(board: string, source: string, opts: Partial<BuildOptions> = {}): Promise<BuildResult> {
  return buildFirmware({ board, sources: [fixture(source)], outDir: path.join(outRoot, `${board}-${buildNo++}`), ...opts });
}

async function rejection(p: Promise<unknown>): Promise<TinypruneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('expected a TinypruneError');
}

describe.skipIf(!hasTools)('firmware in QEMU', () => {
  describe('hello on all 8 QEMU machines', () => {
    test.each([...QEMU_MACHINES])('%s: UART in and out, float math, marks, exit code 7', async (board) => {
      const fw = await build(board, 'hello.c', { defines: { ECHO: true } });
      expect(fw.markAddress).toBeTypeOf('number');
      // runQemu looks tp_mark up itself when not given: the same lookup, the same address.
      expect(await markAddressOf(fw.elf)).toBe(fw.markAddress);
      expect(fw.flash.total).toBeGreaterThan(fw.flash.text);
      expect(fw.ram.stack).toBe(board === 'microbit' ? 2048 : 4096);
      const r = await runQemu({ board, elf: fw.elf, stdin: 'ping\n', markers: true, icount: true, markAddress: fw.markAddress });
      expect(r.exitCode).toBe(7);
      const stack = Number(/stack used (\d+)/.exec(r.uart)?.[1]);
      expect(r.uart).toBe(
        `hello from tinyprune on ${board}\necho: ping\nfloat sum*1e6 = 1634984\ndata ok\nstack used ${stack}\nbye\n`,
      );
      // High-water mark of the painted stack: a few calls deep, far below the reserved size.
      expect(stack).toBeGreaterThan(16);
      expect(stack).toBeLessThan(512);
      expect(r.semihost).toBe('semihosting works\n');
      expect(r.marks).toHaveLength(3);
      const [m1, m2, m3] = r.marks!;
      expect(m1! < m2! && m2! < m3!).toBe(true);
      expect(r.instructions).toBeGreaterThan(m3!);
      // Counting alone: the cycle pricing is opt-in (cycles: true).
      expect(r.cycleMarks).toBeUndefined();
      expect(r.estimatedCycles).toBeUndefined();
    });
  });

  test('instruction counts are exact: identical run to run, and linear in the work done', async () => {
    const board = 'mps2-an386';
    const fw100 = await build(board, 'hello.c', { defines: { WORK: 100 } });
    const fw1000 = await build(board, 'hello.c', { defines: { WORK: 1000 } });
    const opts = { board, markers: true, icount: true } as const;
    const a = await runQemu({ ...opts, elf: fw100.elf });
    const b = await runQemu({ ...opts, elf: fw100.elf, cycles: true }); // pricing cycles changes no count
    const c = await runQemu({ ...opts, elf: fw1000.elf, icount: false }); // the plugin alone counts too
    expect(b.marks).toEqual(a.marks);
    expect(b.instructions).toBe(a.instructions);
    expect(b.cycleMarks).toHaveLength(a.marks!.length);
    expect(b.uart).toBe(a.uart);
    // busy(n) costs fixed + n * per_iteration: from busy(10) and busy(100) predict busy(1000).
    const d10 = a.marks![1]! - a.marks![0]!;
    const d100 = a.marks![2]! - a.marks![1]!;
    const d1000 = c.marks![2]! - c.marks![1]!;
    const perIteration = (d100 - d10) / 90;
    expect(Number.isInteger(perIteration)).toBe(true);
    expect(perIteration).toBeGreaterThan(0);
    expect(d1000).toBe(d100 + 900 * perIteration);
    expect(c.marks![1]! - c.marks![0]!).toBe(d10);
  });

  test('SysTick under -icount: 40 instructions per tick on MPS2, same every run', async () => {
    const fw = await build('mps2-an385', 'timer.c');
    const runs = await Promise.all([0, 1].map(() => runQemu({ board: 'mps2-an385', elf: fw.elf, icount: true, markers: true })));
    const ticks = runs.map((r) => Number(/ticks (\d+)/.exec(r.uart)?.[1]));
    expect(ticks[0]).toBe(ticks[1]);
    expect(runs[0]!.uart).toContain('hz 25000000 source systick');
    const insns = runs[0]!.marks![1]! - runs[0]!.marks![0]!;
    expect(Math.abs(insns / ticks[0]! - 40)).toBeLessThan(0.5);
  });

  test('a fault is E_FAULT naming the exception and the source line', async () => {
    const fw = await build('mps2-an386', 'fault.c', { defines: { FAULT: 2 } });
    const e = await rejection(runQemu({ board: 'mps2-an386', elf: fw.elf }));
    expect(e.code).toBe('E_FAULT');
    expect(e.message).toMatch(/^firmware fault: BusFault \(exception 5\) at pc 0x[0-9a-f]+ in crash_here \(fault\.c:\d+\)$/);
    expect(e.hint).toContain('bfar=0xf0000000');

    const m0 = await build('microbit', 'fault.c', { defines: { FAULT: 1 } });
    const e0 = await rejection(runQemu({ board: 'microbit', elf: m0.elf }));
    expect(e0.message).toMatch(/HardFault \(exception 3\).*crash_here/);
  });

  test('integer division by zero is trapped (UsageFault) on ARMv7-M and later', async () => {
    const fw = await build('mps2-an500', 'fault.c', { defines: { FAULT: 3 } });
    const e = await rejection(runQemu({ board: 'mps2-an500', elf: fw.elf }));
    expect(e.message).toMatch(/UsageFault \(exception 6\)/);
  });

  test('a hang is E_TIMEOUT and QEMU is killed', async () => {
    const fw = await build('mps2-an385', 'fault.c', { defines: { FAULT: 4 } });
    const started = Date.now();
    const e = await rejection(runQemu({ board: 'mps2-an385', elf: fw.elf, timeoutMs: 1500 }));
    expect(e.code).toBe('E_TIMEOUT');
    expect(e.hint).toContain('about to fault');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('code linked for another machine locks up: E_FAULT with the wrong-address hint', async () => {
    const fw = await build('mps2-an385', 'hello.c');
    const e = await rejection(runQemu({ board: 'mps2-an505', elf: fw.elf }));
    expect(e.code).toBe('E_FAULT');
    expect(e.message).toContain('lockup');
    expect(e.hint).toContain('wrong core or link address');
  });

  test('an oversized array is E_DOES_NOT_FIT with the region and the overflow', async () => {
    const small = await build('mps2-an386', 'big.c');
    const ramSize = 4 * 1024 * 1024;
    const big = 5 * 1024 * 1024;
    const e = await rejection(build('mps2-an386', 'big.c', { defines: { BIG_RAM: big } }));
    expect(e.code).toBe('E_DOES_NOT_FIT');
    const m = /RAM overflowed by (\d+) bytes/.exec(e.message);
    expect(m).not.toBeNull();
    // The overflow is what the small build used plus the growth, minus the RAM size (give or
    // take the alignment padding of the sections after .bss).
    const expected = small.ram.total + (big - 1024) - ramSize;
    expect(Math.abs(Number(m![1]) - expected)).toBeLessThanOrEqual(16);

    const f = await rejection(build('mps2-an386', 'big.c', { defines: { BIG_FLASH: big } }));
    expect(f.message).toMatch(/FLASH overflowed by \d+ bytes/);
  });

  test('.tp_arena: RAM the linker counts, no flash, zeroed at start-up', async () => {
    const plain = await build('mps2-an386', 'big.c');
    const fw = await build('mps2-an386', 'big.c', { defines: { ARENA: 8192 } });
    expect(fw.ram.arena).toBe(8192);
    expect(fw.ram.total - plain.ram.total).toBeGreaterThanOrEqual(8192);
    expect(fw.flash.total - plain.flash.total).toBeLessThan(256); // only the zero-check code
    const r = await runQemu({ board: 'mps2-an386', elf: fw.elf });
    expect(r.uart).toBe('0\narena zeroed\n');
  });

  test('--emulate nucleo-f446re: runs on mps2-an386 within the real 512K/128K', async () => {
    const target = resolveTarget('nucleo-f446re', { emulate: true });
    const fw = await buildFirmware({ board: target, sources: [fixture('hello.c')], outDir: path.join(outRoot, 'f446-emu') });
    expect(fw.limits).toEqual({ flash: 512 * 1024, ram: 128 * 1024 });
    const r = await runQemu({ board: target, elf: fw.elf, markers: true });
    expect(r.machine).toBe('mps2-an386');
    expect(r.exitCode).toBe(7);
    expect(r.uart).toContain('hello from tinyprune on nucleo-f446re\n');

    // 200 KiB of RAM fits the emulator's 4 MiB but not the board: the link must refuse it.
    const fits = await build('mps2-an386', 'big.c', { defines: { BIG_RAM: 200 * 1024 } });
    expect(fits.ram.bss).toBeGreaterThanOrEqual(200 * 1024);
    const e = await rejection(buildFirmware({ board: target, sources: [fixture('big.c')], defines: { BIG_RAM: 200 * 1024 }, outDir: path.join(outRoot, 'f446-big') }));
    expect(e.code).toBe('E_DOES_NOT_FIT');
    expect(e.message).toContain('RAM overflowed by');
    expect(e.message).toContain('nucleo-f446re');
    expect(e.where).toContain('emulated on mps2-an386');
  });

  test('--emulate rpi-pico (Cortex-M0+) on the micro:bit, clamped to its memory', async () => {
    const fw = await build('rpi-pico', 'hello.c', { emulate: true });
    expect(fw.target.warnings.map((w) => w.code)).toEqual(['W_EMULATE_CLAMPED', 'W_EMULATE_CLAMPED']);
    expect(fw.warnings).toEqual([]); // the target's, not repeated: a build reports them once
    const r = await runQemu({ board: 'rpi-pico', elf: fw.elf });
    expect(r.machine).toBe('microbit');
    expect(r.exitCode).toBe(7);
  });
});

describe.skipIf(!hasTool('arm-none-eabi-gcc'))('firmware for real boards (link only)', () => {
  const real = ['nucleo-f446re', 'nucleo-l476rg', 'nucleo-l4r5zi', 'nucleo-h743zi2', 'disco-f746ng', 'nucleo-u575zi-q', 'arduino-nano-33-ble', 'rpi-pico', 'nrf52840-dk'];
  test.each(real)('%s: every UART driver and init table compiles warning-free, vectors at the flash origin (after boot2 on the RP2040)', async (board) => {
    const fw = await build(board, 'hello.c');
    expect(fw.target.mode).toBe('device');
    const vectors = fw.sections.find((s) => s.name === '.isr_vector')!;
    // The RP2040's boot ROM runs the 256-byte second-stage bootloader at the flash origin first.
    const boot2 = fw.sections.find((s) => s.name === '.boot2');
    expect(boot2 ? { vma: boot2.vma, size: boot2.size } : undefined).toEqual(board === 'rpi-pico' ? { vma: fw.target.flash.origin, size: 256 } : undefined);
    expect(vectors.vma).toBe(fw.target.flash.origin + (board === 'rpi-pico' ? 0x100 : 0));
    expect(vectors.region).toBe('FLASH');
    expect(fw.sections.find((s) => s.name === '.data')!.region).toBe('RAM');
  });
});
