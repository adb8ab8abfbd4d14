/**
 * The instruction-count QEMU plugin (firmware/qemu-plugin/tp_icount.c), built lazily with the
 * host C compiler into the cache directory. The file name carries a hash of the source, so an
 * edited plugin is rebuilt and concurrent builds (parallel test workers) never see a half-
 * written library: each writes a private temporary file and renames it into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { TinypruneError } from '../errors.js';
import { onCleanup } from '../util/cleanup.js';
import { runCommand } from '../util/process.js';
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
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const out = path.join(dir, `tp_icount-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const cc = findTool('cc');
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const args = ['-shared', '-fPIC', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-fvisibility=hidden', '-o', tmp, src];
  const unregister = onCleanup(`partly built ${tmp}`, () => rmSync(tmp, { force: true }));
  try {
    const r = await runCommand([cc, ...args], { what: 'building the QEMU plugin', timeoutMs: 60_000, privateTmp: true });
    if (r.exitCode !== 0) {
      throw new TinypruneError('E_TOOL_FAILED', `building the QEMU plugin failed: ${r.stderr.trim().slice(0, 2000)}`, {
        where: src,
        hint: 'a host C compiler is needed: sudo apt-get install gcc',
      });
    }
    renameSync(tmp, out);
    return out;
  } finally {
    unregister();
    rmSync(tmp, { force: true });
  }
}
