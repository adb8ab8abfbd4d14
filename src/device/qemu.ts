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
 * QEMU runs with execa's cleanup (killed if Node exits) and a lifetime watchdog, so a session
 * the caller forgets cannot outlive its bound.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { execa, type ResultPromise } from 'execa';

import { resolveTarget, type Target } from '../boards/index.js';
import { TinypruneError } from '../errors.js';
import { ensureIcountPlugin } from '../firmware/plugin.js';
import { exceptionName } from '../firmware/qemu.js';
import { findTool } from '../firmware/toolchain.js';

export interface QemuSessionOptions {
  /** A QEMU board or a real board's emulated target. */
  target: Target | string;
  /** Loaded with -kernel. Leave out with gdb: true (the debugger loads it). */
  elf?: string;
  /** Start halted with a gdbstub on a free local TCP port, no firmware loaded. */
  gdb?: boolean;
  /** Instruction-count plugin: needs tp_mark's address in the ELF that will run. */
  markAddress?: number;
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
  /** Estimated cycles at the same marks (the core's timing model, docs/CYCLES.md). */
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

const qemuOpt = (s: string): string => s.replace(/,/g, ',,');

export async function startQemuSession(opts: QemuSessionOptions): Promise<QemuSession> {
  const target = typeof opts.target === 'string' ? resolveTarget(opts.target, { emulate: true }) : opts.target;
  if (target.machine === undefined || target.qemuBoard?.qemu === undefined) {
    throw new TinypruneError('E_BOARD', `${target.board.name} is a device target; it has no QEMU machine`, {
      where: `board ${target.board.name}`,
      hint: 'build with --emulate to run a real board on its QEMU stand-in',
    });
  }
  if (!opts.gdb && opts.elf === undefined) throw new TinypruneError('E_USAGE', 'a QEMU session needs an ELF or a gdbstub', { where: 'startQemuSession' });
  const qemu = findTool('qemu-system-arm');
  const cfg = target.qemuBoard.qemu;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinyprune-qemu-pty-'));
  const marksFile = path.join(tmp, 'marks.txt');
  const semihostFile = path.join(tmp, 'semihost.txt');
  const gdbPort = opts.gdb ? await freePort() : undefined;
  const args = [
    '-M',
    target.machine,
    ...(cfg.cpu ? ['-cpu', cfg.cpu] : []),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'pty',
    '-chardev',
    `file,id=tpsemi,path=${qemuOpt(semihostFile)}`,
    '-semihosting-config',
    'enable=on,target=native,chardev=tpsemi',
    // Deterministic virtual time: SysTick (the firmware's timer in QEMU) follows instructions.
    '-icount',
    'shift=0,align=off,sleep=off',
  ];
  if (!opts.gdb) args.push('-no-reboot');
  if (opts.markAddress !== undefined) {
    const plugin = await ensureIcountPlugin();
    args.push('-plugin', `${qemuOpt(plugin)},mark=0x${opts.markAddress.toString(16)},core=${target.board.core},out=${qemuOpt(marksFile)}`);
  }
  args.push(...cfg.extraArgs);
  if (opts.gdb) args.push('-gdb', `tcp:127.0.0.1:${gdbPort}`, '-S');
  else args.push('-kernel', path.resolve(opts.elf!));

  const child: ResultPromise = execa(qemu, args, {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    encoding: 'utf8',
    cleanup: true,
    buffer: false,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer | string) => (stderr += d.toString()));
  const lifetime = setTimeout(() => child.kill('SIGKILL'), opts.lifetimeMs ?? 15 * 60_000);
  lifetime.unref();

  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    clearTimeout(lifetime);
    rmSync(tmp, { recursive: true, force: true });
  };
  const exited: Promise<QemuExit> = child.then(
    (r) => {
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
      cleanup();
      return { exitCode: code, signal: r.signal ?? undefined, fault };
    },
    () => {
      cleanup();
      return { exitCode: undefined, signal: undefined, fault: undefined };
    },
  );

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  // Wait for QEMU to announce the pty (or to fail).
  const startMs = opts.startTimeoutMs ?? 10_000;
  const ptyPath = await new Promise<string>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const m = /char device redirected to (\/dev\/\S+) \(label serial0\)/.exec(stderr) ?? /char device redirected to (\/dev\/\S+)/.exec(stderr);
      if (m) {
        clearInterval(poll);
        resolve(m[1]!);
      } else if (Date.now() - started > startMs) {
        clearInterval(poll);
        reject(new TinypruneError('E_TIMEOUT', `QEMU did not open its serial pty within ${startMs} ms`, { where: [qemu, ...args].join(' ').slice(0, 400), hint: stderr.slice(-400) }));
      }
    }, 20);
    void exited.then((x) => {
      clearInterval(poll);
      reject(
        new TinypruneError('E_TOOL_FAILED', `QEMU exited before opening its serial pty (exit ${x.exitCode ?? x.signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, {
          where: [qemu, ...args].join(' ').slice(0, 400),
        }),
      );
    });
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });

  let consumed = 0;
  const marks: number[] = [];
  const cycleMarks: number[] = [];
  const refresh = (): void => {
    if (opts.markAddress === undefined) return;
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
    machine: target.machine,
    ptyPath,
    gdbRemote: gdbPort !== undefined ? `127.0.0.1:${gdbPort}` : undefined,
    command: [qemu, ...args],
    marks() {
      refresh();
      return marks.slice();
    },
    cycleMarks() {
      refresh();
      return cycleMarks.slice();
    },
    exited,
    stderr: () => stderr,
    stop,
  };
}
