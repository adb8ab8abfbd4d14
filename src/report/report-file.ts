/**
 * <build>/report.json, written by build and the pipeline and read back by run, bench, flash
 * and the exports: one module for its version, its schema and its reader. The schema names
 * what those readers use; further fields (verify, plan, sensitivity …) are free-form here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildReport } from '../contracts/report.js';
import { TinypruneError } from '../errors.js';
import { parseJsonFile, validate, type Schema } from '../util/validate.js';

/** Bump when a field readers rely on changes meaning or shape. */
export const REPORT_SCHEMA_VERSION = 1;

const n = 'number';
const s = 'string';
const numbers = (...keys: string[]): Schema => ({ object: Object.fromEntries(keys.map((k) => [k, n])) });
const files = { object: { elf: s, bin: s, hex: s } } as const;

export const REPORT_SCHEMA: Schema = {
  object: {
    schemaVersion: { enum: [REPORT_SCHEMA_VERSION] },
    tool: { object: { name: { enum: ['tinyprune'] }, version: s } },
    model: { object: { source: s, sha256: s, operators: n } },
    board: s,
    target: { object: { mode: { enum: ['qemu', 'emulate', 'device'] }, machine: { anyOf: [s, 'null'] }, core: s, flashLimit: n, ramLimit: n } },
    fits: 'boolean',
    flash: numbers('total', 'weights', 'model', 'code', 'limit'),
    ram: numbers('arena', 'static', 'stack', 'total', 'limit'),
    arena: numbers('bytes', 'lowerBound'),
    layers: { array: { object: { index: n, op: s, format: s, weightBytes: n, macs: n, output: s } } },
    kernels: { array: s },
    measured: numbers('instructions'),
    sourcesSha256: s,
    files: { object: { ...files.object, model: s, sources: { array: s }, bench: { anyOf: ['null', files] } } },
    toolchain: { object: { commands: { array: { array: s } } } },
    warnings: { array: { object: { code: s, message: s } } },
  },
  optional: ['measured'],
};

/** The report as written to report.json: the schema version first. */
export function versionedReport<T extends BuildReport>(report: T): T & { schemaVersion: number } {
  return { schemaVersion: REPORT_SCHEMA_VERSION, ...report };
}

/** Checks parsed report.json text against the schema; `file` names it in the error. */
export function checkReport(json: unknown, file: string): BuildReport {
  const rebuild = 'rebuild it with this tinyprune: `tinyprune build … -o <the same dir>`';
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && version !== REPORT_SCHEMA_VERSION) {
    throw new TinypruneError('E_DATA', `${file} is ${version === undefined ? 'from an older tinyprune (no schemaVersion)' : `report schema version ${JSON.stringify(version)}`}; this tinyprune reads version ${REPORT_SCHEMA_VERSION}`, {
      where: `${file}: schemaVersion`,
      allowed: `schemaVersion ${REPORT_SCHEMA_VERSION}`,
      hint: rebuild,
      data: { path: file, field: 'schemaVersion' },
    });
  }
  const m = validate(REPORT_SCHEMA, json);
  if (m) {
    throw new TinypruneError('E_DATA', `${file} is not a valid build report: ${m.path} should be ${m.expected}, not ${m.got}`, {
      where: `${file}: ${m.path}`,
      allowed: m.expected,
      hint: `the file was edited or damaged: ${rebuild}`,
      data: { path: file, field: m.path },
    });
  }
  return json as BuildReport;
}

/** <dir>/report.json, parsed and checked. */
export function readReportFile(dir: string): BuildReport {
  const file = path.join(dir, 'report.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `${dir} is not a tinyprune build directory (no readable report.json)`, {
      where: file,
      hint: 'run `tinyprune build --board <board> <model> -o <dir>` first',
      cause: e,
      data: { path: file },
    });
  }
  return checkReport(parseJsonFile(text, file, 'rebuild the directory with `tinyprune build`'), file);
}

