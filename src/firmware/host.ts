/**
 * Building and running the firmware's C on the host (x86-64/arm64 Linux) with the system C
 * compiler: the fast way to test kernels bit-exact against the reference interpreter, and
 * with AddressSanitizer + UBSan to catch out-of-bounds reads and undefined behaviour that
 * would silently produce wrong numbers on a microcontroller.
 *
 * Same flags as the firmware where it matters for results: -std=c99 and -ffp-contract=off
 * (the host compiler may also fuse multiply-adds into FMA on x86-64 with -march flags).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { TinypruneError } from '../errors.js';
import { runCommand } from '../util/process.js';
import { findTool } from './toolchain.js';

export interface HostBuildOptions {
  sources: string[];
  includeDirs?: string[];
  defines?: Record<string, string | number | boolean> | string[];
  outDir: string;
  /** -fsanitize=address,undefined -fno-sanitize-recover=all. */
  sanitize?: boolean;
  /** Executable name (default "host"). */
  name?: string;
  optimize?: '-O0' | '-O1' | '-O2' | '-O3' | '-Os' | '-Og';
  extraCFlags?: string[];
  /** Link flags / libraries after the sources (default ["-lm"]). */
  libs?: string[];
  timeoutMs?: number;
}

export interface HostBuildResult {
  exe: string;
  command: string[];
}

export interface HostRunResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
  durationMs: number;
}

function defineFlags(defines: HostBuildOptions['defines']): string[] {
  if (!defines) return [];
  if (Array.isArray(defines)) return defines.map((d) => `-D${d}`);
  return Object.entries(defines)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${v}`));
}

export async function buildHost(opts: HostBuildOptions): Promise<HostBuildResult> {
  const cc = findTool('cc');
  const outDir = path.resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const exe = path.join(outDir, opts.name ?? 'host');
  const args = [
    '-std=c99',
    '-Wall',
    '-Wextra',
    '-Werror',
    opts.optimize ?? '-O2',
    '-g',
    '-ffp-contract=off',
    ...(opts.sanitize ? ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'] : []),
    ...(opts.includeDirs ?? []).map((d) => `-I${path.resolve(d)}`),
    ...defineFlags(opts.defines),
    ...(opts.extraCFlags ?? []),
    ...opts.sources.map((s) => path.resolve(s)),
    ...(opts.libs ?? ['-lm']),
    '-o',
    exe,
  ];
  const r = await runCommand([cc, ...args], { what: 'host compile', timeoutMs: opts.timeoutMs ?? 180_000, cwd: outDir, privateTmp: true });
  if (r.exitCode !== 0) {
    const stderr = r.stderr;
    const first = stderr.split('\n').find((l) => /error|undefined reference/.test(l))?.trim();
    throw new TinypruneError('E_TOOL_FAILED', `host cc failed (exit ${r.exitCode}): ${first ?? ''}\n${stderr.trim().slice(0, 4000)}`, {
      where: first?.split(': ')[0] ?? outDir,
      cause: { command: [cc, ...args] },
    });
  }
  return { exe, command: [cc, ...args] };
}

/**
 * Runs a host executable with `stdin` bytes, killing it (and its process group) after
 * `timeoutMs`. A sanitizer report makes the process exit non-zero with the report on stderr;
 * that is returned, not thrown, so a test can show it — only a timeout or a signal throws.
 */
export async function runHost(exe: string, stdin: Uint8Array | string = '', timeoutMs = 60_000, args: string[] = []): Promise<HostRunResult> {
  const r = await runCommand([exe, ...args], {
    timeoutMs,
    input: stdin,
    maxBuffer: 512 * 1024 * 1024,
    // ASan's leak checker needs ptrace-like access that some containers deny; leaks are not
    // what these runs look for.
    env: { ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' },
  });
  const stderr = r.stderr;
  if (r.signal) {
    throw new TinypruneError('E_FAULT', `${path.basename(exe)} was killed by ${r.signal}`, {
      where: exe,
      hint: stderr.trim().slice(-1000) || 'a crash in the C code: rebuild with sanitize: true to find it',
    });
  }
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr, durationMs: r.durationMs };
}
