/**
 * The build as a stage list: a graph in memory → C library, firmware, report. Used on its
 * own by `tinyprune build` (src/build) and inside the pipeline (the footprint, and the build
 * of the solved plan).
 *
 *   prune    (--sparsity) every prunable layer by magnitude to one sparsity
 *   encode   a format per layer: exact bytes and predicted instructions (src/sparse)
 *   lower    graph + encodings → kernel calls, constant arrays, arena plan (src/codegen)
 *   render   the plan → model .c/.h through the templates
 *   compile  the library in <dir>/lib and the firmware linked against the board's memory
 *   bench    the benchmark firmware (same library, the serial-protocol app)
 *   report   report.json, report.html
 *   measure  (--measure) one inference in QEMU: exact instructions per layer
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Target } from '../../boards/index.js';
import { buildBenchFirmware, hashSources } from '../../bench/firmware.js';
import { assertValidIdentifier } from '../../codegen/cgen.js';
import { renderPlan, type CoreFamily, type GeneratedSources } from '../../codegen/generate.js';
import { lowerModel } from '../../codegen/lower.js';
import type { KernelPlan } from '../../codegen/types.js';
import type { GraphBuildOptions } from '../../contracts/build.js';
import type { BuildReport } from '../../contracts/report.js';
import type { Stage, StageContext } from '../../contracts/stage.js';
import type { Warning } from '../../errors.js';
import { buildFirmware, type BuildResult } from '../../firmware/build.js';
import { packageRoot } from '../../firmware/paths.js';
import { tensorBytes, type ModelGraph } from '../../ir/graph.js';
import { costFamily } from '../../sparse/cost.js';
import { checkSparsity, chooseFormats, pruneGraph, sparseEncodings, type LayerChoice } from '../../sparse/plan.js';
import { toGranularity, type GranularityLike } from '../../sparse/granularity.js';
import { removeWeakestChannels } from '../../prune/structured.js';
import type { EncodedMatrix } from '../../sparse/types.js';
import { writeTflite } from '../../tflite/write.js';
import { relabelWarnings } from '../../util/outdir.js';
import { runStages, type RunOptions } from '../runner.js';
import { explainDoesNotFit, makeReport, writeBuildReport } from './build-report.js';
import { writeLibrary, type Library } from './library.js';
import { measureInto } from './measure.js';

/** Which optimised kernel family the target's core takes. */
export function coreFamily(target: Target): CoreFamily {
  const b = target.board;
  if (b.mve !== 'none') return 'mve';
  if (b.dsp) return 'dsp';
  return 'plain';
}

export interface BuildContext extends StageContext {
  req: GraphBuildOptions;
  /** The folder built into (a staging folder) and the output folder the user named (for messages). */
  dir: string;
  shownAs: string;
  family: CoreFamily;
  graph: ModelGraph;
  /** encode: a format per prunable layer (absent: every layer dense, or req.sparse given). */
  choices?: ReadonlyMap<number, LayerChoice>;
  /** lower, render */
  plan?: KernelPlan;
  gen?: GeneratedSources;
  /** compile */
  lib?: Library;
  firmware?: BuildResult;
  sourcesSha256?: string;
  /** bench */
  bench?: Awaited<ReturnType<typeof buildBenchFirmware>>;
  /** report */
  report?: BuildReport;
}

/** Formats are chosen when the request prunes, optimises or names formats. */
const choosesFormats = (req: GraphBuildOptions): boolean =>
  !req.sparse && (req.sparsity !== undefined || req.optimize !== undefined || req.format !== undefined || req.formats !== undefined);

const encodings = (c: BuildContext): ReadonlyMap<number, EncodedMatrix> | undefined => c.req.sparse ?? (c.choices ? sparseEncodings(c.choices) : undefined);

const WEIGHTED_OPS = new Set(['FULLY_CONNECTED', 'CONV_2D', 'DEPTHWISE_CONV_2D']);

/**
 * `--sparsity X [--granularity g]`: magnitude pruning of every weighted layer. Channels are
 * removed, not zeroed (the layer and its consumers shrink: fewer instructions, arena and
 * flash); every other granularity zeroes weights for the sparse formats to skip.
 */
function pruneToSparsity(g: ModelGraph, sparsity: number, granularity: GranularityLike | undefined): ModelGraph {
  if (granularity === undefined || toGranularity(granularity).kind !== 'channel') return pruneGraph(g, sparsity, granularity).graph;
  checkSparsity(sparsity);
  const ratios = new Map<number, number>();
  g.ops.forEach((op, i) => {
    if (WEIGHTED_OPS.has(op.opcode)) ratios.set(i, sparsity);
  });
  return removeWeakestChannels(g, ratios);
}

export const BUILD_STAGES: readonly Stage<BuildContext>[] = [
  {
    name: 'prune',
    rewritesGraph: true,
    skip: (c) => c.req.sparsity === undefined,
    run: (c) => void (c.graph = pruneToSparsity(c.graph, c.req.sparsity!, c.req.granularity)),
  },
  {
    name: 'encode',
    skip: (c) => !choosesFormats(c.req),
    run(c) {
      const { req, family } = c;
      c.choices = chooseFormats(c.graph, {
        family,
        costFamily: costFamily(family, req.target.board.core),
        objective: req.optimize ?? 'balanced',
        ...(req.format ? { force: req.format } : {}),
        ...(req.formats ? { perLayer: req.formats } : {}),
      });
    },
  },
  {
    name: 'lower',
    run(c) {
      const sparse = encodings(c);
      c.plan = lowerModel(c.graph, { prefix: assertValidIdentifier(c.req.prefix ?? 'tp_model', 'symbol prefix'), source: c.req.source, family: c.family, ...(sparse ? { sparse } : {}) });
    },
  },
  {
    name: 'render',
    run(c) {
      const { req } = c;
      const sparse = encodings(c);
      c.gen = renderPlan(c.plan!, { prefix: req.prefix, source: req.source, sourceSha256: req.sha256, toolVersion: req.toolVersion, ...(sparse ? { sparse } : {}) });
    },
  },
  { name: 'compile', run: compile },
  {
    name: 'bench',
    skip: (c) => c.req.bench === false,
    async run(c) {
      const { req, lib, graph } = c;
      c.bench = await buildBenchFirmware({
        target: req.target,
        sources: lib!.sources,
        includeDirs: lib!.includeDirs,
        outDir: c.dir,
        modelName: req.source.replace(/\.tflite$/, ''),
        sourcesSha256: c.sourcesSha256!,
        inputBytes: graph.inputs.reduce((s, t) => s + tensorBytes(graph.tensors[t]!), 0),
        stackBytes: req.target.stackBytes,
      });
    },
  },
  { name: 'report', run: report },
  {
    name: 'measure',
    skip: (c) => !c.req.measure,
    async run(c) {
      await measureInto(c.dir, c.graph, c.report!);
      writeBuildReport(c.dir, c.report!, c.graph);
    },
  },
];

async function compile(c: BuildContext): Promise<void> {
  const { req, dir, gen, graph } = c;
  const target = req.target;
  const lib = writeLibrary(dir, gen!, c.family);
  c.lib = lib;
  c.firmware = await buildFirmware({
    board: target,
    sources: [...lib.sources, path.join(packageRoot(), 'firmware/app/tp_run_main.c')],
    includeDirs: lib.includeDirs,
    outDir: dir,
    optimize: '-O2',
    stackBytes: target.stackBytes,
  }).catch((e: unknown) => {
    throw explainDoesNotFit(e, gen!, graph, target);
  });
  writeFileSync(path.join(dir, 'model.tflite'), writeTflite(graph));
  writeFileSync(path.join(dir, 'board.json'), JSON.stringify(target.board, null, 2) + '\n');
  c.sourcesSha256 = hashSources(path.join(dir, 'lib'));
}

function report(c: BuildContext): void {
  const { req, dir, graph, choices } = c;
  const bench = c.bench ?? { firmware: null, warnings: [] as Warning[] };
  // The target's own warnings (W_EMULATE_CLAMPED, W_BOOT2_UNTESTED) once, from the target;
  // the firmware's and bench's are only what their compiles add.
  const warnings = relabelWarnings([...(req.warnings ?? []), ...req.target.warnings, ...c.firmware!.warnings, ...bench.warnings], dir, c.shownAs);
  const r = makeReport({ toolVersion: req.toolVersion, target: req.target, graph, gen: c.gen!, fw: c.firmware!, source: req.source, sha256: req.sha256, warnings, choices });
  r.sourcesSha256 = c.sourcesSha256!;
  r.files.bench = bench.firmware ? { elf: 'bench.elf', bin: 'bench.bin', hex: 'bench.hex' } : null;
  if (choices) {
    r.sparse = { sparsity: req.sparsity ?? null, granularity: req.sparsity !== undefined ? (req.granularity ?? 'element') : null, optimize: req.format ? null : (req.optimize ?? 'balanced'), format: req.format ?? null, family: c.family };
  }
  writeBuildReport(dir, r, graph);
  c.report = r;
}

/**
 * Build into `dir` (an existing staging directory; `shownAs` is the output directory the
 * user named, for warnings): library, firmware, bench firmware, report.json, report.html and,
 * with `measure`, one inference in QEMU.
 */
export async function buildInto(dir: string, shownAs: string, req: GraphBuildOptions, o: RunOptions = {}): Promise<{ report: BuildReport; graph: ModelGraph }> {
  const family: CoreFamily = req.kernels === 'plain' ? 'plain' : coreFamily(req.target);
  const c = await runStages<BuildContext>(BUILD_STAGES, { req, dir, shownAs, family, graph: req.graph }, o);
  return { report: c.report!, graph: c.graph };
}
