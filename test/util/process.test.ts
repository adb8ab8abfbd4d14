/**
 * The process module with real processes: a timed-out command's whole group dies (its
 * grandchildren too), output is collected, errors are typed and name the command, and the
 * group is registered for cleanup while it runs and unregistered after.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

import { pendingCleanups, runCleanups } from '../../src/util/cleanup.js';
import { runCommand, startChild } from '../../src/util/process.js';
import { makeTempDir } from '../../src/util/tempdir.js';
import { rejection } from '../device/helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Is this pid alive (and not a zombie)? */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/**
 * Gone within `ms`? A SIGKILL'd process dies when the kernel next schedules it, a moment after
 * the signal (later on a loaded machine), so the tests poll rather than look once; a process
 * that was not killed is still alive at the end and fails them.
 */
async function goneWithin(pid: number, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/** A shell that starts a background grandchild, prints its pid, and waits for it. */
const withGrandchild = (inner: string): string[] => ['sh', '-c', `${inner} & echo $!; wait`];

describe('runCommand', () => {
  test('collects stdout, stderr and the exit status; a failing exit is returned', async () => {
    const r = await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(3);
    expect(r.stdout.toString()).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.all).toContain('out');
    expect(pendingCleanups().filter((w) => w.includes('process group'))).toEqual([]);
  });

  test('feeds input to stdin', async () => {
    const r = await runCommand(['cat'], { timeoutMs: 10_000, input: 'hello' });
    expect(r.stdout.toString()).toBe('hello');
  });

  test('a timed-out command is E_TIMEOUT naming it, and its grandchild is dead afterwards', async () => {
    let grandchild = 0;
    const child = runCommand(withGrandchild('sleep 100'), { timeoutMs: 500 });
    const e = await rejection(child);
    expect(e.code).toBe('E_TIMEOUT');
    expect(e.message).toMatch(/^sh did not finish within 500 ms/);
    expect(e.where).toContain('sleep 100');
    // The grandchild's pid was printed before the timeout: it must be gone.
    grandchild = Number(/(\d+)/.exec(e.hint ?? '')?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    expect(await goneWithin(grandchild)).toBe(true);
  });

  test('a grandchild that ignores SIGTERM is killed after the grace period', async () => {
    const started = Date.now();
    const e = await rejection(runCommand(withGrandchild(`sh -c 'trap "" TERM; sleep 100'`), { timeoutMs: 300, graceMs: 300 }));
    expect(e.code).toBe('E_TIMEOUT');
    const pid = Number(/(\d+)/.exec(e.hint ?? '')?.[1]);
    expect(await goneWithin(pid)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('what a finished command left running in its group is killed with it', async () => {
    const r = await runCommand(['sh', '-c', 'sleep 100 >/dev/null 2>&1 & echo $!'], { timeoutMs: 10_000 });
    const pid = Number(r.stdout.toString().trim());
    await sleep(100);
    expect(await goneWithin(pid)).toBe(true);
  });

  test('a process that left the group and holds the pipes does not hang a finished command', async () => {
    const started = Date.now();
    const r = await runCommand(['sh', '-c', 'setsid sleep 30 & echo $!'], { timeoutMs: 20_000 });
    const pid = Number(r.stdout.toString().trim());
    try {
      expect(r.exitCode).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  test('a missing program is E_TOOL_MISSING naming it', async () => {
    const e = await rejection(runCommand(['tinyprune-no-such-tool', '-x'], { timeoutMs: 1000 }));
    expect(e.code).toBe('E_TOOL_MISSING');
    expect(e.message).toContain('tinyprune-no-such-tool');
  });

  test('an abort stops the group: E_INTERRUPTED', async () => {
    const ac = new AbortController();
    const p = runCommand(withGrandchild('sleep 100'), { timeoutMs: 60_000, signal: ac.signal });
    await sleep(200);
    ac.abort();
    const e = await rejection(p);
    expect(e.code).toBe('E_INTERRUPTED');
  });
});

describe('startChild and cleanup', () => {
  test('a long-running child is in the cleanup list while it runs; runCleanups kills its group', async () => {
    const c = startChild(withGrandchild('sleep 100'), { what: 'test-sleeper' });
    await new Promise((r) => c.stdout.once('data', r));
    const grandchild = Number(c.stdoutBytes().toString().trim());
    expect(pendingCleanups().some((w) => w.startsWith('test-sleeper (process group'))).toBe(true);
    runCleanups(); // what the CLI does on SIGINT
    const exit = await c.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(await goneWithin(grandchild)).toBe(true);
    expect(await goneWithin(c.pid!)).toBe(true);
  });

  test('stop() ends the child; lifetime bounds it', async () => {
    const c = startChild(['sleep', '100'], { lifetimeMs: 200 });
    const exit = await c.exited;
    expect(exit.stoppedBy).toBe('lifetime');
    const d = startChild(['sleep', '100']);
    expect((await d.stop()).stoppedBy).toBe('stop');
  });

  test('a temporary directory is removed by remove() and by the cleanup registry', () => {
    const a = makeTempDir('tinyprune-test-');
    expect(existsSync(a.path)).toBe(true);
    a.remove();
    expect(existsSync(a.path)).toBe(false);
    const b = makeTempDir('tinyprune-test-');
    runCleanups();
    expect(existsSync(b.path)).toBe(false);
  });
});
