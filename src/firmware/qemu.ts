/**
 * Running a firmware in qemu-system-arm: UART on stdio, semihosting (exit code, stderr text) to
 * a file of its own, optionally -icount (deterministic virtual time) and the instruction-count
 * plugin (exact counts at each tp_mark call).
 *
 * Every run is bounded by a timeout that kills QEMU's whole process group (src/util/process.ts);
 * its temporary directory goes on exit and on an interrupt too. The exit code says
 * how the firmware ended (FIRMWARE.md): 0-99 its own code; 100 + n a fault in exception n,
 * reported as E_FAULT with the exception's name and the faulting source line; SIGABRT a CPU
 * lockup (QEMU aborts), usually a wrong core or link address.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { resolveTarget, type BoardProfile, type QemuMachine, type Target } from '../boards/index.js';
import { TinypruneError } from '../errors.js';
import { runCommand, type CommandResult } from '../util/process.js';
import { makeTempDir } from '../util/tempdir.js';
import { markAddressIn, parseNmSizes } from './elf.js';
import { ensureIcountPlugin, parsePluginOutput, type PluginCounts } from './plugin.js';
import { qemuArgs, qemuMachineOf } from './qemu-args.js';
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
  /**
   * With markers: also estimate cycles (cycleMarks, estimatedCycles) with the board's core
   * timing model (the plugin's core=). Opt-in: it decodes every translated instruction and
   * adds a second inline add per instruction and a callback per block, which only runs that
   * report estimated cycles need. Instruction counts are the same either way.
   */
  cycles?: boolean;
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
   * Estimated cycles (markers and cycles only): every executed instruction priced with the board's core
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

/** Address of tp_mark (Thumb bit cleared): where the instruction-count plugin records marks. */
export async function markAddressOf(elf: string): Promise<number> {
  const nm = findTool('arm-none-eabi-nm');
  const r = await runCommand([nm, '-S', elf], { timeoutMs: 30_000 });
  const mark = r.exitCode === 0 ? markAddressIn(parseNmSizes(r.stdout.toString('utf8'))) : undefined;
  if (mark === undefined) {
    throw new TinypruneError('E_TOOL_FAILED', `tp_mark not found in ${elf}: instruction marks need the platform layer`, {
      where: elf,
      hint: r.stderr.trim() || 'the firmware must link firmware/platform (tp_mark.c): rebuild with `tinyprune build`, or buildFirmware({ platform: true })',
    });
  }
  return mark;
}

async function sourceLine(elf: string, pc: number): Promise<string | undefined> {
  try {
    const a2l = findTool('arm-none-eabi-addr2line');
    const r = await runCommand([a2l, '-f', '-s', '-e', elf, '0x' + pc.toString(16)], { timeoutMs: 10_000 });
    const [fn, loc] = r.stdout.toString('utf8').split('\n');
    if (!fn || fn === '??') return undefined;
    return `${fn} (${loc ?? '?'})`;
  } catch {
    return undefined;
  }
}

function readSemihost(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // no semihosting output
    return '';
  }
}

/**
 * How the run went wrong, if it did: a CPU lockup (QEMU aborts), QEMU failing to start, or a
 * firmware fault (exit 100 + the exception number), with the faulting source line.
 */
async function checkRun(opts: QemuOptions, machine: string, r: CommandResult, run: { uart: string; semihost: string }): Promise<void> {
  const qemuStderr = r.stderr;
  if (r.signal === 'SIGABRT' || /Lockup/i.test(qemuStderr)) {
    throw new TinypruneError('E_FAULT', `CPU lockup in QEMU ${machine}: ${qemuStderr.split('\n').find((l) => l.trim()) ?? 'aborted'}`, {
      where: opts.elf,
      hint: 'the core could not even take a fault: wrong core or link address (vector table not where the machine boots), missing semihosting, or a fault while handling a fault (stack overflow)',
    });
  }
  const exitCode = r.exitCode ?? -1;
  const qemuError = qemuStderr.split('\n').find((l) => /^qemu-system-arm: (?!warning)/.test(l));
  if (qemuError && run.uart === '' && run.semihost === '') {
    throw new TinypruneError('E_TOOL_FAILED', `QEMU failed to start: ${qemuError}`, { where: r.command.join(' ').slice(0, 500) });
  }
  if (exitCode >= 100 && exitCode <= 255) {
    const exc = exitCode - 100;
    const name = exceptionName(exc);
    const line = run.semihost.split('\n').find((l) => l.startsWith('tinyprune-fault:'));
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
}

/** The counting plugin's output (markers only). */
function readPluginCounts(marksFile: string, qemuStderr: string): Omit<PluginCounts, 'marks'> & { marks: number[] | undefined } {
  let text = '';
  try {
    text = readFileSync(marksFile, 'utf8');
  } catch {
    throw new TinypruneError('E_TOOL_FAILED', 'the instruction-count plugin wrote no output', {
      where: marksFile,
      hint: `QEMU said: ${qemuStderr.trim().slice(0, 500)}`,
    });
  }
  return parsePluginOutput(text);
}

export async function runQemu(opts: QemuOptions): Promise<QemuResult> {
  const target: Target =
    typeof opts.board === 'object' && 'mode' in opts.board
      ? opts.board
      : resolveTarget(opts.board as string | BoardProfile, { emulate: true });
  const machine = qemuMachineOf(target);
  const qemu = findTool('qemu-system-arm');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const tmp = makeTempDir('tinyprune-qemu-');
  const semihostFile = path.join(tmp.path, 'semihost.txt');
  const marksFile = path.join(tmp.path, 'marks.txt');
  try {
    const plugin = opts.markers
      ? { path: await ensureIcountPlugin(), markAddress: opts.markAddress ?? (await markAddressOf(opts.elf)), out: marksFile, ...(opts.cycles ? { core: target.board.core } : {}) }
      : undefined;
    const args = qemuArgs({
      ...machine,
      serial: 'stdio',
      semihostFile,
      icount: opts.icount ?? false,
      ...(plugin ? { plugin } : {}),
      kernel: path.resolve(opts.elf),
      ...(opts.extraArgs ? { userArgs: opts.extraArgs } : {}),
    });
    const command = [qemu, ...args];
    const r = await runCommand(command, {
      what: `QEMU (${machine.machine})`,
      timeoutMs,
      maxBuffer: 256 * 1024 * 1024,
      ...(opts.stdin !== undefined ? { input: opts.stdin, inputAfterOutput: true } : {}),
      timeoutHint: (p) =>
        'the firmware must end by returning from main() or calling tp_exit(); it may be waiting for UART input or looping. Last UART output: ' +
        JSON.stringify(p.stdout.toString('utf8').slice(-200)),
    });
    const uartBytes = r.stdout;
    const uart = uartBytes.toString('utf8');
    const semihost = readSemihost(semihostFile);
    await checkRun(opts, machine.machine, r, { uart, semihost });
    const { marks, instructions, cycleMarks, estimatedCycles } = opts.markers
      ? readPluginCounts(marksFile, r.stderr)
      : { marks: undefined, instructions: undefined, cycleMarks: undefined, estimatedCycles: undefined };
    return { exitCode: r.exitCode ?? -1, uart, uartBytes, semihost, marks, instructions, cycleMarks, estimatedCycles, machine: machine.machine, command, durationMs: r.durationMs };
  } finally {
    tmp.remove();
  }
}
