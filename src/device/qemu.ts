/**
 * A long-running QEMU for the serial path: the board's UART on a pseudo-terminal
 * (-serial pty) that the host opens with `serialport` exactly like a USB board's port, the
 * instruction-count plugin recording every tp_mark() (exact counts, read while QEMU runs),
 * and optionally a gdbstub that starts the machine halted and empty so a debugger can load
 * the firmware (`tinyprune flash` through GDB, as on a board with a debug probe).
 *
 * Facts this relies on (docs FIRMWARE.md): QEMU prints "char device redirected to
 * /dev/pts/N (label serial0)" on stderr; it drops UART output until the host opens the pty
 * (the protocol's handshake retries); a GDB `load` leaves SP at 0, so the machine is reset
 * afterwards - which -no-reboot would turn into an exit, so it is not used with the gdbstub.
 *
 * QEMU runs in a process group of its own (src/util/process.ts), killed by stop(), by a
 * lifetime watchdog and on exit or interrupt, so a session the caller forgets cannot outlive
 * its bound or the command; its temporary directory goes with it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { resolveTarget, type Target } from '../boards/index.js';
import { TinypruneError } from '../errors.js';
import { ensureIcountPlugin } from '../firmware/plugin.js';
import { qemuArgs, qemuMachineOf } from '../firmware/qemu-args.js';
import { exceptionName } from '../firmware/qemu.js';
import { findTool } from '../firmware/toolchain.js';
import { startChild } from '../util/process.js';
import { makeTempDir } from '../util/tempdir.js';

export interface QemuSessionOptions {
  /** A QEMU board or a real board's emulated target. */
  target: Target | string;
  /** Loaded with -kernel. Leave out with gdb: true (the debugger loads it). */
  elf?: string;
  /** Start halted with a gdbstub on a free local TCP port, no firmware loaded. */
  gdb?: boolean;
  /** Instruction-count plugin: needs tp_mark's address in the ELF that will run. */
  markAddress?: number;
  /** With markAddress: estimated cycles too (cycleMarks; the plugin's core=). Opt-in, as in runQemu. */
  cycles?: boolean;
  /** Bound on QEMU coming up (pty announced). Default 10 s. */
  startTimeoutMs?: number;
  /** QEMU is killed after this long whatever happens. Default 15 min. */
  lifetimeMs?: number;
}

export interface QemuExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** A fault (exit code 100 + exception number), named. */
  fault: string | undefined;
}

export interface QemuSession {
  machine: string;
  /** The UART's pseudo-terminal, e.g. /dev/pts/3. */
  ptyPath: string;
  /** host:port of the gdbstub (gdb: true). */
  gdbRemote: string | undefined;
  command: string[];
  /** Instruction counts at every tp_mark so far (plugin), in order. */
  marks(): number[];
  /** Estimated cycles at the same marks (the core's timing model, docs/CYCLES.md); empty without `cycles`. */
  cycleMarks(): number[];
  /** Resolves when QEMU exits (by itself or by stop()). */
  exited: Promise<QemuExit>;
  /** QEMU's stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** How QEMU ended: a fault (exit 100 + the exception number) named, with the firmware's fault line. */
function exitOf(r: { exitCode: number | undefined; signal: string | undefined }, semihostFile: string): QemuExit {
  const semihost = (() => {
    try {
      return readFileSync(semihostFile, 'utf8');
    } catch {
      return '';
    }
  })();
  const code = r.exitCode;
  const fault =
    code !== undefined && code >= 100 && code <= 255
      ? `${exceptionName(code - 100)} (exception ${code - 100})${semihost.includes('tinyprune-fault:') ? `: ${semihost.split('\n').find((l) => l.startsWith('tinyprune-fault:'))}` : ''}`
      : undefined;
  return { exitCode: code, signal: r.signal, fault };
}

/** The pty QEMU announces on stderr; E_TIMEOUT after startMs, E_TOOL_FAILED when QEMU exits first. */
function waitForPty(stderr: () => string, exited: Promise<QemuExit>, startMs: number, command: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const text = stderr();
      const m = /char device redirected to (\/dev\/\S+) \(label serial0\)/.exec(text) ?? /char device redirected to (\/dev\/\S+)/.exec(text);
      if (m) {
        clearInterval(poll);
        resolve(m[1]!);
      } else if (Date.now() - started > startMs) {
        clearInterval(poll);
        reject(new TinypruneError('E_TIMEOUT', `QEMU did not open its serial pty within ${startMs} ms`, { where: command.join(' ').slice(0, 400), hint: stderr().slice(-400) }));
      }
    }, 20);
    void exited.then((x) => {
      clearInterval(poll);
      reject(
        new TinypruneError('E_TOOL_FAILED', `QEMU exited before opening its serial pty (exit ${x.exitCode ?? x.signal}): ${stderr().trim().split('\n').slice(-3).join(' | ')}`, {
          where: command.join(' ').slice(0, 400),
        }),
      );
    });
  });
}

/** The plugin's marks file, read as it grows: instruction counts and estimated cycles (none without the plugin). */
function markFileReader(marksFile: string, enabled: boolean): Pick<QemuSession, 'marks' | 'cycleMarks'> {
  let consumed = 0;
  const marks: number[] = [];
  const cycleMarks: number[] = [];
  const refresh = (): void => {
    if (!enabled) return;
    let text = '';
    try {
      text = readFileSync(marksFile, 'utf8');
    } catch {
      return;
    }
    // Only whole lines: the plugin may be writing the next one.
    const end = text.lastIndexOf('\n') + 1;
    for (const l of text.slice(consumed, end).split('\n')) {
      const m = /^(c?)mark (\d+)$/.exec(l);
      if (m) (m[1] ? cycleMarks : marks).push(Number(m[2]));
    }
    consumed = end;
  };
  return {
    marks() {
      refresh();
      return marks.slice();
    },
    cycleMarks() {
      refresh();
      return cycleMarks.slice();
    },
  };
}

export async function startQemuSession(opts: QemuSessionOptions): Promise<QemuSession> {
  const target = typeof opts.target === 'string' ? resolveTarget(opts.target, { emulate: true }) : opts.target;
  const machine = qemuMachineOf(target);
  if (!opts.gdb && opts.elf === undefined) throw new TinypruneError('E_USAGE', 'a QEMU session needs an ELF or a gdbstub', { where: 'startQemuSession' });
  const qemu = findTool('qemu-system-arm');
  const plugin = opts.markAddress !== undefined ? await ensureIcountPlugin() : undefined;
  const gdbPort = opts.gdb ? await freePort() : undefined;
  const tmp = makeTempDir('tinyprune-qemu-pty-');
  const marksFile = path.join(tmp.path, 'marks.txt');
  const semihostFile = path.join(tmp.path, 'semihost.txt');
  const args = qemuArgs({
    ...machine,
    serial: 'pty',
    semihostFile,
    // Deterministic virtual time: SysTick (the firmware's timer in QEMU) follows instructions.
    icount: true,
    ...(plugin !== undefined ? { plugin: { path: plugin, markAddress: opts.markAddress!, out: marksFile, ...(opts.cycles ? { core: target.board.core } : {}) } } : {}),
    ...(gdbPort !== undefined ? { gdb: `127.0.0.1:${gdbPort}` } : { kernel: path.resolve(opts.elf!) }),
  });

  // Its own process group, killed on stop(), after the lifetime bound, and on exit/interrupt.
  const child = startChild([qemu, ...args], { what: `QEMU (${machine.machine})`, lifetimeMs: opts.lifetimeMs ?? 15 * 60_000, graceMs: 500 });
  const stderr = (): string => child.allText();
  const exited: Promise<QemuExit> = child.exited.then((r) => {
    const exit = exitOf(r, semihostFile);
    tmp.remove();
    return exit;
  });
  const stop = async (): Promise<void> => {
    await child.stop();
    await exited;
  };

  // Wait for QEMU to announce the pty (or to fail).
  const ptyPath = await waitForPty(stderr, exited, opts.startTimeoutMs ?? 10_000, [qemu, ...args]).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return {
    machine: machine.machine,
    ptyPath,
    gdbRemote: gdbPort !== undefined ? `127.0.0.1:${gdbPort}` : undefined,
    command: [qemu, ...args],
    ...markFileReader(marksFile, opts.markAddress !== undefined),
    exited,
    stderr,
    stop,
  };
}
