/**
 * Output directories that never lose a user's files or a good build (issue 12).
 *
 * - What `-o` may be (judgeOutput, pure): a missing path, an empty directory or an earlier
 *   tinyprune build (it carries BUILD_MARKER and holds only names a build writes). Anything
 *   else stops with E_OUTPUT naming what is there: nothing tinyprune did not create is deleted.
 * - One run per output: `<out>.tinyprune.lock` (pid + command), taken before anything is
 *   written; a live holder is E_BUSY, a dead one's lock is taken over.
 * - Atomic publish: a build is made in `<out>.tinyprune-staging-<pid>` and published by two
 *   renames at the very end; an error or interrupt before that leaves the earlier build as it was.
 * - Filesystem errors (EACCES, EROFS, ENOSPC, ENOTDIR, …) become E_FS with the path and the fix.
 */
import { accessSync, constants, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError, type Warning } from '../errors.js';
import { onCleanup } from './cleanup.js';

/** The marker every build directory carries: `{"tool": "tinyprune", "version": …}`. */
export const BUILD_MARKER = '.tinyprune-build.json';
const STAGING = '.tinyprune-staging-';
const OLD = '.tinyprune-old-';
const LOCK = '.tinyprune.lock';

export const stagingPath = (outDir: string, pid = process.pid): string => `${outDir}${STAGING}${pid}`;
export const lockPath = (outDir: string): string => `${outDir}${LOCK}`;
const oldPath = (outDir: string, pid = process.pid): string => `${outDir}${OLD}${pid}`;

/** Top-level names a build writes (firmware.*, bench.*, lib/, gen/, export/, pipeline/ …). */
export function isBuildEntry(name: string): boolean {
  return (
    name === BUILD_MARKER ||
    ['lib', 'gen', 'export', 'pipeline', 'model.tflite', 'board.json', 'report.json', 'report.html'].includes(name) ||
    /^(firmware|bench)\.[a-z0-9]+$/.test(name)
  );
}

/** What is at the `-o` path, as read from the file system (outputFacts). */
export interface OutputFacts {
  outDir: string;
  type: 'missing' | 'file' | 'directory' | 'symlink' | 'other';
  entries: string[];
  /** BUILD_MARKER present, or a build made before markers (report.json by tinyprune). */
  build: boolean;
  /** Input files (the model) by real path. */
  inputs: string[];
  /** Current directories (the process's and the command's) by real path. */
  cwds: string[];
}

const inside = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Which kind of output `-o` is, or the E_OUTPUT error that says why it cannot be one. */
export function judgeOutput(f: OutputFacts): 'missing' | 'empty' | 'build' {
  const allowed = 'a new path, an empty directory, or a directory an earlier tinyprune build wrote';
  const refuse = (what: string, hint: string): TinypruneError =>
    new TinypruneError('E_OUTPUT', `the output directory ${what}; tinyprune replaces the whole output directory, so it writes nothing there`, {
      where: `-o ${f.outDir}`,
      allowed,
      hint,
      data: { path: f.outDir },
    });
  const other = 'give -o a new directory, e.g. -o build/<name>';
  const input = f.inputs.find((i) => inside(f.outDir, i));
  if (input === f.outDir) throw refuse('is the input model', other);
  if (f.type === 'file') throw refuse('is a file', `${other} (tinyprune does not overwrite files)`);
  if (f.type === 'symlink') throw refuse('is a symbolic link', 'give the directory it points to, or a new directory');
  if (f.type === 'other') throw refuse('is not a regular directory', other);
  if (f.type === 'missing') return 'missing';
  const foreign = f.entries.filter((e) => !isBuildEntry(e));
  if (foreign.length > 0 || (f.entries.length > 0 && !f.build)) {
    const names = (foreign.length > 0 ? foreign : f.entries).sort();
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} entries)` : '');
    throw refuse(`is not empty and holds files tinyprune did not write: ${shown}`, `${other}, or move those files out of it`);
  }
  if (input !== undefined) throw refuse(`contains the input model (${path.relative(f.outDir, input)})`, `${other}, or move the model out of it first`);
  const cwd = f.cwds.find((c) => inside(f.outDir, c));
  if (cwd !== undefined) throw refuse(cwd === f.outDir ? 'is the current directory' : 'contains the current directory', other);
  return f.entries.length === 0 ? 'empty' : 'build';
}

const realOrSelf = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Read what is at `outDir` (no writes). */
export function outputFacts(outDir: string, inputs: readonly string[], cwd: string): OutputFacts {
  const parentReal = path.join(realOrSelf(path.dirname(outDir)), path.basename(outDir));
  const base = { outDir, entries: [] as string[], build: false, inputs: inputs.map(realOrSelf), cwds: [realOrSelf(process.cwd()), realOrSelf(cwd)] };
  let st;
  try {
    st = lstatSync(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...base, outDir: parentReal, type: 'missing' };
    throw fsError(e, outDir, 'read');
  }
  if (st.isSymbolicLink()) return { ...base, type: 'symlink' };
  if (st.isFile()) return { ...base, outDir: parentReal, type: 'file' };
  if (!st.isDirectory()) return { ...base, type: 'other' };
  const real = realOrSelf(outDir);
  let entries: string[];
  try {
    entries = readdirSync(real);
  } catch (e) {
    throw fsError(e, outDir, 'read');
  }
  return { ...base, outDir: real, type: 'directory', entries, build: entries.includes(BUILD_MARKER) || legacyBuild(real) };
}

/** A build made before BUILD_MARKER existed: its report.json says tinyprune. */
function legacyBuild(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as { tool?: { name?: string } }).tool?.name === 'tinyprune';
  } catch {
    return false;
  }
}

const FS_FIX: Record<string, string> = {
  EACCES: 'you may not write there: choose an -o in a directory you can write (tinyprune also writes <out>.tinyprune-staging-<pid> and <out>.tinyprune.lock beside it), or fix the permissions',
  EPERM: 'you may not write there: choose an -o in a directory you can write, or fix the permissions',
  EROFS: 'that file system is read-only: choose an -o on a writable one',
  ENOSPC: 'the disk is full: free some space or choose an -o on another disk',
  EDQUOT: 'your disk quota is used up: free some space or choose an -o on another disk',
  ENOTDIR: 'a part of that path is a file, not a directory: check -o',
  EISDIR: 'a directory is where a file should be: check -o',
  EEXIST: 'something else created that path at the same time: run the build again, one at a time per -o',
  ENOTEMPTY: 'something else wrote into that path at the same time: run the build again, one at a time per -o',
  ENAMETOOLONG: 'that path is too long: choose a shorter -o',
};

/** A system error while writing the output as E_FS with the path, the system code and the fix. */
export function fsError(e: unknown, where: string, action: string): unknown {
  if (e instanceof TinypruneError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return e;
  const p = err.path ?? where;
  return new TinypruneError('E_FS', `cannot ${action} ${p} (${err.code}${err.syscall ? ` in ${err.syscall}` : ''})`, {
    where: p,
    hint: FS_FIX[err.code] ?? 'check that the output directory is on a working, writable file system',
    cause: e,
    data: { path: p, errno: err.code },
  });
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): { pid: number; command: string } | undefined {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; command?: unknown };
    return { pid: Number(j.pid), command: String(j.command ?? '') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: -1, command: '' }; // unreadable: nobody can own it
  }
}

function busy(outDir: string, holder: { pid: number; command: string }): TinypruneError {
  return new TinypruneError('E_BUSY', `another tinyprune (pid ${holder.pid}) is writing this output directory`, {
    where: `-o ${outDir} (lock ${lockPath(outDir)}${holder.command ? `, held by: ${holder.command}` : ''})`,
    hint: `wait for it to finish, or choose another -o; if process ${holder.pid} is not tinyprune, delete ${lockPath(outDir)}`,
    data: { pid: holder.pid, path: lockPath(outDir) },
  });
}

/**
 * Take `<out>.tinyprune.lock` (created whole by a hard link, so it is never seen half
 * written); a lock whose process is dead is taken over. Returns the release function.
 */
export function acquireLock(outDir: string, command: string): () => void {
  const lock = lockPath(outDir);
  const tmp = `${lock}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ tool: 'tinyprune', pid: process.pid, command }) + '\n');
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, lock);
        const unregister = onCleanup(`release ${lock}`, () => rmSync(lock, { force: true }));
        return () => {
          unregister();
          rmSync(lock, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readLock(lock);
      if (holder === undefined) continue; // released meanwhile
      if (holder.pid === process.pid || alive(holder.pid)) throw busy(outDir, holder);
      // Dead holder: move its lock aside and check it is still the one judged dead.
      const aside = `${lock}.stale-${process.pid}`;
      try {
        renameSync(lock, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = readLock(aside);
      if (moved && moved.pid !== holder.pid) {
        try {
          linkSync(aside, lock); // a live run's fresh lock: put it back
        } finally {
          unlinkSync(aside);
        }
        throw busy(outDir, moved);
      }
      unlinkSync(aside);
    }
    throw busy(outDir, readLock(lock) ?? { pid: -1, command: '' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).path === tmp) (e as NodeJS.ErrnoException).path = lock;
    throw fsError(e, lock, 'create the lock file');
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Remove what dead runs left beside `outDir` (staging directories, a moved-aside earlier
 * build, lock temporaries). A run killed between the two renames of a publish left the earlier
 * build moved aside and no output: it is put back. Call with the lock held.
 */
export function removeStale(outDir: string): void {
  const dir = path.dirname(outDir);
  const base = path.basename(outDir);
  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc(base)}(${esc(STAGING)}|${esc(OLD)}|${esc(LOCK)}\\.(?:stale-)?)(\\d+)(\\.tmp)?$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw fsError(e, dir, 'read');
  }
  for (const name of names.sort()) {
    const m = re.exec(name);
    if (!m || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    const p = path.join(dir, name);
    try {
      if (m[1] === OLD && !exists(outDir)) renameSync(p, outDir);
      else rmSync(p, { recursive: true, force: true });
    } catch (e) {
      throw fsError(e, p, 'remove the stale');
    }
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export interface OutputOptions {
  /** Input files that must not be the output or inside it (the model). */
  inputs: readonly string[];
  toolVersion: string;
  /** The command's current directory (the CLI's io.cwd). */
  cwd?: string;
}

/**
 * Make a build in staging and publish it to `outDir`: check what `-o` is, lock it, clear what
 * dead runs left, create `<out>.tinyprune-staging-<pid>` (with BUILD_MARKER), run `make`
 * there, then replace the output by renames. On an error or interrupt the staging directory
 * and the lock are removed and the output is as it was. System errors become E_FS.
 */
export async function withOutput<T>(outDir: string, opts: OutputOptions, make: (staging: string) => Promise<T>): Promise<T> {
  const check = (): ReturnType<typeof judgeOutput> => judgeOutput(outputFacts(outDir, opts.inputs, opts.cwd ?? process.cwd()));
  check(); // nothing is written for an output that cannot be one
  try {
    mkdirSync(path.dirname(outDir), { recursive: true });
  } catch (e) {
    throw fsError(e, path.dirname(outDir), 'create');
  }
  const release = acquireLock(outDir, ['tinyprune', ...process.argv.slice(2)].join(' ').slice(0, 300));
  const staging = stagingPath(outDir);
  const unregister = onCleanup(`remove ${staging}`, () => rmSync(staging, { recursive: true, force: true }));
  try {
    if (check() !== 'missing') accessSync(outDir, constants.W_OK); // replacing it means writing there
    removeStale(outDir);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    writeFileSync(path.join(staging, BUILD_MARKER), JSON.stringify({ tool: 'tinyprune', version: opts.toolVersion }) + '\n');
    const result = await make(staging);
    publish(staging, outDir);
    return result;
  } catch (e) {
    throw relabelError(fsError(e, staging, 'write'), staging, outDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    unregister();
    release();
  }
}

/**
 * Replace `outDir` by `staging`: the earlier output is renamed aside, staging renamed into
 * place, the earlier one removed. Both renames are synchronous (no signal handler runs between
 * them); a run killed there is repaired by the next one (removeStale).
 */
function publish(staging: string, outDir: string): void {
  const old = oldPath(outDir);
  const had = exists(outDir);
  const unregister = onCleanup(`restore ${outDir}`, () => {
    if (!exists(outDir) && exists(old)) renameSync(old, outDir);
    else rmSync(old, { recursive: true, force: true });
  });
  try {
    if (had) renameSync(outDir, old);
    try {
      renameSync(staging, outDir);
    } catch (e) {
      if (had) renameSync(old, outDir);
      throw fsError(e, outDir, 'publish the build to');
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    unregister();
  }
}

/** Empty a staging directory for another attempt, keeping its marker and the named entries. */
export function clearStaging(staging: string, keep: readonly string[]): void {
  for (const name of readdirSync(staging)) {
    if (name !== BUILD_MARKER && !keep.includes(name)) rmSync(path.join(staging, name), { recursive: true, force: true });
  }
}

const swap = (text: string, staging: string, outDir: string): string => text.split(staging).join(outDir);

/** Warnings as the user sees them: paths in the output directory, not in staging. */
export function relabelWarnings(warnings: readonly Warning[], staging: string, outDir: string): Warning[] {
  return warnings.map((w) => ({ ...w, message: swap(w.message, staging, outDir), ...(w.where !== undefined ? { where: swap(w.where, staging, outDir) } : {}) }));
}

function relabelError(e: unknown, staging: string, outDir: string): unknown {
  if (!(e instanceof TinypruneError) || !`${e.message}${e.where ?? ''}${e.hint ?? ''}`.includes(staging)) return e;
  return new TinypruneError(e.code, swap(e.message, staging, outDir), {
    ...(e.where !== undefined ? { where: swap(e.where, staging, outDir) } : {}),
    ...(e.allowed !== undefined ? { allowed: e.allowed } : {}),
    ...(e.hint !== undefined ? { hint: swap(e.hint, staging, outDir) } : {}),
    cause: e.cause,
    data: e.data,
  });
}
