/**
 * The instruction-count QEMU plugin (firmware/qemu-plugin/tp_icount.c), built lazily with the
 * host C compiler into the cache directory. The file name carries a hash of the source, so an
 * edited plugin is rebuilt and concurrent builds (parallel test workers) never see a half-
 * written library: each writes a private temporary file and renames it into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { execa } from 'execa';

import { TinypruneError } from '../errors.js';
import { cacheDir, pluginSource } from './paths.js';
import { findTool } from './toolchain.js';

let inFlight: Promise<string> | undefined;

/** Path of the built plugin (.so), building it on first use. */
export function ensureIcountPlugin(): Promise<string> {
  inFlight ??= buildPlugin().catch((e: unknown) => {
    inFlight = undefined;
    throw e;
  });
  return inFlight;
}

async function buildPlugin(): Promise<string> {
  const src = pluginSource();
  let text: Buffer;
  try {
    text = readFileSync(src);
  } catch (e) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `QEMU plugin source missing: ${src}`, { where: src, cause: e });
  }
  // The timing model's header is part of the plugin: an edit to either rebuilds it.
  const hash = createHash('sha256').update(text).update(readFileSync(path.join(path.dirname(src), 'tp_cycles.h'))).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const out = path.join(dir, `tp_icount-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const cc = findTool('cc');
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const args = ['-shared', '-fPIC', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fvisibility=hidden', '-o', tmp, src];
  const r = await execa(cc, args, { reject: false, timeout: 60_000, stdin: 'ignore' });
  if (r.exitCode !== 0) {
    rmSync(tmp, { force: true });
    throw new TinypruneError('E_TOOL_FAILED', `building the QEMU plugin failed: ${String(r.stderr).trim().slice(0, 2000)}`, {
      where: src,
      hint: 'a host C compiler is needed: sudo apt-get install gcc',
    });
  }
  renameSync(tmp, out);
  return out;
}

/** What the plugin wrote: instruction and estimated-cycle counts at each mark and in total. */
export interface PluginCounts {
  marks: number[];
  instructions: number | undefined;
  /** Present when the plugin was given core=NAME. */
  cycleMarks: number[] | undefined;
  estimatedCycles: number | undefined;
}

/** Parses the plugin's output file ("mark N", "cmark N", "total N", "ctotal N" lines). */
export function parsePluginOutput(text: string): PluginCounts {
  const marks: number[] = [];
  const cycles: number[] = [];
  let instructions: number | undefined;
  let estimatedCycles: number | undefined;
  for (const l of text.split('\n')) {
    const [kind, n] = l.split(' ');
    if (kind === 'mark') marks.push(Number(n));
    else if (kind === 'cmark') cycles.push(Number(n));
    else if (kind === 'total') instructions = Number(n);
    else if (kind === 'ctotal') estimatedCycles = Number(n);
  }
  return { marks, instructions, cycleMarks: cycles.length > 0 || estimatedCycles !== undefined ? cycles : undefined, estimatedCycles };
}
