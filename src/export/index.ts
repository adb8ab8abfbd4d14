/**
 * Exports of a finished build (`tinyprune build --emit c|arduino|cmake`): plan (pure, plan.ts)
 * then write into <dir>/export/<kind>/, replacing an earlier export of the same kind.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError } from '../errors.js';
import { EXPORTERS, EXPORT_KINDS, isExportKind, type ExportFile, type ExportKind } from './plan.js';
import { readBuildTree } from './tree.js';

export { EXPORT_KINDS, EXPORTERS, isExportKind, type ExportKind } from './plan.js';

/** Writes `files` under `dir` (which is emptied first). */
export function writeExportFiles(dir: string, files: readonly ExportFile[]): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    const dest = path.join(dir, ...f.path.split('/'));
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, f.content);
  }
}

/** "c,arduino" / ["c", "cmake"] → the kinds, checked, without repeats, in the order given. */
export function parseExportKinds(values: readonly string[]): ExportKind[] {
  const kinds: ExportKind[] = [];
  for (const v of values.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '')) {
    if (!isExportKind(v)) {
      throw new TinypruneError('E_USAGE', `--emit ${v} is not an export`, {
        where: 'tinyprune build --emit',
        allowed: EXPORT_KINDS.map((k) => `${k} (${EXPORTERS[k].description})`).join(', '),
        hint: 'e.g. --emit c,cmake or --emit arduino',
      });
    }
    if (!kinds.includes(v)) kinds.push(v);
  }
  return kinds;
}

/** Exports a finished build directory; returns the folders written. */
export function exportBuild(buildDir: string, kinds: readonly ExportKind[]): string[] {
  if (kinds.length === 0) return [];
  const tree = readBuildTree(buildDir);
  return kinds.map((kind) => {
    const dir = path.join(buildDir, 'export', kind);
    writeExportFiles(dir, EXPORTERS[kind].plan(tree));
    return dir;
  });
}
