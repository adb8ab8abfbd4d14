/**
 * The real CLI (bin/tinyprune.js → dist/) as a child process in its own process group, so a
 * test can interrupt it the way a terminal's Ctrl-C does (SIGINT to the whole group), and a
 * directory tree's content hash to prove that an earlier build was left byte-identical.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

export const BIN = path.join(REPO_ROOT, 'bin/tinyprune.js');
export const haveDist = existsSync(path.join(REPO_ROOT, 'dist/cli.js'));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  output: () => { stdout: string; stderr: string };
  done: Promise<Exit>;
}

/** Start `tinyprune <args>` in `cwd`, detached (its own process group). */
export function start(args: string[], cwd: string, opts: { prefix?: string[] } = {}): Running {
  const [cmd, ...pre] = opts.prefix && opts.prefix.length > 0 ? opts.prefix : [process.execPath];
  const argv = opts.prefix && opts.prefix.length > 0 ? [...pre, process.execPath, BIN, ...args] : [BIN, ...args];
  const child = spawn(cmd!, argv, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => ({ stdout, stderr }), done };
}

export function cli(args: string[], cwd: string, opts: { prefix?: string[] } = {}): Promise<Exit> {
  return start(args, cwd, opts).done;
}

/** SIGINT to the child's process group (what Ctrl-C in a terminal does). */
export function interrupt(r: Running): void {
  try {
    process.kill(-r.child.pid!, 'SIGINT');
  } catch {
    // already gone
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolve when `test()` holds (polled every 20 ms), or false after `ms`. */
export async function until(test: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (test()) return true;
    await sleep(20);
  }
  return test();
}

/** Relative path → sha256 of content (files), target (links), 'dir' (directories). */
export function treeHash(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const rel = path.relative(root, p);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[rel] = 'dir';
        walk(p);
      } else if (st.isSymbolicLink()) {
        out[rel] = `link:${readlinkSync(p)}`;
      } else {
        out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    }
  };
  walk(root);
  return out;
}

/** Names tinyprune leaves beside an output while it runs (staging, moved-aside build, lock). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.tinyprune-(staging|old)-\d+|\.tinyprune\.lock/.test(n));
}
