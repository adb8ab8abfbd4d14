/**
 * Issue 12, output directories: what `-o` may be, one run per output, stale state of dead
 * runs, filesystem errors — with the real CLI (dist/ via bin/tinyprune.js) building the small
 * hello_world model for the QEMU Cortex-M4F board, and the rules themselves (judgeOutput).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { hasTool } from '../../src/firmware/toolchain.js';
import { BUILD_MARKER, fsError, judgeOutput, lockPath, relabelWarnings, removeStale, stagingPath, type OutputFacts } from '../../src/util/outdir.js';
import { TinypruneError } from '../../src/errors.js';
import { sharedPath, hasShared } from '../helpers/shared.js';
import { cli, haveDist, leftovers, start, treeHash, until } from './helpers.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
const runnable = haveTools && haveDist && hasShared;
if (!runnable) console.warn('[skip] reliability/outdir: needs arm-none-eabi-gcc, qemu-system-arm, dist/ (npm run build) and ../shared');

const HELLO = sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite');
const BUILD = ['build', '--board', 'mps2-an386'];

/** A fresh world-readable temp directory with a copy of the model (m.tflite) and a user file. */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-outdir-'));
  chmodSync(dir, 0o755);
  copyFileSync(HELLO, path.join(dir, 'm.tflite'));
  writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
  return dir;
}

const facts = (over: Partial<OutputFacts>): OutputFacts => ({ outDir: '/w/out', type: 'directory', entries: [], build: false, inputs: ['/w/m.tflite'], cwds: ['/w'], ...over });

describe('judgeOutput: what -o may be', () => {
  it('accepts a missing path, an empty directory and an earlier build', () => {
    expect(judgeOutput(facts({ type: 'missing' }))).toBe('missing');
    expect(judgeOutput(facts({}))).toBe('empty');
    expect(judgeOutput(facts({ entries: [BUILD_MARKER, 'lib', 'firmware.elf', 'report.json', 'pipeline', 'export'], build: true }))).toBe('build');
  });
  it('refuses a file, a link, the model, a folder with the model, foreign files, a build with foreign files, the cwd', () => {
    const cases: [Partial<OutputFacts>, RegExp][] = [
      [{ type: 'file' }, /is a file/],
      [{ type: 'symlink' }, /symbolic link/],
      [{ outDir: '/w/m.tflite', type: 'file' }, /is the input model/],
      [{ outDir: '/w', entries: ['m.tflite'], inputs: ['/w/m.tflite'] }, /tinyprune did not write: m\.tflite/],
      [{ entries: [BUILD_MARKER, 'model.tflite'], build: true, inputs: ['/w/out/model.tflite'] }, /contains the input model \(model\.tflite\)/],
      [{ entries: ['a.txt', 'report.json'], build: false }, /did not write: a\.txt/],
      [{ entries: ['report.json'], build: false }, /did not write: report\.json/],
      [{ entries: [BUILD_MARKER, 'lib', 'mine.c'], build: true }, /did not write: mine\.c/],
      [{ outDir: '/w', cwds: ['/w'], inputs: ['/m/m.tflite'] }, /is the current directory/],
      [{ outDir: '/w', cwds: ['/w/sub'], inputs: ['/m/m.tflite'] }, /contains the current directory/],
    ];
    for (const [f, want] of cases) {
      let err: unknown;
      try {
        judgeOutput(facts(f));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(f)).toBeInstanceOf(TinypruneError);
      expect((err as TinypruneError).code).toBe('E_OUTPUT');
      expect((err as TinypruneError).message).toMatch(want);
      expect((err as TinypruneError).hint).toBeTruthy();
    }
  });
  it('system errors become E_FS with the path, the errno and a fix; warnings name the output, not staging', () => {
    for (const code of ['EACCES', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EEXIST']) {
      const e = fsError(Object.assign(new Error('x'), { code, path: '/w/out/lib', syscall: 'open' }), '/w/out', 'write') as TinypruneError;
      expect(e.code).toBe('E_FS');
      expect(e.data).toMatchObject({ path: '/w/out/lib', errno: code });
      expect(e.message).toContain('/w/out/lib');
      expect(e.hint).toBeTruthy();
    }
    const shown = relabelWarnings([{ code: 'W_X', message: 'in /w/out.tinyprune-staging-7/lib/a.c', where: '/w/out.tinyprune-staging-7/lib/a.c:3' }], '/w/out.tinyprune-staging-7', '/w/out');
    expect(shown).toEqual([{ code: 'W_X', message: 'in /w/out/lib/a.c', where: '/w/out/lib/a.c:3' }]);
    const bug = new TypeError('not a system error');
    expect(fsError(bug, '/w', 'write')).toBe(bug);
  });
});

describe('removeStale: what dead runs left beside an output', () => {
  it('puts back an earlier build a killed publish had moved aside; removes staging, a second moved-aside copy and lock temporaries', () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'tp-stale-'));
    const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const out = path.join(ws, 'out');
    mkdirSync(`${out}.tinyprune-old-${pid}`);
    writeFileSync(path.join(`${out}.tinyprune-old-${pid}`, 'report.json'), 'earlier');
    mkdirSync(stagingPath(out, pid));
    writeFileSync(`${lockPath(out)}.${pid}.tmp`, '{}');
    writeFileSync(path.join(ws, 'out.tinyprune-old-x'), 'not ours: no pid');
    removeStale(out);
    expect(readFileSync(path.join(out, 'report.json'), 'utf8')).toBe('earlier');
    expect(readdirSync(ws).sort()).toEqual(['out', 'out.tinyprune-old-x']);
    // With the output in place, a moved-aside copy of a dead run is only a leftover.
    mkdirSync(`${out}.tinyprune-old-${pid}`);
    removeStale(out);
    expect(readdirSync(ws).sort()).toEqual(['out', 'out.tinyprune-old-x']);
    // A live process's staging is not touched.
    mkdirSync(stagingPath(out, process.ppid));
    removeStale(out);
    expect(existsSync(stagingPath(out, process.ppid))).toBe(true);
  });
});

describe.skipIf(!runnable)('build -o: the real CLI', () => {
  it('-o . beside other files exits 1 and deletes nothing', async () => {
    const ws = workspace();
    const before = treeHash(ws);
    const r = await cli([...BUILD, 'm.tflite', '-o', '.'], ws);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error\[E_OUTPUT\]/);
    expect(r.stderr).toMatch(/m\.tflite, notes\.txt/);
    expect(r.stderr).not.toMatch(/internal error|    at /);
    expect(treeHash(ws)).toEqual(before);
  });

  it('-o a file, -o the input model, -o a folder with the model: exit 1, nothing changed', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws, 'models'));
    copyFileSync(HELLO, path.join(ws, 'models/h.tflite'));
    const before = treeHash(ws);
    for (const [model, out, want] of [
      ['m.tflite', 'notes.txt', /is a file/],
      ['m.tflite', 'm.tflite', /is the input model/],
      ['models/h.tflite', 'models', /did not write: h\.tflite/],
    ] as const) {
      const r = await cli([...BUILD, model, '-o', out], ws);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/error\[E_OUTPUT\]/);
      expect(r.stderr).toMatch(want);
      expect(treeHash(ws), `-o ${out}`).toEqual(before);
    }
  });

  it('builds into a new path, rebuilds into the earlier build, leaves nothing beside it', async () => {
    const ws = workspace();
    const first = await cli([...BUILD, 'm.tflite', '-o', 'out/hello'], ws);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(ws, 'out/hello', BUILD_MARKER), 'utf8')).tool).toBe('tinyprune');
    for (const f of ['report.json', 'report.html']) expect(readFileSync(path.join(ws, 'out/hello', f), 'utf8'), f).not.toContain('.tinyprune-staging-');
    const again = await cli([...BUILD, 'm.tflite', '-o', 'out/hello', '--emit', 'c'], ws);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(path.join(ws, 'out/hello/export/c'))).toBe(true);
    expect(leftovers(path.join(ws, 'out'))).toEqual([]);
    // An earlier build the user put a file into is not replaced.
    writeFileSync(path.join(ws, 'out/hello/todo.txt'), 'mine\n');
    const before = treeHash(ws);
    const r = await cli([...BUILD, 'm.tflite', '-o', 'out/hello'], ws);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not write: todo\.txt/);
    expect(treeHash(ws)).toEqual(before);
  });

  it('two concurrent builds into one directory: one E_BUSY naming the other pid, one consistent build', async () => {
    const ws = workspace();
    copyFileSync(sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite'), path.join(ws, 'a.tflite'));
    const a = start([...BUILD, 'a.tflite', '-o', 'out'], ws);
    expect(await until(() => existsSync(lockPath(path.join(ws, 'out'))), 20_000)).toBe(true);
    const b = await cli(['build', '--board', 'mps2-an385', 'm.tflite', '-o', 'out'], ws);
    const ra = await a.done;
    expect(ra.code, ra.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(1);
    expect(b.stderr).toMatch(/error\[E_BUSY\]/);
    expect(b.stderr).toContain(`pid ${a.child.pid}`);
    const report = JSON.parse(readFileSync(path.join(ws, 'out/report.json'), 'utf8'));
    expect(report.model.source).toBe('a.tflite');
    expect(report.board).toBe('mps2-an386');
    expect(leftovers(ws)).toEqual([]);
  });

  it('a lock and a staging directory of a dead process are taken over and removed', async () => {
    const ws = workspace();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    const out = path.join(ws, 'out');
    writeFileSync(lockPath(out), JSON.stringify({ tool: 'tinyprune', pid, command: 'tinyprune build (killed)' }));
    mkdirSync(path.join(stagingPath(out, pid), 'lib'), { recursive: true });
    writeFileSync(path.join(stagingPath(out, pid), 'lib/half.c'), '/* half-written */');
    const r = await cli([...BUILD, 'm.tflite', '-o', 'out'], ws);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(out, 'report.json'))).toBe(true);
    expect(leftovers(ws)).toEqual([]);
  });

  it('a lock of a live process is E_BUSY', async () => {
    const ws = workspace();
    const out = path.join(ws, 'out');
    writeFileSync(lockPath(out), JSON.stringify({ tool: 'tinyprune', pid: process.pid, command: 'the test runner' }));
    const r = await cli([...BUILD, 'm.tflite', '-o', 'out'], ws);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_BUSY\].*pid \d+/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(lockPath(out))).toBe(true); // not ours: left alone
  });
});

/** A way to run a command as an unprivileged user (the tests run as root, who may write anywhere). */
function asNobody(): string[] | undefined {
  if (process.getuid?.() !== 0) return []; // already unprivileged
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 1)']);
  return probe.status === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
}
const nobody = runnable ? asNobody() : undefined;
if (runnable && nobody === undefined) console.warn('[skip] unwritable output: not root-free and setpriv cannot run node as nobody (uid 65534)');

describe.skipIf(!runnable || nobody === undefined)('unwritable output, as a non-root user', () => {
  it('an unwritable parent, an unwritable -o: exit 1 with E_FS, no stack trace', async () => {
    const ws = workspace();
    const ro = path.join(ws, 'ro');
    mkdirSync(path.join(ro, 'out'), { recursive: true });
    chmodSync(ro, 0o755);
    const mine = path.join(ws, 'mine');
    mkdirSync(path.join(mine, 'locked'), { recursive: true });
    if (process.getuid?.() === 0) chownSync(mine, 65534, 65534); // the user's own folder, with a root-owned -o in it
    const before = treeHash(ws);
    for (const out of ['ro/new', 'ro/out', 'mine/locked']) {
      const r = await cli([...BUILD, 'm.tflite', '-o', out], ws, { prefix: nobody! });
      expect(r.code, `${out}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/error\[E_FS\]/);
      expect(r.stderr).toMatch(/EACCES/);
      expect(r.stderr).toMatch(/fix: /);
      expect(r.stderr).not.toMatch(/internal error|    at /);
      expect(treeHash(ws), out).toEqual(before);
    }
  });
});
