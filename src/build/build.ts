/**
 * `tinyprune build`: model file → C library + firmware + report, as one ordered list of
 * stages. Everything is produced in a staging directory next to the output and moved into
 * place only when every stage succeeded, so a failed build never leaves a partial output
 * directory that looks like a result.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError, type Warning } from '../errors.js';
import { verifyGraph } from '../ir/verify.js';
import { readTflite } from '../tflite/read.js';
import { writeTflite } from '../tflite/write.js';
import { readInputFile } from '../util/files.js';
import { generateSources, kernelSources, runtimeIncludeDir, type CoreFamily, type GeneratedSources } from '../codegen/generate.js';
import { resolveTarget, type Target } from '../boards/index.js';
import { buildFirmware, type BuildResult } from '../firmware/build.js';
import { buildBenchFirmware, hashSources } from '../bench/firmware.js';
import { packageRoot } from '../firmware/paths.js';
import { macsOf } from '../inspect/summary.js';
import { chooseFormats, pruneGraph, sparseEncodings, type LayerChoice, type Objective } from '../sparse/plan.js';
import { costFamily } from '../sparse/cost.js';
import { isSparseKernel, sparseHeaders, sparseKernelFiles } from '../sparse/kernels.js';
import type { GranularityName as Granularity } from '../sparse/granularity.js';
import type { EncodedMatrix, FormatName } from '../sparse/types.js';
import { measureInto } from './measure.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { writeReportHtml } from '../report/html.js';
import { exportBuild, type ExportKind } from '../export/index.js';
import { relabelWarnings, withOutput } from '../util/outdir.js';
import type { BuildReport, LayerReport } from '../contracts/report.js';

export type { BuildReport, LayerReport } from '../contracts/report.js';
import { versionedReport } from '../report/report-file.js';

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
  /**
   * Prune every FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D weight tensor to this fraction of
   * zeros by one-shot magnitude pruning before encoding (model.tflite is then the pruned model).
   */
  sparsity?: number;
  /** Unit of that pruning (default 'element'). */
  granularity?: Granularity;
  /**
   * Per-layer format choice: minimise flash bytes, predicted instructions or both (default
   * 'balanced'). Formats are chosen when sparsity, optimize or format is given; otherwise every
   * layer is dense.
   */
  optimize?: Objective;
  /** Use this format on every layer that can take it (dense elsewhere), e.g. for benchmarks. */
  format?: FormatName;
  /** After building for QEMU, run one inference and add measured per-layer instructions. */
  measure?: boolean;
  /** Also link bench.elf, the benchmark firmware for `tinyprune bench` / `flash` (default true). */
  bench?: boolean;
  /** Exports written into <dir>/export/<kind>/ before the build is published (--emit). */
  emit?: readonly ExportKind[];
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
  if (req.measure && target.mode === 'device') {
    throw new TinypruneError('E_USAGE', `--measure runs the build in QEMU; ${target.board.name} is a real board`, {
      where: 'tinyprune build --measure',
      hint: 'add --emulate to build for its QEMU stand-in, or drop --measure',
    });
  }
  const bytes = readInputFile(req.modelPath, 'model file');
  const read = readTflite(bytes, req.modelPath);
  verifyGraph(read.graph);
  const source = path.basename(req.modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return buildGraph({ ...req, graph: read.graph, source, sha256, target, warnings: read.warnings, inputs: [req.modelPath] });
}

export interface GraphBuildRequest extends Omit<BuildRequest, 'modelPath' | 'board' | 'emulate'> {
  graph: ModelGraph;
  /** Display name of the model (file name). */
  source: string;
  sha256: string;
  target: Target;
  warnings?: Warning[];
  /** Explicit encodings per operator (tests, benchmarks): skip the format choice. */
  sparse?: ReadonlyMap<number, EncodedMatrix>;
  /** A format per operator (a solved plan); the objective chooses for the others. */
  formats?: ReadonlyMap<number, FormatName>;
  /** Input files that must not be the output directory or inside it (the model). */
  inputs?: readonly string[];
}

/** Stages 2–4 (pure): prune, choose formats, generate C. */
function planBuild(req: GraphBuildRequest): { graph: ModelGraph; gen: GeneratedSources; choices: ReadonlyMap<number, LayerChoice> | undefined; family: CoreFamily; warnings: Warning[] } {
  const target = req.target;
  const family: CoreFamily = req.kernels === 'plain' ? 'plain' : coreFamily(target);
  // Stage 2: prune (pure): every prunable layer to the requested sparsity.
  const graph = req.sparsity === undefined ? req.graph : pruneGraph(req.graph, req.sparsity, req.granularity).graph;
  // Stage 3: choose a format per layer (pure): exact bytes and predicted instructions.
  const sparseMode = req.sparsity !== undefined || req.optimize !== undefined || req.format !== undefined || req.formats !== undefined;
  const choices = sparseMode && !req.sparse
    ? chooseFormats(graph, { family, costFamily: costFamily(family, target.board.core), objective: req.optimize ?? 'balanced', ...(req.format ? { force: req.format } : {}), ...(req.formats ? { perLayer: req.formats } : {}) })
    : undefined;
  // Stage 4: generate C (pure).
  const gen = generateSources(graph, {
    prefix: req.prefix,
    source: req.source,
    sourceSha256: req.sha256,
    toolVersion: req.toolVersion,
    ...(req.sparse ? { sparse: req.sparse } : choices ? { sparse: sparseEncodings(choices) } : {}),
  });
  return { graph, gen, choices, family, warnings: req.warnings ?? [] };
}

/**
 * The same build from a graph in memory (tests and benchmarks build synthetic graphs): made in
 * a staging directory beside `outDir` and published there only when every stage succeeded
 * (src/util/outdir.ts), so a failed or interrupted build leaves the earlier one as it was.
 */
export async function buildGraph(req: GraphBuildRequest): Promise<BuildReport> {
  const outDir = path.resolve(req.outDir);
  return withOutput(outDir, { inputs: req.inputs ?? [], toolVersion: req.toolVersion }, async (staging) => {
    const { report } = await buildInto(staging, outDir, req);
    if (req.emit && req.emit.length > 0) exportBuild(staging, req.emit);
    return report;
  });
}

/**
 * Build into `dir` (an existing staging directory; `shownAs` is the output directory the
 * user named, for warnings): library, firmware, bench firmware, report.json, report.html and,
 * with `measure`, one inference in QEMU.
 */
export async function buildInto(dir: string, shownAs: string, req: GraphBuildRequest): Promise<{ report: BuildReport; graph: ModelGraph }> {
  const target = req.target;
  const { graph, gen, choices, family, warnings } = planBuild(req);
  const lib = writeLibrary(dir, gen, family);
  const firmware = await buildFirmware({
    board: target,
    sources: [...lib.sources, path.join(packageRoot(), 'firmware/app/tp_run_main.c')],
    includeDirs: lib.includeDirs,
    outDir: dir,
    optimize: '-O2',
    stackBytes: target.stackBytes,
  }).catch((e: unknown) => {
    throw explainDoesNotFit(e, gen, graph, target);
  });
  writeFileSync(path.join(dir, 'model.tflite'), writeTflite(graph));
  writeFileSync(path.join(dir, 'board.json'), JSON.stringify(target.board, null, 2) + '\n');
  // The benchmark firmware: same library, the serial-protocol app (tinyprune bench / flash).
  const sourcesSha256 = hashSources(path.join(dir, 'lib'));
  const bench = req.bench === false ? { firmware: null, warnings: [] } : await buildBenchFirmware({
    target,
    sources: lib.sources,
    includeDirs: lib.includeDirs,
    outDir: dir,
    modelName: req.source.replace(/\.tflite$/, ''),
    sourcesSha256,
    inputBytes: graph.inputs.reduce((s, t) => s + tensorBytes(graph.tensors[t]!), 0),
    stackBytes: target.stackBytes,
  });
  const allWarnings = relabelWarnings([...warnings, ...target.warnings, ...firmware.warnings, ...bench.warnings], dir, shownAs);
  const report = makeReport(req, target, graph, gen, firmware, req.source, req.sha256, allWarnings, choices);
  report.sourcesSha256 = sourcesSha256;
  report.files.bench = bench.firmware ? { elf: 'bench.elf', bin: 'bench.bin', hex: 'bench.hex' } : null;
  if (choices) {
    report.sparse = { sparsity: req.sparsity ?? null, granularity: req.sparsity !== undefined ? (req.granularity ?? 'element') : null, optimize: req.format ? null : (req.optimize ?? 'balanced'), format: req.format ?? null, family };
  }
  writeBuildReport(dir, report, graph);
  // --measure: one inference in QEMU (which reads report.json) on seeded random inputs; exact counts per layer.
  if (req.measure) {
    await measureInto(dir, graph, report);
    writeBuildReport(dir, report, graph);
  }
  return { report, graph };
}

/** report.json and report.html of a build directory. */
export function writeBuildReport(dir: string, report: BuildReport, graph: ModelGraph): void {
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(versionedReport(report), null, 2) + '\n');
  writeReportHtml(dir, report, graph);
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
  // Same layout as firmware/kernels (optimised variants include "../tp_kernel_*.h"); sparse
  // kernels keep their sparse/ (and sparse/dsp, sparse/mve) folders and internal headers, and
  // bring the row-function files they call (each once).
  const sparse = gen.plan.kernels.filter(isSparseKernel);
  const dense = gen.plan.kernels.filter((k) => !isSparseKernel(k));
  for (const src of [...kernelSources(dense, family), ...sparseKernelFiles(sparse, family)]) {
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
  if (sparse.length > 0) {
    for (const h of sparseHeaders(family)) {
      mkdirSync(path.dirname(path.join(kernelsOut, h.rel)), { recursive: true });
      cpSync(h.file, path.join(kernelsOut, h.rel));
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
  const regions = new Set((e.data.overflow ?? []).map((o) => o.region));
  if (regions.has('RAM')) {
    const acts = [...gen.plan.arena.entries].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(
      `RAM: tensor arena ${gen.plan.arena.bytes} B; largest activations ${acts.map((a) => `${name(a.tensor)} ${a.bytes} B`).join(', ')}`,
    );
  }
  if (regions.has('FLASH') || parts.length === 0) {
    const consts = [...gen.plan.consts].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(`flash: weights ${gen.plan.consts.reduce((s, c) => s + c.bytes, 0)} B; largest ${consts.map((c) => `${c.comment.replace(/^tensor \d+ /, '')} ${c.bytes} B`).join(', ')}`);
  }
  return new TinypruneError('E_DOES_NOT_FIT', `${e.message}. ${parts.join('. ')}`, {
    data: e.data,
    where: `board ${target.board.name}${target.mode === 'emulate' ? ' (emulated)' : ''}`,
    hint: 'prune the model (sparse weights need less flash; fewer channels need less RAM), pick a board with more memory (`tinyprune boards`), or use a smaller model',
  });
}

function makeReport(
  req: { toolVersion: string },
  target: Target,
  graph: ModelGraph,
  gen: GeneratedSources,
  fw: BuildResult,
  source: string,
  sha256: string,
  warnings: Warning[],
  choices: ReadonlyMap<number, LayerChoice> | undefined,
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
  const inPlaceOf = (index: number): Pick<LayerReport, 'inPlace'> => {
    const o = gen.plan.arena.inPlace.find((x) => x.op === index);
    return o ? { inPlace: { savedBytes: o.saved, displacement: o.displacement } } : {};
  };
  const layer = (c: GeneratedSources['plan']['calls'][number]): LayerReport => {
    const choice = choices?.get(c.index);
    const base = {
      index: c.index,
      op: c.opcode,
      kernel: c.kernel ?? null,
      format: c.alias ? ('alias' as const) : (choice?.format ?? 'dense'),
      sparsity: choice ? choice.sparsity : null,
      weightBytes: choice && choice.format !== 'dense' ? choice.bytes : layerWeights(c.index),
      macs: macsOf(graph, graph.ops[c.index]!),
      predictedInstructions: choice?.predictedInstructions ?? null,
      ...inPlaceOf(c.index),
    };
    return choice
      ? { ...base, dense: { weightBytes: choice.dense.bytes, predictedInstructions: choice.dense.predictedInstructions ?? null }, output: c.name }
      : { ...base, output: c.name };
  };
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
    sourcesSha256: '', // set by buildGraph once lib/ is written
    flash: { total: fw.flash.total, weights, model, code: fw.flash.total - weights - model, limit: fw.limits.flash },
    ram: {
      arena: fw.ram.arena,
      static: fw.ram.data + fw.ram.bss,
      stack: fw.ram.stack,
      total: fw.ram.total,
      limit: fw.limits.ram,
    },
    arena: { bytes: gen.plan.arena.bytes, lowerBound: gen.plan.arena.lowerBound },
    layers: gen.plan.calls.map(layer),
    kernels: gen.plan.kernels,
    files: {
      elf: rel(fw.elf).replace(/\.tinyprune-staging-\d+/, ''),
      bin: rel(fw.bin),
      hex: rel(fw.hex),
      model: 'model.tflite',
      sources: gen.files.map((f) => `lib/${f.name}`),
      bench: null,
    },
    toolchain: { commands: fw.commands.map((c) => c.map((a) => a.split(path.dirname(fw.elf)).join('<out>'))) },
    warnings,
  };
}
