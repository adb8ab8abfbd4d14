/**
 * Export planning (pure): from a finished build (BuildTree) to the files of a plain C library
 * with a Makefile, a CMake project, or an Arduino library (+ its zip). Each planner returns
 * {path, content} pairs relative to <out>/export/<kind>/; index.ts writes them. Templates in
 * templates/export/ hold the structure; the helpers here only decide names and lists.
 */
import path from 'node:path';
import { TinypruneError } from '../errors.js';
import type { DType } from '../ir/graph.js';
import { renderTemplateFile } from '../templates.js';
import { coreFlags, libraryFamily, libraryPrefix, librarySources, type BuildTree } from './tree.js';
import { zipArchive } from './zip.js';

export interface ExportFile {
  /** Relative to the export's folder, '/'-separated. */
  path: string;
  content: string | Uint8Array;
}

/** C type, printf conversion and cast that print one element of an output tensor. */
const PRINTABLE: Partial<Record<DType, { ctype: string; printf: string; cast: string }>> = {
  int8: { ctype: 'int8_t', printf: '%ld', cast: 'long' },
  uint8: { ctype: 'uint8_t', printf: '%ld', cast: 'long' },
  int16: { ctype: 'int16_t', printf: '%ld', cast: 'long' },
  int32: { ctype: 'int32_t', printf: '%ld', cast: 'long' },
  float32: { ctype: 'float', printf: '%g', cast: 'double' },
};

/** What every template is told about the build (banner, target, names). */
export function commonView(tree: BuildTree) {
  const r = tree.report;
  const prefix = libraryPrefix(tree);
  const family = libraryFamily(tree);
  return {
    version: r.tool.version,
    source: r.model.source,
    sha256: r.model.sha256,
    board: r.board,
    core: r.target.core,
    arenaBytes: r.arena.bytes,
    prefix,
    upper: prefix.toUpperCase(),
    cpuFlags: coreFlags(r).join(' '),
    dsp: family === 'dsp',
    mve: family === 'mve',
    hostNote: family === 'dsp' ? 'the DSP-extension kernels in exact C emulation' : family === 'mve' ? 'not possible: Helium kernels' : 'plain C kernels',
    sources: librarySources(tree),
    // Unknown element types are printed byte by byte.
    outputs: tree.outputs.map((o) => ({ index: o.index, dtype: o.dtype, ...(PRINTABLE[o.dtype] ?? { ctype: 'uint8_t', printf: '%ld', cast: 'long' }) })),
  };
}

/** The library as built (lib/ unchanged) and a Makefile for a static library. */
export function planCLibrary(tree: BuildTree): ExportFile[] {
  return [...tree.lib.map((f) => ({ path: f.path, content: new Uint8Array(f.content) })), { path: 'Makefile', content: renderTemplateFile('export/Makefile.hbs', commonView(tree)) }];
}

/** CMakeLists.txt (library target + host example), lib/ as built, example/main.c. */
export function planCMake(tree: BuildTree): ExportFile[] {
  const view = commonView(tree);
  return [
    { path: 'CMakeLists.txt', content: renderTemplateFile('export/CMakeLists.txt.hbs', view) },
    ...tree.lib.map((f) => ({ path: `lib/${f.path}`, content: new Uint8Array(f.content) })),
    { path: 'example/main.c', content: renderTemplateFile('export/example_main.c.hbs', view) },
  ];
}

/**
 * `#include "../dir/name.h"` → `#include "name.h"`: the Arduino IDE compiles a library's
 * src/ with src/ on the include path, so a flattened library finds every header by its name.
 */
export function flattenIncludes(source: string): string {
  return source.replace(/^(\s*#\s*include\s*)"([^"]*\/)([^"/]+)"/gm, '$1"$3"');
}

/**
 * The library flattened into one folder (the Arduino library layout keeps sources in src/;
 * one folder avoids relying on its recursive compilation); two files of the same name are an
 * error rather than one silently replacing the other.
 */
export function flattenLibrary(tree: BuildTree): ExportFile[] {
  const seen = new Map<string, string>();
  return tree.lib.map((f) => {
    const name = path.posix.basename(f.path);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new TinypruneError('E_OUTPUT', `cannot flatten the library: lib/${earlier} and lib/${f.path} have the same name`, {
        where: 'export arduino',
        hint: 'export c or cmake instead (they keep the folders)',
      });
    }
    seen.set(name, f.path);
    return { path: name, content: /\.[ch]$/.test(name) ? flattenIncludes(f.content.toString('utf8')) : new Uint8Array(f.content) };
  });
}

/** An Arduino library folder <name>/ (library.properties, src/, examples/) and <name>.zip. */
export function planArduino(tree: BuildTree): ExportFile[] {
  const view = commonView(tree);
  const name = view.prefix;
  // Arduino wants "x.y.z" versions; the tool's version is one.
  const libraryVersion = /^\d+\.\d+\.\d+$/.test(view.version) ? view.version : '0.0.0';
  const files: ExportFile[] = [
    { path: `${name}/library.properties`, content: renderTemplateFile('export/library.properties.hbs', { ...view, name, libraryVersion }) },
    ...flattenLibrary(tree).map((f) => ({ ...f, path: `${name}/src/${f.path}` })),
    { path: `${name}/examples/${name}/${name}.ino`, content: renderTemplateFile('export/example.ino.hbs', view) },
  ];
  const zip = zipArchive(files.map((f) => ({ path: f.path, content: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content })));
  return [...files, { path: `${name}.zip`, content: zip }];
}

/** Export kinds by name (`--emit`). */
export const EXPORTERS = {
  c: { description: 'plain C library with a Makefile (static library)', plan: planCLibrary },
  arduino: { description: 'Arduino library (library.properties, src/, an example sketch) and its .zip', plan: planArduino },
  cmake: { description: 'CMake project: library target and a host example', plan: planCMake },
} satisfies Record<string, { description: string; plan: (tree: BuildTree) => ExportFile[] }>;

export type ExportKind = keyof typeof EXPORTERS;
export const EXPORT_KINDS = Object.keys(EXPORTERS) as ExportKind[];

export function isExportKind(s: string): s is ExportKind {
  return Object.prototype.hasOwnProperty.call(EXPORTERS, s);
}
