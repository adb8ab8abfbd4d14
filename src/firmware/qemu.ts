/**
 * Running a firmware in qemu-system-arm: UART on stdio, semihosting (exit code, stderr text) to
 * a file of its own, optionally -icount (deterministic virtual time) and the instruction-count
 * plugin (exact counts at each tp_mark call).
 *
 * Every run is bounded by a timeout that kills QEMU's whole process group. The exit code says
 * how the firmware ended (FIRMWARE.md): 0-99 its own code; 100 + n a fault in exception n,
 * reported as E_FAULT with the exception's name and the faulting source line; SIGABRT a CPU
 * lockup (QEMU aborts), usually a wrong core or link address.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execa } from 'execa';

import { resolveTarget, type BoardProfile, type QemuMachine, type Target } from '../boards/index.js';
import { TinypruneError } from '../errors.js';
import { ensureIcountPlugin, parsePluginOutput } from './plugin.js';
import { findTool } from './toolchain.js';

export interface QemuOptions {
  /** Board name, profile or resolved target. A real board runs on its emulateWith board. */
  board: string | BoardProfile | Target;
  elf: string;
  /** Kill QEMU after this long (default 30 s). */
  timeoutMs?: number;
  /** -icount shift=0,align=off,sleep=off: 1 ns of virtual time per instruction. */
  icount?: boolean;
  /** Load the counting plugin and return the count at each tp_mark call. */
  markers?: boolean;
  /** tp_mark's address (BuildResult.markAddress); looked up with nm when absent. */
  markAddress?: number;
  /**
   * Bytes fed to the UART, written once the firmware has printed its first UART byte: some
   * QEMU UART models (the STM32 USART) drop input that arrives before the guest has enabled
   * the receiver, and QEMU reads stdin before the guest runs its first instruction. So a
   * firmware that reads input must print something first (a banner, "m-ready").
   */
  stdin?: Uint8Array | string;
  extraArgs?: string[];
}

export interface QemuResult {
  exitCode: number;
  /** UART output as text (UTF-8). */
  uart: string;
  uartBytes: Buffer;
  /** Semihosting output (the firmware's stderr). */
  semihost: string;
  /** Instructions executed before each tp_mark call, in order (markers only). */
  marks: number[] | undefined;
  /** Instructions executed in the whole run (markers only). */
  instructions: number | undefined;
  /**
   * Estimated cycles (markers only): every executed instruction priced with the board's core
   * timing from the Arm manuals (firmware/qemu-plugin/tp_cycles.h; docs/CYCLES.md), before each
   * tp_mark call and for the whole run. A timing model, not a measurement.
   */
  cycleMarks: number[] | undefined;
  estimatedCycles: number | undefined;
  machine: QemuMachine;
  command: string[];
  durationMs: number;
}

export const EXCEPTION_NAMES: Record<number, string> = {
  2: 'NMI',
  3: 'HardFault',
  4: 'MemManage',
  5: 'BusFault',
  6: 'UsageFault',
  7: 'SecureFault',
  11: 'SVCall',
  12: 'DebugMonitor',
  14: 'PendSV',
  15: 'SysTick',
};

const FAULT_HINTS: Record<string, string> = {
  HardFault: 'an escalated fault: a bad memory access, an undefined instruction, or the FPU used before it was enabled',
  MemManage: 'an MPU violation or an execute-never region',
  BusFault: 'a load/store to an address with no memory or peripheral (a bad pointer, an array index out of range)',
  UsageFault: 'an undefined instruction, an unaligned access, a division by zero (if trapped), or code built for a different core',
  SecureFault: 'a TrustZone violation (non-secure access to secure memory)',
};

export function exceptionName(n: number): string {
  return EXCEPTION_NAMES[n] ?? (n >= 16 ? `IRQ${n - 16}` : `exception ${n}`);
}

/** Escapes a value inside a QEMU -opt list (a comma is written twice). */
const qemuOpt = (s: string) => s.replace(/,/g, ',,');

async function lookupMark(elf: string): Promise<number> {
  const nm = findTool('arm-none-eabi-nm');
  const r = await execa(nm, [elf], { reject: false, stdin: 'ignore', timeout: 30_000 });
  const m = /^([0-9a-f]+)\s+T\s+tp_mark$/m.exec(String(r.stdout));
  if (!m) {
    throw new TinypruneError('E_TOOL_FAILED', 'tp_mark not found in the ELF: instruction marks need the platform layer', {
      where: elf,
      hint: 'build with buildFirmware({ platform: true }) or define void tp_mark(uint32_t) yourself',
    });
  }
  return parseInt(m[1]!, 16) & ~1;
}

async function sourceLine(elf: string, pc: number): Promise<string | undefined> {
  try {
    const a2l = findTool('arm-none-eabi-addr2line');
    const r = await execa(a2l, ['-f', '-s', '-e', elf, '0x' + pc.toString(16)], { reject: false, stdin: 'ignore', timeout: 10_000 });
    const [fn, loc] = String(r.stdout).split('\n');
    if (!fn || fn === '??') return undefined;
    return `${fn} (${loc ?? '?'})`;
  } catch {
    return undefined;
  }
}

export async function runQemu(opts: QemuOptions): Promise<QemuResult> {
  const target: Target =
    typeof opts.board === 'object' && 'mode' in opts.board
      ? opts.board
      : resolveTarget(opts.board as string | BoardProfile, { emulate: true });
  if (target.machine === undefined || target.qemuBoard?.qemu === undefined) {
    throw new TinypruneError('E_BOARD', `${target.board.name} is a device target; it cannot run in QEMU`, {
      where: `board ${target.board.name}`,
      hint: 'resolve the target with { emulate: true } (needs "emulateWith" in the board file)',
    });
  }
  const qemuCfg = target.qemuBoard.qemu;
  const qemu = findTool('qemu-system-arm');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinyprune-qemu-'));
  const semihostFile = path.join(tmp, 'semihost.txt');
  const marksFile = path.join(tmp, 'marks.txt');
  try {
    const args = [
      '-M',
      target.machine,
      ...(qemuCfg.cpu ? ['-cpu', qemuCfg.cpu] : []),
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-chardev',
      `file,id=tpsemi,path=${qemuOpt(semihostFile)}`,
      '-semihosting-config',
      'enable=on,target=native,chardev=tpsemi',
      '-no-reboot',
    ];
    if (opts.icount) args.push('-icount', 'shift=0,align=off,sleep=off');
    if (opts.markers) {
      const plugin = await ensureIcountPlugin();
      const mark = opts.markAddress ?? (await lookupMark(opts.elf));
      args.push('-plugin', `${qemuOpt(plugin)},mark=0x${mark.toString(16)},core=${target.board.core},out=${qemuOpt(marksFile)}`);
    }
    args.push(...qemuCfg.extraArgs, ...(opts.extraArgs ?? []), '-kernel', path.resolve(opts.elf));

    const started = Date.now();
    const child = execa(qemu, args, {
      reject: false,
      detached: true, // its own process group, so a timeout kills QEMU and anything it spawned
      encoding: 'buffer',
      stripFinalNewline: false,
      stdin: 'pipe',
      maxBuffer: 256 * 1024 * 1024,
    });
    const input = opts.stdin === undefined ? undefined : typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : Buffer.from(opts.stdin);
    const stdin = child.stdin;
    if (input === undefined || input.length === 0) {
      stdin?.end();
    } else {
      child.stdout?.once('data', () => {
        stdin?.end(input);
      });
    }
    // QEMU may exit before it reads its input: that is not an error of ours.
    stdin?.on('error', () => undefined);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    const r = await child;
    clearTimeout(timer);
    const durationMs = Date.now() - started;
    const uartBytes = Buffer.from(r.stdout as Uint8Array);
    const uart = uartBytes.toString('utf8');
    const qemuStderr = Buffer.from(r.stderr as Uint8Array).toString('utf8');
    let semihost = '';
    try {
      semihost = readFileSync(semihostFile, 'utf8');
    } catch {
      // no semihosting output
    }
    const command = [qemu, ...args];

    if (timedOut) {
      throw new TinypruneError('E_TIMEOUT', `QEMU (${target.machine}) did not exit within ${timeoutMs} ms`, {
        where: opts.elf,
        hint: 'the firmware must end by returning from main() or calling tp_exit(); it may be waiting for UART input or looping. Last UART output: ' +
          JSON.stringify(uart.slice(-200)),
      });
    }
    if (r.signal === 'SIGABRT' || /Lockup/i.test(qemuStderr)) {
      throw new TinypruneError('E_FAULT', `CPU lockup in QEMU ${target.machine}: ${qemuStderr.split('\n').find((l) => l.trim()) ?? 'aborted'}`, {
        where: opts.elf,
        hint: 'the core could not even take a fault: wrong core or link address (vector table not where the machine boots), missing semihosting, or a fault while handling a fault (stack overflow)',
      });
    }
    const exitCode = r.exitCode ?? -1;
    const qemuError = qemuStderr.split('\n').find((l) => /^qemu-system-arm: (?!warning)/.test(l));
    if (qemuError && uart === '' && semihost === '') {
      throw new TinypruneError('E_TOOL_FAILED', `QEMU failed to start: ${qemuError}`, { where: command.join(' ').slice(0, 500) });
    }
    if (exitCode >= 100 && exitCode <= 255) {
      const exc = exitCode - 100;
      const name = exceptionName(exc);
      const line = semihost.split('\n').find((l) => l.startsWith('tinyprune-fault:'));
      const pc = line ? /pc=0x([0-9a-f]+)/.exec(line)?.[1] : undefined;
      const at = pc ? await sourceLine(opts.elf, parseInt(pc, 16)) : undefined;
      throw new TinypruneError(
        'E_FAULT',
        `firmware fault: ${name} (exception ${exc})${pc ? ` at pc 0x${pc}` : ''}${at ? ` in ${at}` : ''}`,
        {
          where: `${opts.elf}${at ? `: ${at}` : ''}`,
          hint: `${FAULT_HINTS[name] ?? 'an unexpected exception'}${line ? `. Fault report: ${line.trim()}` : ''}`,
        },
      );
    }

    let marks: number[] | undefined;
    let instructions: number | undefined;
    let cycleMarks: number[] | undefined;
    let estimatedCycles: number | undefined;
    if (opts.markers) {
      let text = '';
      try {
        text = readFileSync(marksFile, 'utf8');
      } catch {
        throw new TinypruneError('E_TOOL_FAILED', 'the instruction-count plugin wrote no output', {
          where: marksFile,
          hint: `QEMU said: ${qemuStderr.trim().slice(0, 500)}`,
        });
      }
      ({ marks, instructions, cycleMarks, estimatedCycles } = parsePluginOutput(text));
    }
    return { exitCode, uart, uartBytes, semihost, marks, instructions, cycleMarks, estimatedCycles, machine: target.machine, command, durationMs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
