/**
 * `tinyprune build`: model file → C library + firmware + report, as one ordered list of
 * stages. Everything is produced in a staging directory next to the output and moved into
 * place only when every stage succeeded, so a failed build never leaves a partial output
 * directory that looks like a result.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError, type Warning } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { readTflite } from '../tflite/read.js';
import { writeTflite } from '../tflite/write.js';
import { readInputFile } from '../util/files.js';
import { generateSources, kernelSources, runtimeIncludeDir, type CoreFamily, type GeneratedSources } from '../codegen/generate.js';
import { resolveTarget, type Target } from '../boards/index.js';
import { buildFirmware, type BuildResult } from '../firmware/build.js';
import { packageRoot } from '../firmware/paths.js';
import { macsOf } from '../inspect/summary.js';

export interface BuildRequest {
  modelPath: string;
  /** Board name or path to a board profile. */
  board: string;
  /** Build a real board for its QEMU stand-in (linked with the real board's memory sizes). */
  emulate: boolean;
  outDir: string;
  prefix?: string;
  toolVersion: string;
  /** 'auto' (default): the core's optimised kernels where they exist; 'plain': reference C only. */
  kernels?: 'auto' | 'plain';
}

export interface LayerReport {
  index: number;
  op: string;
  kernel: string | null;
  format: 'dense' | 'alias';
  weightBytes: number;
  macs: number;
  output: string;
}

export interface BuildReport {
  tool: { name: 'tinyprune'; version: string };
  model: { source: string; sha256: string; operators: number };
  board: string;
  target: { mode: Target['mode']; machine: string | null; core: string; flashLimit: number; ramLimit: number };
  fits: boolean;
  /**
   * Flash bytes: weights (constant tensors), model (other model-specific data: operator
   * parameters, requantization tables), code (everything else: kernels, runtime, startup,
   * the benchmark app) — measured from the linked ELF's symbols.
   */
  flash: { total: number; weights: number; model: number; code: number; limit: number };
  ram: { arena: number; static: number; stack: number; total: number; limit: number };
  arena: { bytes: number; lowerBound: number };
  layers: LayerReport[];
  kernels: string[];
  files: { elf: string; bin: string; hex: string; model: string; sources: string[] };
  toolchain: { commands: string[][] };
  warnings: Warning[];
}

/** Which optimised kernel family the target's core takes. */
export function coreFamily(target: Target): CoreFamily {
  const b = target.board;
  if (b.mve !== 'none') return 'mve';
  if (b.dsp) return 'dsp';
  return 'plain';
}

export async function buildModel(req: BuildRequest): Promise<BuildReport> {
  // Stage 1: read and check everything before touching the output directory.
  const target = resolveTarget(req.board, { emulate: req.emulate });
  const bytes = readInputFile(req.modelPath, 'model file');
  const { graph, warnings } = readTflite(bytes, req.modelPath);
  verifyGraph(graph);
  const source = path.basename(req.modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // Stage 2: generate C (pure).
  const gen = generateSources(graph, { prefix: req.prefix, source, sourceSha256: sha256, toolVersion: req.toolVersion });

  // Stage 3: write the library and build the firmware in a staging directory.
  const outDir = path.resolve(req.outDir);
  const staging = `${outDir}.tinyprune-staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const lib = writeLibrary(staging, gen, req.kernels === 'plain' ? 'plain' : coreFamily(target));
    const firmware = await buildFirmware({
      board: target,
      sources: [...lib.sources, path.join(packageRoot(), 'firmware/app/tp_run_main.c')],
      includeDirs: lib.includeDirs,
      outDir: staging,
      optimize: '-O2',
      stackBytes: target.stackBytes,
    }).catch((e: unknown) => {
      throw explainDoesNotFit(e, gen, graph, target);
    });
    writeFileSync(path.join(staging, 'model.tflite'), writeTflite(graph));
    const report = makeReport(req, target, graph, gen, firmware, source, sha256, [...warnings, ...target.warnings, ...firmware.warnings]);
    writeFileSync(path.join(staging, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    // Stage 4: publish atomically (replace an earlier build of the same directory).
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
    return report;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

interface Library {
  sources: string[];
  includeDirs: string[];
}

/**
 * The self-contained C library in <dir>/lib: generated model files, the runtime kernels the
 * model uses (optimised variant for the core where one exists) and the runtime headers.
 */
function writeLibrary(dir: string, gen: GeneratedSources, family: CoreFamily): Library {
  const lib = path.join(dir, 'lib');
  const kernelsOut = path.join(lib, 'kernels');
  const includeOut = path.join(lib, 'include');
  mkdirSync(kernelsOut, { recursive: true });
  mkdirSync(includeOut, { recursive: true });
  for (const f of gen.files) writeFileSync(path.join(lib, f.name), f.content);
  const kernelsDir = path.join(packageRoot(), 'firmware/kernels');
  const sources = [path.join(lib, `${gen.plan.prefix}.c`)];
  // Same layout as firmware/kernels (optimised variants include "../tp_kernel_*.h").
  for (const src of kernelSources(gen.plan.kernels, family)) {
    const dest = path.join(kernelsOut, path.relative(kernelsDir, src));
    mkdirSync(path.dirname(dest), { recursive: true });
    cpSync(src, dest);
    sources.push(dest);
  }
  const subdirs = family === 'mve' ? ['.', 'dsp', 'mve'] : family === 'dsp' ? ['.', 'dsp'] : ['.'];
  for (const sub of subdirs) {
    for (const h of listHeaders(path.join(kernelsDir, sub))) {
      mkdirSync(path.join(kernelsOut, sub), { recursive: true });
      cpSync(h, path.join(kernelsOut, sub, path.basename(h)));
    }
  }
  for (const h of listHeaders(runtimeIncludeDir())) cpSync(h, path.join(includeOut, path.basename(h)));
  return { sources, includeDirs: [lib, includeOut, kernelsOut] };
}

function listHeaders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .filter((f) => f.endsWith('.h'))
    .map((f) => path.join(dir, f));
}

/** A link that overflows: say which tensors are the largest in the region(s) that overflowed. */
function explainDoesNotFit(e: unknown, gen: GeneratedSources, graph: ModelGraph, target: Target): unknown {
  if (!(e instanceof TinypruneError) || e.code !== 'E_DOES_NOT_FIT') return e;
  const name = (t: number): string => `'${graph.tensors[t]!.name}'`;
  const parts: string[] = [];
  if (/RAM overflowed/.test(e.message)) {
    const acts = [...gen.plan.arena.entries].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(
      `RAM: tensor arena ${gen.plan.arena.bytes} B; largest activations ${acts.map((a) => `${name(a.tensor)} ${a.bytes} B`).join(', ')}`,
    );
  }
  if (/FLASH overflowed/.test(e.message) || parts.length === 0) {
    const consts = [...gen.plan.consts].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(`flash: weights ${gen.plan.consts.reduce((s, c) => s + c.bytes, 0)} B; largest ${consts.map((c) => `${c.comment.replace(/^tensor \d+ /, '')} ${c.bytes} B`).join(', ')}`);
  }
  return new TinypruneError('E_DOES_NOT_FIT', `${e.message}. ${parts.join('. ')}`, {
    where: `board ${target.board.name}${target.mode === 'emulate' ? ' (emulated)' : ''}`,
    hint: 'prune the model (sparse weights need less flash; fewer channels need less RAM), pick a board with more memory (`tinyprune boards`), or use a smaller model',
  });
}

function makeReport(
  req: BuildRequest,
  target: Target,
  graph: ModelGraph,
  gen: GeneratedSources,
  fw: BuildResult,
  source: string,
  sha256: string,
  warnings: Warning[],
): BuildReport {
  // Sizes as linked (nm -S): tensor constants are the weights; every other symbol of the
  // generated model's prefix that lives in flash is model data.
  const weightSyms = new Set(gen.plan.consts.filter((c) => c.role !== 'quant').map((c) => c.symbol));
  const prefix = `${gen.plan.prefix}_`;
  let weights = 0;
  let model = 0;
  for (const sym of fw.symbols) {
    if (!/^[rRdD]$/.test(sym.type) || !sym.name.startsWith(prefix)) continue;
    if (weightSyms.has(sym.name)) weights += sym.size;
    else model += sym.size;
  }
  const rel = (p: string): string => path.relative(path.dirname(fw.elf), p);
  const layerWeights = (i: number): number =>
    graph.ops[i]!.inputs.filter((t) => t >= 0 && graph.tensors[t]!.data && graph.ops[i]!.opcode !== 'RESHAPE').reduce((s, t) => s + graph.tensors[t]!.data!.length, 0);
  return {
    tool: { name: 'tinyprune', version: req.toolVersion },
    model: { source, sha256, operators: graph.ops.length },
    board: target.board.name,
    target: {
      mode: target.mode,
      machine: target.machine ?? null,
      core: target.board.core,
      flashLimit: fw.limits.flash,
      ramLimit: fw.limits.ram,
    },
    fits: true,
    flash: { total: fw.flash.total, weights, model, code: fw.flash.total - weights - model, limit: fw.limits.flash },
    ram: {
      arena: fw.ram.arena,
      static: fw.ram.data + fw.ram.bss,
      stack: fw.ram.stack,
      total: fw.ram.total,
      limit: fw.limits.ram,
    },
    arena: { bytes: gen.plan.arena.bytes, lowerBound: gen.plan.arena.lowerBound },
    layers: gen.plan.calls.map((c) => ({
      index: c.index,
      op: c.opcode,
      kernel: c.kernel ?? null,
      format: c.alias ? 'alias' : 'dense',
      weightBytes: layerWeights(c.index),
      macs: macsOf(graph, graph.ops[c.index]!),
      output: c.name,
    })),
    kernels: gen.plan.kernels,
    files: {
      elf: rel(fw.elf).replace(/\.tinyprune-staging-\d+/, ''),
      bin: rel(fw.bin),
      hex: rel(fw.hex),
      model: 'model.tflite',
      sources: gen.files.map((f) => `lib/${f.name}`),
    },
    toolchain: { commands: fw.commands.map((c) => c.map((a) => a.split(path.dirname(fw.elf)).join('<out>'))) },
    warnings,
  };
}
