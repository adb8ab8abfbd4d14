/**
 * Every external program tinyprune runs (gcc, nm, objcopy, QEMU, GDB, flashers, host test
 * executables) runs through here, for three guarantees:
 *
 *  - Its own process group (spawned detached), and every kill is of the whole group: killing
 *    only the direct child leaves its children (gcc's cc1/as/ld, a wrapper script's `sleep`,
 *    a GDB server it forked) running and holding the output pipes open, and waiting for those
 *    pipes is itself a hang.
 *  - Bounded: a timeout (one-shot commands) or a lifetime (long-running children the caller
 *    talks to) sends SIGTERM to the group, then SIGKILL after a grace period.
 *  - Never outlives the command: each group registers a synchronous SIGKILL with the cleanup
 *    registry (src/util/cleanup.ts), which the CLI runs on exit, SIGINT, SIGTERM and SIGHUP;
 *    an abort signal kills it too. When the direct child exits, whatever it left in its group
 *    is killed at once.
 *
 * `runCommand` is the one-shot form (collects stdout/stderr, throws E_TOOL_MISSING,
 * E_TIMEOUT, E_INTERRUPTED; a non-zero exit is returned for the caller to explain);
 * `startChild` is the long-running one (QEMU with a serial pty, a GDB server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { TinypruneError } from '../errors.js';
import { onCleanup } from './cleanup.js';
import { makeTempDir } from './tempdir.js';

/** Sends `signal` to process group `pgid`; false when the group is gone. Synchronous. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

export interface ChildOptions {
  cwd?: string;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** 'pipe' to write to the child's stdin (default 'ignore'). */
  stdin?: 'ignore' | 'pipe';
  /** The group is stopped after this long whatever happens (default: no bound). */
  lifetimeMs?: number;
  /** Stops the group when aborted. */
  signal?: AbortSignal;
  /** Bytes of stdout and of stderr kept; more stops the child (default 64 MiB). */
  maxBuffer?: number;
  /** Between SIGTERM and SIGKILL when stopping (default 1 s). */
  graceMs?: number;
  /** The name in errors and in the cleanup list (default: the program's base name). */
  what?: string;
}

export type StopReason = 'lifetime' | 'abort' | 'stop' | 'output';

export interface ChildExit {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  /** Why we ended it, when we did. */
  stoppedBy: StopReason | undefined;
  /** The program could not be started (E_TOOL_MISSING / E_TOOL_FAILED). */
  spawnError?: TinypruneError;
}

export interface Child {
  readonly pid: number | undefined;
  readonly command: readonly string[];
  readonly what: string;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Output so far. */
  stdoutBytes(): Buffer;
  stderrBytes(): Buffer;
  /** stdout and stderr interleaved as they arrived. */
  allText(): string;
  /** Resolves (never rejects) once the child exited, its group is gone and its pipes closed. */
  readonly exited: Promise<ChildExit>;
  /** SIGTERM to the group, SIGKILL after the grace period; resolves with the exit. */
  stop(reason?: StopReason): Promise<ChildExit>;
}

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

function spawnError(e: NodeJS.ErrnoException, file: string, command: readonly string[]): TinypruneError {
  if (e.code === 'ENOENT') {
    return new TinypruneError('E_TOOL_MISSING', `${file} not found`, {
      where: file.includes('/') ? file : `PATH=${process.env['PATH'] ?? ''}`,
      hint: `install ${path.basename(file)} or put it on PATH`,
      data: { command: [...command] },
    });
  }
  return new TinypruneError('E_TOOL_FAILED', `cannot start ${file}: ${e.message}`, {
    where: file,
    hint: e.code === 'EACCES' ? 'the file is not executable: chmod +x it, or check the path' : 'check the program and its permissions',
    data: { command: [...command], errno: e.code },
    cause: e,
  });
}

/** Keeps what a child prints (up to maxBuffer bytes a stream; more calls onOverflow). */
function collectOutput(stdout: Readable, stderr: Readable, maxBuffer: number, onOverflow: () => void) {
  const chunks = { out: [] as Buffer[], err: [] as Buffer[], all: [] as Buffer[] };
  const sizes = { out: 0, err: 0 };
  const collect = (key: 'out' | 'err') => (d: Buffer) => {
    sizes[key] += d.length;
    if (sizes[key] > maxBuffer) return onOverflow();
    chunks[key].push(d);
    chunks.all.push(d);
  };
  stdout.on('data', collect('out'));
  stderr.on('data', collect('err'));
  return {
    stdoutBytes: () => Buffer.concat(chunks.out),
    stderrBytes: () => Buffer.concat(chunks.err),
    allText: () => Buffer.concat(chunks.all).toString('utf8'),
  };
}

/**
 * Stopping a child's process group: SIGTERM, then SIGKILL after the grace period (at once when
 * the leader is gone), and the timers that go with it, all cleared when the child has closed.
 */
class GroupStopper {
  /** Why we ended it, when we did (the first reason wins). */
  stoppedBy: StopReason | undefined;
  /** The direct child exited (its group may live on). */
  leaderGone = false;
  /** The child exited and its pipes closed. */
  closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly pid: number | undefined,
    private readonly pipes: Readable[],
    private readonly graceMs: number,
  ) {}

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    this.timers.push(t);
    return t;
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  /** A process that left the group (setsid) may still hold the pipes: stop waiting for them. */
  releasePipesSoon(): void {
    this.after(2000, () => {
      for (const p of this.pipes) p.destroy();
    }).unref();
  }

  hardKill(): void {
    if (this.pid !== undefined) killGroup(this.pid, 'SIGKILL');
    this.releasePipesSoon();
  }

  stopNow(reason: StopReason): void {
    this.stoppedBy ??= reason;
    if (this.closed || this.pid === undefined) return;
    if (this.leaderGone || !killGroup(this.pid, 'SIGTERM')) return this.hardKill();
    this.after(this.graceMs, () => this.hardKill());
  }
}

/** Resolves once the child has closed: the leader's exit kills what it left in its group. */
function watchExit(child: ChildProcess, group: GroupStopper, command: readonly string[], onClosed: () => void): Promise<ChildExit> {
  const pid = child.pid;
  return new Promise<ChildExit>((resolve) => {
    const finish = (exit: Omit<ChildExit, 'stoppedBy'>): void => {
      if (group.closed) return;
      group.closed = true;
      group.clearTimers();
      onClosed();
      resolve({ ...exit, stoppedBy: group.stoppedBy });
    };
    child.on('exit', () => {
      group.leaderGone = true;
      // What the child left behind in its group goes with it.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      group.releasePipesSoon();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (pid === undefined) finish({ exitCode: undefined, signal: undefined, spawnError: spawnError(e, command[0]!, command) });
    });
    child.on('close', (code, signal) => finish({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
}

/** Starts `command` (program + arguments) in a process group of its own. */
export function startChild(command: readonly string[], opts: ChildOptions = {}): Child {
  const [file, ...args] = command;
  if (file === undefined) throw new TinypruneError('E_USAGE', 'startChild needs a program', { where: 'startChild' });
  const what = opts.what ?? path.basename(file);
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  // stdio is [stdin, 'pipe', 'pipe']: both output streams exist.
  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
  const unregister = pid !== undefined ? onCleanup(`${what} (process group ${pid})`, () => void killGroup(pid, 'SIGKILL')) : () => undefined;

  const group = new GroupStopper(pid, [stdout, stderr], opts.graceMs ?? 1000);
  const output = collectOutput(stdout, stderr, opts.maxBuffer ?? DEFAULT_MAX_BUFFER, () => group.stopNow('output'));
  const onAbort = (): void => group.stopNow('abort');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) group.stopNow('abort');
  if (opts.lifetimeMs !== undefined) group.after(opts.lifetimeMs, () => group.stopNow('lifetime'));

  const exited = watchExit(child, group, command, () => {
    opts.signal?.removeEventListener('abort', onAbort);
    unregister();
  });

  return {
    pid,
    command,
    what,
    stdin: child.stdin,
    stdout,
    stderr,
    ...output,
    exited,
    stop(reason: StopReason = 'stop') {
      group.stopNow(reason);
      return exited;
    },
  };
}

export interface RunOptions extends Omit<ChildOptions, 'lifetimeMs' | 'stdin'> {
  timeoutMs: number;
  /** Written to stdin, which is then closed (default: stdin is /dev/null). */
  input?: Uint8Array | string;
  /** Write `input` only once the child has printed its first stdout byte. */
  inputAfterOutput?: boolean;
  /** The E_TIMEOUT error's hint, from what the command printed before it was stopped. */
  timeoutHint?: (partial: CommandResult) => string;
  /**
   * Run with TMPDIR set to a private directory of ours, removed afterwards and at cleanup:
   * for tools that write temporary files (gcc's cc*.s, collect2's) and delete them only when
   * they end normally - a SIGKILL at an interrupt would leave them in /tmp.
   */
  privateTmp?: boolean;
}

export interface CommandResult {
  command: string[];
  /** undefined when killed by a signal. */
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: Buffer;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
  durationMs: number;
}

/** A command line for an error's `where:` (bounded in length). */
export function commandText(command: readonly string[], max = 400): string {
  const text = command.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Runs `command` to completion within `timeoutMs`. Throws E_TOOL_MISSING (not found),
 * E_TOOL_FAILED (cannot start, too much output), E_TIMEOUT and E_INTERRUPTED (aborted), each
 * naming the command; any exit status is returned.
 */
export async function runCommand(command: readonly string[], opts: RunOptions): Promise<CommandResult> {
  const tmp = opts.privateTmp ? makeTempDir('tinyprune-tool-') : undefined;
  try {
    return await runToCompletion(command, tmp ? { ...opts, env: { ...opts.env, TMPDIR: tmp.path } } : opts);
  } finally {
    tmp?.remove();
  }
}

async function runToCompletion(command: readonly string[], opts: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  const child = startChild(command, { ...opts, lifetimeMs: opts.timeoutMs, stdin: opts.input === undefined ? 'ignore' : 'pipe' });
  if (opts.input !== undefined && child.stdin) {
    const input = typeof opts.input === 'string' ? Buffer.from(opts.input) : Buffer.from(opts.input);
    const stdin = child.stdin;
    // The child may exit before it reads its input: that is not an error of ours.
    stdin.on('error', () => undefined);
    if (opts.inputAfterOutput && input.length > 0) child.stdout.once('data', () => stdin.end(input));
    else stdin.end(input);
  }
  const exit = await child.exited;
  const result: CommandResult = {
    command: [...command],
    exitCode: exit.exitCode,
    signal: exit.signal,
    stdout: child.stdoutBytes(),
    stderr: child.stderrBytes().toString('utf8'),
    all: child.allText(),
    durationMs: Date.now() - started,
  };
  if (exit.spawnError) throw exit.spawnError;
  const where = commandText(command);
  if (exit.stoppedBy === 'lifetime') {
    throw new TinypruneError('E_TIMEOUT', `${child.what} did not finish within ${opts.timeoutMs} ms`, {
      where,
      ...(opts.timeoutHint ? { hint: opts.timeoutHint(result) } : { hint: `last output: ${JSON.stringify(result.all.trim().slice(-300))}` }),
      data: { command: [...command] },
    });
  }
  if (exit.stoppedBy === 'abort') {
    throw new TinypruneError('E_INTERRUPTED', `${child.what} was stopped: the command was interrupted`, { where, data: { command: [...command] } });
  }
  if (exit.stoppedBy === 'output') {
    throw new TinypruneError('E_TOOL_FAILED', `${child.what} printed more than ${opts.maxBuffer ?? DEFAULT_MAX_BUFFER} bytes and was stopped`, { where, data: { command: [...command] } });
  }
  return result;
}
