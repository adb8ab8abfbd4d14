/**
 * Locating the shared models and TFLM goldens (../shared beside the repo). Tests that need them
 * skip, visibly, when they are absent.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const hasShared = existsSync(path.join(sharedDir, 'models'));

if (!hasShared) {
  console.warn(`[tinyprune tests] ${sharedDir} not found: tests on the shared models and goldens are skipped`);
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.tflite')) out.push(p);
  }
}

/** Every .tflite under ../shared/models, sorted (empty when ../shared is absent). */
export function sharedModels(): string[] {
  const out: string[] = [];
  if (hasShared) walk(path.join(sharedDir, 'models'), out);
  return out;
}

export function sharedModel(name: string): string | undefined {
  return sharedModels().find((p) => path.basename(p) === name);
}
