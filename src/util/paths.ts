/**
 * Where tinyprune's own files live (boards/, firmware/, templates/), found by walking up from
 * this module to the package.json named "tinyprune" — the same code then works from src/ under
 * vitest and from dist/src/ after `tsc`.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { TinypruneError } from '../errors.js';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tinyprune') {
          cached = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) {
      throw new TinypruneError('E_FILE_NOT_FOUND', 'cannot find the tinyprune package root', {
        where: fileURLToPath(import.meta.url),
        hint: 'reinstall tinyprune: its package.json must sit above src/ or dist/',
      });
    }
    dir = up;
  }
}

export const boardsDir = (): string => path.join(packageRoot(), 'boards');
export const platformDir = (): string => path.join(packageRoot(), 'firmware', 'platform');
export const pluginSource = (): string => path.join(packageRoot(), 'firmware', 'qemu-plugin', 'tp_icount.c');
export const linkerTemplatesDir = (): string => path.join(packageRoot(), 'templates', 'linker');

/**
 * Cache for built helper binaries (the QEMU plugin, platform objects):
 * $TINYPRUNE_CACHE_DIR, else node_modules/.cache/tinyprune (the convention of JS tools), else
 * ~/.cache/tinyprune when the package directory is read-only (a global install), else tmp.
 */
let cachedCache: string | undefined;

export function cacheDir(): string {
  const env = process.env['TINYPRUNE_CACHE_DIR'];
  if (env) return env;
  if (cachedCache !== undefined) return cachedCache;
  const candidates = [
    path.join(packageRoot(), 'node_modules', '.cache', 'tinyprune'),
    path.join(os.homedir(), '.cache', 'tinyprune'),
    path.join(os.tmpdir(), `tinyprune-cache-${os.userInfo().uid}`),
  ];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      cachedCache = dir;
      return dir;
    } catch {
      // not writable: try the next
    }
  }
  throw new TinypruneError('E_OUTPUT', 'no writable cache directory for tinyprune', {
    where: candidates.join(', '),
    hint: 'set TINYPRUNE_CACHE_DIR to a writable directory',
  });
}
