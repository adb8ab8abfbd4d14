/**
 * Where the shared models, data sets and golden vectors live: ../shared beside the repo.
 * Tests that need them skip with a visible message when the folder is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = resolve(REPO_ROOT, '../shared');
export const hasShared = existsSync(resolve(SHARED, 'models'));

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED, ...parts);
}

/** Call at the top of a describe block that needs ../shared. */
export function warnIfNoShared(what: string): void {
  if (!hasShared) {
    console.warn(`[skip] ${what}: ${SHARED} is absent (the shared models and golden vectors live there)`);
  }
}
