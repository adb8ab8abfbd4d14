/**
 * Issue 12, "child processes": Ctrl-C (SIGINT to the CLI's process group, as a terminal sends
 * it) at many moments of `run`, `bench`, `bench --flash` and `build` must leave no QEMU, GDB
 * or gcc of that run alive 2 s later, no temporary directory of ours, and the build directory
 * byte-identical.
 *
 * The real CLI (bin/tinyprune.js on dist/) runs with TMPDIR and the tool cache inside this
 * test's own directory, so every child of a run names a path under it (QEMU's -kernel and
 * -chardev, GDB's ELF, gcc's sources): a scan of /proc for that path finds them however they
 * were spawned, and an empty TMPDIR shows that no temporary directory was left.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { hasTool } from '../../src/firmware/toolchain.js';
import { tensorBytes } from '../../src/ir/graph.js';
import { readTflite } from '../../src/tflite/read.js';
import { REPO_ROOT, hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

const BIN = path.join(REPO_ROOT, 'bin/tinyprune.js');
const MODEL = sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite');
/** A model whose inference keeps QEMU busy for seconds: an interrupt then finds it computing. */
// person_detect: ~24 M instructions per inference, so QEMU is still computing when the signal comes.
const SLOW_MODEL = sharedPath('models/tflite-micro/person_detection/person_detect.tflite');
const ready = hasShared && hasTool('qemu-system-arm') && hasTool('arm-none-eabi-gcc') && hasTool('cc');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let root = '';
let tmp = '';
let env: NodeJS.ProcessEnv = {};
let buildDir = '';
let slowDir = '';
let slowHash = '';
let samples = '';
let buildHash = '';

/** Processes whose command line mentions `needle`: pid, and the program's base name. */
function processesMentioning(needle: string): { pid: number; program: string; cmdline: string }[] {
  const out: { pid: number; program: string; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue; // a zombie is dead
    } catch {
      continue; // exited meanwhile
    }
    if (!cmdline.includes(needle)) continue;
    const argv = cmdline.split('\0');
    out.push({ pid: Number(entry), program: path.basename(argv[0] ?? ''), cmdline: argv.join(' ').slice(0, 200) });
  }
  return out;
}

/** sha256 over every file's relative path and bytes, in sorted order. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const rel = path.relative(dir, p);
      if (statSync(p).isDirectory()) {
        h.update(`dir ${rel}\0`);
        walk(p);
      } else {
        h.update(`file ${rel}\0`).update(readFileSync(p)).update('\0');
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

function startCli(args: string[]): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; stderr: () => string } {
  // detached: the CLI leads a process group of its own, like a shell job.
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => err };
}

/** When to interrupt: a delay after the start, or after a child program first appears. */
type Moment = { afterMs: number } | { when: RegExp; plusMs: number };

interface Trial {
  moment: string;
  /** Children of the run alive when SIGINT was sent. */
  childrenAtSignal: string[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Runs the CLI, SIGINTs its process group at `moment`, then checks what is left 2 s later. */
async function interruptAt(args: string[], moment: Moment): Promise<Trial> {
  const run = startCli(args);
  const started = Date.now();
  let exited = false;
  void run.exit.then(() => (exited = true));
  if ('afterMs' in moment) {
    await sleep(moment.afterMs);
  } else {
    // Poll for the program (bounded): the moment is measured from when it is first seen.
    while (!exited && Date.now() - started < 60_000 && !processesMentioning(root).some((p) => moment.when.test(p.program))) await sleep(5);
    await sleep(moment.plusMs);
  }
  const childrenAtSignal = processesMentioning(root)
    .filter((p) => p.pid !== run.child.pid)
    .map((p) => p.program);
  try {
    process.kill(-run.child.pid!, 'SIGINT');
  } catch {
    // the run had already finished
  }
  const exit = await Promise.race([run.exit, sleep(20_000).then(() => undefined)]);
  if (exit === undefined) {
    process.kill(-run.child.pid!, 'SIGKILL');
    throw new Error(`tinyprune ${args[0]} did not exit within 20 s of SIGINT; stderr: ${run.stderr().slice(-500)}`);
  }
  await sleep(2000);
  const label = 'afterMs' in moment ? `${moment.afterMs} ms after start` : `${moment.plusMs} ms after ${moment.when.source} appeared`;
  const left = processesMentioning(root);
  expect(left, `tinyprune ${args[0]} interrupted ${label}: processes left`).toEqual([]);
  expect(readdirSync(tmp), `tinyprune ${args[0]} interrupted ${label}: temporary files left in TMPDIR`).toEqual([]);
  // The tool cache's scratch space (platform objects compiled in a tmp-* directory).
  const objects = path.join(root, 'cache', 'platform-objects');
  if (existsSync(objects)) expect(readdirSync(objects).filter((n) => n.startsWith('tmp-'))).toEqual([]);
  expect(treeHash(buildDir), `tinyprune ${args[0]} interrupted ${label}: the build directory changed`).toBe(buildHash);
  expect(treeHash(slowDir), `tinyprune ${args[0]} interrupted ${label}: the build directory changed`).toBe(slowHash);
  // 130: our handler ran; SIGINT: before Node installed it (nothing was started then); 0: it had finished.
  expect(exit.code === 130 || exit.code === 0 || exit.signal === 'SIGINT', `exit ${exit.code ?? exit.signal}: ${run.stderr().slice(-300)}`).toBe(true);
  return { moment: label, childrenAtSignal, exit };
}

describe.skipIf(!ready)('Ctrl-C leaves no child process, temporary directory or changed build (real CLI)', () => {
  warnIfNoShared('interrupt tests');

  beforeAll(() => {
    const srcNewest = Math.max(...readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, withFileTypes: false }).map((f) => statSync(path.join(REPO_ROOT, 'src', String(f))).mtimeMs));
    const dist = path.join(REPO_ROOT, 'dist/cli.js');
    if (!existsSync(dist) || statSync(dist).mtimeMs < srcNewest) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    }
    root = mkdtempSync(path.join(os.tmpdir(), 'tp-children-'));
    tmp = path.join(root, 'tmp');
    mkdirSync(tmp);
    env = { ...process.env, TMPDIR: tmp, TINYPRUNE_CACHE_DIR: path.join(root, 'cache') };
    buildDir = path.join(root, 'build');
    execFileSync(process.execPath, [BIN, 'build', '--board', 'mps2-an386', MODEL, '-o', buildDir, '--quiet'], { cwd: root, env, stdio: 'pipe' });
    buildHash = treeHash(buildDir);
    slowDir = path.join(root, 'slow');
    execFileSync(process.execPath, [BIN, 'build', '--board', 'mps2-an386', SLOW_MODEL, '-o', slowDir, '--quiet'], { cwd: root, env, stdio: 'pipe' });
    slowHash = treeHash(slowDir);
    // Enough samples that the benchmark runs for a while (one inference each, checked on the host).
    const graph = readTflite(readFileSync(MODEL), MODEL).graph;
    const per = graph.inputs.reduce((a, t) => a + tensorBytes(graph.tensors[t]!), 0);
    samples = path.join(root, 'samples.bin');
    writeFileSync(samples, Buffer.alloc(per * 400, 7));
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const moments: Moment[] = [
    { afterMs: 100 },
    { afterMs: 400 },
    { afterMs: 900 },
    { when: /^qemu-system-arm$/, plusMs: 0 },
    { when: /^qemu-system-arm$/, plusMs: 30 },
    { when: /^qemu-system-arm$/, plusMs: 150 },
  ];

  test('run', async () => {
    const trials: Trial[] = [];
    for (const m of moments) trials.push(await interruptAt(['run', '--board', 'mps2-an386', buildDir], m));
    // The test means something only if some interrupts hit QEMU while it ran.
    expect(trials.filter((t) => t.childrenAtSignal.includes('qemu-system-arm')).length, JSON.stringify(trials)).toBeGreaterThanOrEqual(2);
  }, 240_000);

  test('run, interrupted while QEMU computes a long inference', async () => {
    // A QEMU busy in the guest does not notice its parent is gone (it ignores SIGPIPE): only
    // the CLI's cleanup stops it.
    const trials: Trial[] = [];
    for (const plusMs of [100, 400]) trials.push(await interruptAt(['run', '--board', 'mps2-an386', slowDir], { when: /^qemu-system-arm$/, plusMs }));
    expect(trials.filter((t) => t.childrenAtSignal.includes('qemu-system-arm') && t.exit.code === 130).length, JSON.stringify(trials)).toBeGreaterThanOrEqual(1);
  }, 240_000);

  test('bench', async () => {
    const trials: Trial[] = [];
    for (const m of [...moments, { afterMs: 1800 }]) trials.push(await interruptAt(['bench', '--board', 'mps2-an386', buildDir, '--data', samples], m));
    // And once in the middle of an inference of the slow model.
    trials.push(await interruptAt(['bench', '--board', 'mps2-an386', slowDir], { when: /^qemu-system-arm$/, plusMs: 1000 }));
    expect(trials.filter((t) => t.childrenAtSignal.includes('qemu-system-arm')).length, JSON.stringify(trials)).toBeGreaterThanOrEqual(3);
  }, 240_000);

  test.skipIf(!hasTool('gdb-multiarch'))('bench --flash (QEMU gdbstub + GDB load)', async () => {
    const trials: Trial[] = [];
    for (const m of [{ when: /^gdb-multiarch$/, plusMs: 0 }, { when: /^gdb-multiarch$/, plusMs: 100 }, { when: /^qemu-system-arm$/, plusMs: 50 }]) {
      trials.push(await interruptAt(['bench', '--board', 'mps2-an386', buildDir, '--flash', '--data', samples], m));
    }
    expect(trials.filter((t) => t.childrenAtSignal.length > 0).length, JSON.stringify(trials)).toBeGreaterThanOrEqual(1);
  }, 240_000);

  test('build (gcc, QEMU verification)', async () => {
    const trials: Trial[] = [];
    for (const [k, m] of [{ when: /^(arm-none-eabi-gcc|cc1|as|collect2|ld)$/, plusMs: 0 }, { when: /^(cc1|as|collect2|ld)$/, plusMs: 50 }, { afterMs: 1500 }].entries()) {
      const out = path.join(root, `rebuild-${k}`);
      trials.push(await interruptAt(['build', '--board', 'mps2-an386', MODEL, '-o', out, '--quiet'], m as Moment));
      // What the interrupted build left in its output is another test's concern (staging, publish).
      rmSync(out, { recursive: true, force: true });
      for (const n of readdirSync(root).filter((n) => n.startsWith(`rebuild-${k}.`))) rmSync(path.join(root, n), { recursive: true, force: true });
    }
    expect(trials.filter((t) => t.childrenAtSignal.some((p) => /gcc|cc1|as|ld|collect2/.test(p))).length, JSON.stringify(trials)).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
