/**
 * Where tinyprune's own files live (boards/, firmware/, templates/), found by walking up from
 * this module to the package.json named "tinyprune" — the same code then works from src/ under
 * vitest and from dist/src/ after `tsc`.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/** Cache for built helper binaries (the QEMU plugin): node_modules/.cache/tinyprune. */
export function cacheDir(): string {
  const env = process.env['TINYPRUNE_CACHE_DIR'];
  if (env) return env;
  return path.join(packageRoot(), 'node_modules', '.cache', 'tinyprune');
}
