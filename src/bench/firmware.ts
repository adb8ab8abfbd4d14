/**
 * The benchmark firmware of a build (firmware/app/tp_bench_main.c linked with the generated
 * library) and the model identity it reports: a hash of the generated sources.
 *
 * Why a hash of the sources and not of the ELF: the board says which model it runs before the
 * host sends anything, and the same sources built twice give the same hash on every machine
 * (the ELF carries paths and tool versions). The host compares it with report.json's
 * `sourcesSha256`, so benchmarking a board that still runs another model fails loudly.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { Target } from '../boards/index.js';
import { TinypruneError, type Warning } from '../errors.js';
import { buildFirmware, type BuildResult } from '../firmware/build.js';
import { packageRoot } from '../firmware/paths.js';

/** sha256 over every file under `dir` (sorted relative paths, each path then its bytes). */
export function hashSources(dir: string): string {
  const files: string[] = [];
  const walk = (sub: string): void => {
    for (const e of readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = sub === '' ? e.name : `${sub}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('');
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(readFileSync(path.join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

export interface BenchFirmwareRequest {
  target: Target;
  /** Generated library: sources (model .c + kernels) and include directories. */
  sources: string[];
  includeDirs: string[];
  outDir: string;
  /** Model name shown by `profile%` (m-model-[...]); sanitised to [A-Za-z0-9_.-]. */
  modelName: string;
  sourcesSha256: string;
  /** Total bytes of the model's inputs (size of the firmware's input buffer). */
  inputBytes: number;
  stackBytes?: number;
}

export interface BenchFirmware {
  elf: string;
  bin: string;
  hex: string;
  build: BuildResult;
}

/** Absolute path of the benchmark application's source. */
export function benchAppSource(): string {
  return path.join(packageRoot(), 'firmware/app/tp_bench_main.c');
}

/**
 * Builds bench.elf/.bin/.hex next to firmware.elf. A benchmark firmware that does not fit
 * (it needs an input buffer of its own) is a warning, not a failed build: the model itself
 * fits, only `tinyprune bench` is unavailable for it.
 */
export async function buildBenchFirmware(req: BenchFirmwareRequest): Promise<{ firmware: BenchFirmware | null; warnings: Warning[] }> {
  const name = req.modelName.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'model';
  try {
    const build = await buildFirmware({
      board: req.target,
      sources: [...req.sources, benchAppSource()],
      includeDirs: req.includeDirs,
      outDir: req.outDir,
      name: 'bench',
      optimize: '-O2',
      ...(req.stackBytes !== undefined ? { stackBytes: req.stackBytes } : {}),
      defines: {
        TP_BENCH_SOURCES_SHA256: `"${req.sourcesSha256}"`,
        TP_BENCH_MODEL_NAME: `"${name}"`,
        TP_BENCH_INPUT_BYTES: Math.max(1, req.inputBytes),
      },
    });
    return { firmware: { elf: build.elf, bin: build.bin, hex: build.hex, build }, warnings: [] };
  } catch (e) {
    if (e instanceof TinypruneError && e.code === 'E_DOES_NOT_FIT') {
      return {
        firmware: null,
        warnings: [
          {
            code: 'W_BENCH_DOES_NOT_FIT',
            message: `the benchmark firmware (bench.elf) does not fit: it needs ${req.inputBytes} more bytes of RAM for its input buffer than firmware.elf (${e.message}); \`tinyprune bench\` is unavailable for this build`,
            where: req.outDir,
          },
        ],
      };
    }
    throw e;
  }
}
