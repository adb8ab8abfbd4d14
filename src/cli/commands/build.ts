/**
 * `tinyprune build`: the arguments checked and turned into a request, then a thin call — the
 * build stage list (src/build/build.ts) for a model as it is or pruned by hand, the pipeline
 * (src/pipeline/pipeline.ts) when the solver is to choose (--data, --plan, --latency, a loss
 * budget, or a model that does not fit as it is).
 */
import path, { resolve } from 'node:path';
import type { Command } from '../command.js';
import type { ParsedArgs } from '../args.js';
import type { Progress } from '../../util/progress.js';
import type { GranularityName as Granularity } from '../../sparse/granularity.js';
import type { Objective as FormatObjective } from '../../sparse/plan.js';
import { given } from '../args.js';
import { buildModel } from '../../build/build.js';
import { TinypruneError } from '../../errors.js';
import { toolVersion } from '../version.js';
import { formatWarnings } from '../format.js';
import { canonicalGranularity } from '../../sparse/granularity.js';
import { terminalSummary } from '../../report/summary.js';
import { versionedReport } from '../../report/report-file.js';
import { runPipeline, type PipelineRequest } from '../../pipeline/pipeline.js';
import type { BuildReport } from '../../contracts/report.js';
import type { Objective as SolverObjective } from '../../solve/index.js';
import { packageRoot } from '../../firmware/paths.js';
import { createProgress } from '../progress.js';

/** The embedded default: `tinyprune build` with no arguments. */
const DEFAULT_MODEL = 'examples/digits-dscnn/model.tflite';
const DEFAULT_BOARD = 'microbit';
const DEFAULT_DATA = 'generated-digits:3000';

export const buildCommand: Command<'build'> = {
  spec: {
    name: 'build',
    summary: 'Compile a model into a C library and firmware for a board; writes <dir>/report.json, report.html, firmware.elf and model.tflite.',
    usage:
      'tinyprune build --board <board> <model.tflite> [-o <dir>] [--emulate] [--prefix <name>] [--kernels auto|plain] ' +
      '[--data <dataset>] [--max-loss <pt>] [--objective fit|latency|size] [--latency <n>] [--unverified] [--plan <plan.json>] ' +
      '[--sparsity <0..1>] [--granularity <unit>] [--optimize size|speed|balanced] [--format <name>] [--measure] [--emit c|arduino|cmake]... [--json]',
    positionals: [0, 1],
  },
  async run(args, io) {
    const b = buildArgs(args, io.cwd, this.spec.usage);
    const progress = io.progress ?? createProgress({ mode: 'lines', write: io.err, prefix: 'build' });
    const report = b.solve ? await runPipeline(pipelineRequest(b, args, io.cwd, progress)) : await buildOrFit(b, args, io.cwd, progress);
    io.err(formatWarnings(report.warnings));
    if (args.options.json) {
      io.out(JSON.stringify(versionedReport(report), null, 2) + '\n');
      return 0;
    }
    io.out(buildSummary(report, b.outDir, args.options.emit));
    return 0;
  },
};

type BuildArgs = ParsedArgs<'build'>;

/** The build the arguments ask for, checked: a plain build (`solve` false) or the pipeline. */
interface BuildPlan {
  modelPath: string;
  board: string;
  outDir: string;
  data: string | undefined;
  granularity: Granularity | undefined;
  optimize: FormatObjective | undefined;
  /** --sparsity/--format/--optimize: one uniform pruning by hand. */
  manual: boolean;
  /** The solver chooses per layer: --data, --plan, --latency, a loss budget, or an imported float model. */
  solve: boolean;
}

function buildArgs(args: BuildArgs, cwd: string, usage: string): BuildPlan {
  const o = args.options;
  // No arguments at all: the embedded default (the bundled example on the default board).
  const embedded = args.positionals.length === 0 && o.board === undefined;
  const board = embedded ? DEFAULT_BOARD : o.board;
  if (args.positionals.length === 0 && !embedded) {
    throw new TinypruneError('E_USAGE', 'which model? give a .tflite file', { where: 'tinyprune build', allowed: usage, hint: 'or run `tinyprune build` with no arguments for the bundled example' });
  }
  if (!board) {
    throw new TinypruneError('E_USAGE', '--board is required', {
      where: 'tinyprune build',
      allowed: usage,
      hint: 'pick one with `tinyprune boards`, e.g. --board mps2-an386 (QEMU Cortex-M4F)',
    });
  }
  const granularity = given(args, 'granularity') ? canonicalGranularity(o.granularity, 'tinyprune build --granularity') : undefined;
  if (granularity !== undefined && o.sparsity === undefined) {
    throw new TinypruneError('E_USAGE', '--granularity needs --sparsity', { where: 'tinyprune build --granularity', hint: 'e.g. --sparsity 0.8 --granularity block4x1' });
  }
  const optimize = given(args, 'optimize') ? o.optimize : undefined;
  const modelPath = embedded ? path.join(packageRoot(), DEFAULT_MODEL) : resolve(cwd, args.positionals[0]!);
  const model = embedded ? 'digits-dscnn' : modelPath.split('/').pop()!.replace(/\.tflite$/, '');
  const boardName = board.split('/').pop()!.replace(/\.json$/, '');
  const outDir = resolve(cwd, o.out ?? `build/${model}-${boardName}`);
  const data = o.data ?? (embedded ? DEFAULT_DATA : undefined);
  const manual = o.sparsity !== undefined || o.format !== undefined || optimize !== undefined;
  const solver = data !== undefined || o.plan !== undefined || o.latency !== undefined || o['max-loss'] !== undefined || o.objective !== undefined;
  if (manual && solver) {
    throw new TinypruneError('E_USAGE', '--sparsity/--format/--optimize set one uniform pruning by hand; --data/--plan/--latency ask the solver to choose per layer', { where: 'tinyprune build', hint: 'use one or the other' });
  }
  // Keras .h5 and TF.js model.json are float models: only the pipeline (with --data) imports them.
  const imported = /\.(h5|hdf5|keras|json)$/i.test(modelPath);
  return { modelPath, board, outDir, data, granularity, optimize, manual, solve: !manual && (solver || imported) };
}

function pipelineRequest(b: BuildPlan, args: BuildArgs, cwd: string, progress: Progress): PipelineRequest {
  const o = args.options;
  return {
    modelPath: b.modelPath,
    board: b.board,
    emulate: o.emulate,
    outDir: b.outDir,
    kernels: o.kernels,
    toolVersion: toolVersion(),
    emit: o.emit,
    cwd,
    log: (line: string) => progress.log(line),
    progress,
    ...(b.data !== undefined ? { data: b.data } : {}),
    ...(o.plan !== undefined ? { planPath: o.plan } : {}),
    ...(o.latency !== undefined ? { latency: o.latency } : {}),
    epochs: o.epochs,
    seed: o.seed,
    backend: o.backend,
    ...(o['max-loss'] !== undefined ? { maxLoss: o['max-loss'] } : {}),
    ...(o.objective !== undefined ? { objective: o.objective as SolverObjective } : {}),
    ...(o.unverified ? { unverified: o.unverified } : {}),
  };
}

/** The model as it is; if it does not fit (and nothing was asked by hand), pruned to fit by the pipeline. */
async function buildOrFit(b: BuildPlan, args: BuildArgs, cwd: string, progress: Progress): Promise<BuildReport> {
  const o = args.options;
  try {
    return await buildModel({
      modelPath: b.modelPath,
      board: b.board,
      emulate: o.emulate,
      outDir: b.outDir,
      prefix: o.prefix,
      kernels: o.kernels,
      toolVersion: toolVersion(),
      emit: o.emit,
      progress,
      ...(o.sparsity !== undefined ? { sparsity: o.sparsity } : {}),
      ...(b.granularity !== undefined ? { granularity: b.granularity } : {}),
      ...(b.optimize !== undefined ? { optimize: b.optimize } : {}),
      ...(o.format !== undefined ? { format: o.format } : {}),
      measure: o.measure,
    });
  } catch (e) {
    // It does not fit as it is: prune it to fit (by magnitude; --data does better).
    if (b.manual || !(e instanceof TinypruneError) || e.code !== 'E_DOES_NOT_FIT') throw e;
    progress.log(`${e.message.split('\n')[0]}`);
    progress.log(o.unverified ? 'pruning to fit the board (--unverified: by weight magnitude, without fine-tuning or an accuracy measure)' : 'pruning to fit the board needs --data to measure what it costs (or --unverified)');
    return runPipeline(pipelineRequest(b, args, cwd, progress)).catch((e2: unknown) => {
      throw e2 instanceof TinypruneError && e2.data['floatWithoutData'] ? floatDoesNotFit(e2, e) : e2;
    });
  }
}

function buildSummary(report: BuildReport, outDir: string, emit: readonly string[]): string {
  const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `built ${report.model.source} for ${report.board}${report.target.mode === 'emulate' ? ` (emulated on ${report.target.machine})` : ''} → ${outDir}`,
    ...terminalSummary(report).map((l) => `  ${l}`),
    `  flash: weights ${kb(report.flash.weights)}, model data ${kb(report.flash.model)}, code ${kb(report.flash.code)}; RAM: arena ${kb(report.ram.arena)}, stack ${kb(report.ram.stack)}, other ${kb(report.ram.static)}`,
    `  ${report.layers.length} operators, kernels: ${report.kernels.join(', ')}`,
    ...sparseSummary(report),
    `  files: firmware.elf, firmware.bin, firmware.hex, model.tflite, lib/ (C library), report.json, report.html`,
    ...emit.map((kind) => `  export: ${path.join(outDir, 'export', kind)}`),
    '',
  ].join('\n');
}

/**
 * A float model that did not fit as float and cannot be pruned to fit without data (pruning
 * goes through int8): the float build is no fix, so the error says it did not fit and offers
 * --data or a larger board only.
 */
function floatDoesNotFit(noData: TinypruneError, dense: TinypruneError): TinypruneError {
  return new TinypruneError('E_DOES_NOT_FIT', `${noData.message}; as float it does not fit: ${dense.message.split('\n')[0]!.split('. ')[0]}`, {
    ...(noData.where !== undefined ? { where: noData.where } : {}),
    hint: 'give --data <dataset> to quantize it to int8 (4x smaller) and prune it to fit, or pick a board with more memory (`tinyprune boards`)',
    data: dense.data,
  });
}

/** Per prunable layer: format, sparsity, bytes and instructions against dense. */
function sparseSummary(report: BuildReport): string[] {
  if (!report.sparse) return [];
  const rows = report.layers.filter((l) => l.dense);
  const num = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : n.toLocaleString('en-US'));
  const lines = rows.map(
    (l) =>
      `    #${String(l.index).padEnd(3)} ${l.op.padEnd(17)} ${String(l.format).padEnd(9)} sparsity ${((l.sparsity ?? 0) * 100).toFixed(0).padStart(3)}%  ` +
      `bytes ${num(l.weightBytes)} (dense ${num(l.dense!.weightBytes)})  instructions ${num(l.predictedInstructions)} predicted` +
      (l.measuredInstructions !== undefined ? `, ${num(l.measuredInstructions)} measured` : '') +
      ` (dense ${num(l.dense!.predictedInstructions)})`,
  );
  const s = report.sparse;
  const head = `  formats (${s.format ? `--format ${s.format}` : `--optimize ${s.optimize}`}${s.sparsity !== null ? `, pruned to ${s.sparsity} by ${s.granularity}` : ''}):`;
  return [head, ...lines, ...(report.measured ? [`  measured: ${num(report.measured.instructions)} instructions per inference (QEMU)`] : [])];
}
