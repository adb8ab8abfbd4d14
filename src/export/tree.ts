/**
 * A finished build directory, read once: report.json, the C library under lib/ and the
 * model's input/output tensors (from model.tflite, exactly what was compiled). The export
 * planners are pure functions of this.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildReport } from '../contracts/report.js';
import type { CoreFamily } from '../codegen/generate.js';
import { TinypruneError } from '../errors.js';
import type { DType } from '../ir/graph.js';
import { readTflite } from '../tflite/read.js';
import { readReportFile } from '../report/report-file.js';

export interface BuildFile {
  /** Path relative to lib/, '/'-separated. */
  path: string;
  content: Buffer;
}

export interface ModelTensorInfo {
  index: number;
  dtype: DType;
  shape: number[];
}

export interface BuildTree {
  report: BuildReport;
  /** The generated library as it is in <dir>/lib (sorted by path). */
  lib: BuildFile[];
  inputs: ModelTensorInfo[];
  outputs: ModelTensorInfo[];
}

function listFiles(root: string, sub = ''): string[] {
  return readdirSync(path.join(root, sub), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? listFiles(root, path.posix.join(sub, e.name)) : [path.posix.join(sub, e.name)]));
}

export function readBuildTree(dir: string): BuildTree {
  const reportFile = path.join(dir, 'report.json');
  if (!existsSync(reportFile) || !existsSync(path.join(dir, 'lib'))) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `${dir} is not a finished build directory (no report.json or lib/)`, {
      where: dir,
      hint: 'build first: tinyprune build --board <board> <model.tflite> -o <dir>',
    });
  }
  const report = readReportFile(dir);
  const libDir = path.join(dir, 'lib');
  const lib = listFiles(libDir).map((p) => ({ path: p, content: readFileSync(path.join(libDir, p)) }));
  const modelFile = path.join(dir, report.files.model);
  const graph = readTflite(new Uint8Array(readFileSync(modelFile)), modelFile).graph;
  const info = (t: number, index: number): ModelTensorInfo => ({ index, dtype: graph.tensors[t]!.dtype, shape: [...graph.tensors[t]!.shape] });
  return { report, lib, inputs: graph.inputs.map(info), outputs: graph.outputs.map(info) };
}

/** The generated library's symbol prefix: the name of its model source (lib/<prefix>.c). */
export function libraryPrefix(tree: BuildTree): string {
  const c = tree.report.files.sources.find((s) => s.endsWith('.c'));
  if (!c) throw new TinypruneError('E_FILE_READ', 'report.json lists no generated C source', { where: 'report.json files.sources' });
  return path.posix.basename(c, '.c');
}

/** Which kernel variants lib/ holds (the optimised ones only compile for their cores). */
export function libraryFamily(tree: BuildTree): CoreFamily {
  const has = (sub: string): boolean => tree.lib.some((f) => f.path.startsWith(`kernels/${sub}/`) || f.path.startsWith(`kernels/sparse/${sub}/`));
  return has('mve') ? 'mve' : has('dsp') ? 'dsp' : 'plain';
}

/** The C source files of lib/ (paths relative to lib/), model first. */
export function librarySources(tree: BuildTree): string[] {
  const prefix = libraryPrefix(tree);
  return tree.lib.map((f) => f.path).filter((p) => p.endsWith('.c')).sort((a, b) => (a === `${prefix}.c` ? -1 : b === `${prefix}.c` ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The core flags the firmware was compiled with (-mthumb, -mcpu, -mfpu, -mfloat-abi), from
 * the first toolchain command in the report.
 */
export function coreFlags(report: BuildReport): string[] {
  const first = report.toolchain.commands[0] ?? [];
  return first.filter((a) => a === '-mthumb' || /^-m(cpu|fpu|float-abi)=/.test(a));
}
