/**
 * Temporary directories of ours (QEMU's semihosting/marks files, compile scratch space): made
 * with mkdtemp and removed when released, and also on exit and on an interrupt through the
 * cleanup registry, so a Ctrl-C never leaves /tmp/tinyprune-* behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TinypruneError } from '../errors.js';
import { onCleanup } from './cleanup.js';

export interface TempDir {
  readonly path: string;
  /** Removes the directory and its contents (idempotent). */
  remove(): void;
}

/** mkdtemp `<parent>/<prefix>XXXXXX` (parent: the OS temporary directory). */
export function makeTempDir(prefix: string, parent: string = os.tmpdir()): TempDir {
  let dir: string;
  try {
    dir = mkdtempSync(path.join(parent, prefix));
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    throw new TinypruneError('E_FS', `cannot create a temporary directory in ${parent}: ${(e as Error).message}`, {
      where: parent,
      hint: parent === os.tmpdir() ? 'set TMPDIR to a writable directory with free space' : 'check the permissions and free space of that directory',
      data: { path: parent, ...(errno ? { errno } : {}) },
      cause: e,
    });
  }
  // Retries: a child killed a moment ago may still be finishing a file in it.
  const remove = (): void => rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
  const unregister = onCleanup(`temporary directory ${dir}`, remove);
  return {
    path: dir,
    remove() {
      unregister();
      remove();
    },
  };
}
