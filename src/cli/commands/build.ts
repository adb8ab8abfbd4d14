import path, { resolve } from 'node:path';
import type { Command } from '../command.js';
import { boolOpt, stringOpt } from '../args.js';
import { buildModel } from '../../build/build.js';
import { TinypruneError } from '../../errors.js';
import { toolVersion } from '../version.js';
import { formatWarnings } from '../format.js';
import { OBJECTIVES, type Objective } from '../../sparse/plan.js';
import { GRANULARITIES, isGranularity } from '../../sparse/prune.js';
import { FORMAT_NAMES, isFormatName } from '../../sparse/types.js';
import { EXPORT_KINDS, exportBuild, parseExportKinds } from '../../export/index.js';
import { terminalSummary } from '../../report/summary.js';
import { runPipeline, type PipelineRequest } from '../../pipeline/pipeline.js';
import { DEFAULT_MAX_LOSS } from '../../pipeline/budget.js';
import type { Objective as SolverObjective } from '../../solve/index.js';

const SOLVER_OBJECTIVES: readonly SolverObjective[] = ['fit', 'latency', 'size'];
import type { BuildReport } from '../../build/build.js';
import { packageRoot } from '../../firmware/paths.js';
import { createProgress } from '../progress.js';

/** The embedded default: `tinyprune build` with no arguments. */
const DEFAULT_MODEL = 'examples/digits-dscnn/model.tflite';
const DEFAULT_BOARD = 'microbit';
const DEFAULT_DATA = 'generated-digits:3000';

export const buildCommand: Command = {
  spec: {
    name: 'build',
    summary: 'Compile a model into a C library and firmware for a board; writes <dir>/report.json, report.html, firmware.elf and model.tflite.',
    usage:
      'tinyprune build --board <board> <model.tflite> [-o <dir>] [--emulate] [--prefix <name>] [--kernels auto|plain] ' +
      '[--data <dataset>] [--max-loss <pt>] [--objective fit|latency|size] [--latency <n>] [--unverified] [--plan <plan.json>] ' +
      '[--sparsity <0..1>] [--granularity <unit>] [--optimize size|speed|balanced] [--format <name>] [--measure] [--emit c|arduino|cmake]... [--json]',
    options: {
      board: { type: 'string', value: '<board>', description: 'board profile name (tinyprune boards) or path to a board .json' },
      out: { type: 'string', short: 'o', value: '<dir>', description: 'output directory (default: build/<model>-<board>)' },
      emulate: { type: 'boolean', description: 'real board: build for its QEMU stand-in, linked with the real board\'s memory sizes' },
      prefix: { type: 'string', value: '<name>', description: 'C symbol prefix of the generated code (default tp_model)' },
      kernels: { type: 'string', value: 'auto|plain', description: "runtime kernels: the core's optimised ones (auto, default) or plain reference C" },
      sparsity: { type: 'string', value: '<0..1>', description: 'prune every FC/CONV/DEPTHWISE layer to this fraction of zero weights (one-shot magnitude pruning, no data) and choose sparse formats' },
      granularity: { type: 'string', value: '<unit>', description: `unit of that pruning: ${GRANULARITIES.join(', ')} (default element)` },
      optimize: { type: 'string', value: 'size|speed|balanced', description: 'per-layer format choice: fewest flash bytes, fewest predicted instructions, or both (default balanced)' },
      format: { type: 'string', value: '<name>', description: `use one weight format on every layer that can take it: ${FORMAT_NAMES.join(', ')}` },
      measure: { type: 'boolean', description: 'run the build once in QEMU and add measured per-layer instructions to report.json' },
      data: { type: 'string', value: '<dataset>', description: 'prune to fit with this data: sensitivity, solve, fine-tune, int8, loss measured against --max-loss (mnist:<dir>, generated-digits[:N], .csv, .npz, …); without it a model that must be pruned needs --unverified' },
      plan: { type: 'string', value: '<plan.json>', description: 'apply this PrunePlan (e.g. an edited <out>/pipeline/plan.json) instead of solving' },
      latency: { type: 'string', value: '<instructions>', description: 'also bound instructions (QEMU) per inference (a hard bound with any --objective)' },
      'max-loss': { type: 'string', value: '<pt>', description: `accuracy loss allowed, in points of the data's metric, measured after fine-tuning on the held-out split (default ${DEFAULT_MAX_LOSS})` },
      objective: { type: 'string', value: 'fit|latency|size', description: 'what the solver minimises: predicted loss (fit, default), predicted instructions (latency) or flash bytes (size), the last two within --max-loss' },
      unverified: { type: 'boolean', description: 'without --data: accept pruning by weight magnitude with no accuracy measure (the report says "accuracy not measured")' },
      epochs: { type: 'string', value: '<n>', description: 'fine-tuning epochs after pruning (default 3)' },
      seed: { type: 'string', value: '<n>', description: 'seed of the data split and training (default 1)' },
      backend: { type: 'string', value: '<b>', description: 'TF.js backend for sensitivity and fine-tuning: auto | node | wasm | cpu' },
      emit: { type: 'string', multiple: true, value: 'c|arduino|cmake', description: `also export the built library into <dir>/export/<kind>/: ${EXPORT_KINDS.join(', ')} (repeat or comma-separate)` },
      json: { type: 'boolean', description: 'print report.json instead of a summary' },
      help: { type: 'boolean', short: 'h', description: 'show this help' },
    },
    positionals: [0, 1],
  },
  async run(args, io) {
    // No arguments at all: the embedded default (the bundled example on the default board).
    const embedded = args.positionals.length === 0 && stringOpt(args, 'board') === undefined;
    const board = embedded ? DEFAULT_BOARD : stringOpt(args, 'board');
    if (args.positionals.length === 0 && !embedded) {
      throw new TinypruneError('E_USAGE', 'which model? give a .tflite file', { where: 'tinyprune build', allowed: this.spec.usage, hint: 'or run `tinyprune build` with no arguments for the bundled example' });
    }
    if (!board) {
      throw new TinypruneError('E_USAGE', '--board is required', {
        where: 'tinyprune build',
        allowed: this.spec.usage,
        hint: 'pick one with `tinyprune boards`, e.g. --board mps2-an386 (QEMU Cortex-M4F)',
      });
    }
    const kernels = stringOpt(args, 'kernels') ?? 'auto';
    if (kernels !== 'auto' && kernels !== 'plain') {
      throw new TinypruneError('E_USAGE', `--kernels ${kernels} is not a kernel set`, { allowed: 'auto, plain', where: 'tinyprune build --kernels' });
    }
    const sparsityText = stringOpt(args, 'sparsity');
    const sparsity = sparsityText === undefined ? undefined : Number(sparsityText);
    if (sparsity !== undefined && !(sparsityText!.trim() !== '' && sparsity >= 0 && sparsity <= 1)) {
      throw new TinypruneError('E_USAGE', `--sparsity ${sparsityText} is not a fraction between 0 and 1`, { allowed: '0..1, e.g. --sparsity 0.8', where: 'tinyprune build --sparsity' });
    }
    const granularity = stringOpt(args, 'granularity');
    if (granularity !== undefined && !isGranularity(granularity)) {
      throw new TinypruneError('E_USAGE', `--granularity ${granularity} is not a pruning unit`, { allowed: GRANULARITIES.join(', '), where: 'tinyprune build --granularity' });
    }
    if (granularity !== undefined && sparsity === undefined) {
      throw new TinypruneError('E_USAGE', '--granularity needs --sparsity', { where: 'tinyprune build --granularity', hint: 'e.g. --sparsity 0.8 --granularity block4x1' });
    }
    const optimize = stringOpt(args, 'optimize');
    if (optimize !== undefined && !(OBJECTIVES as readonly string[]).includes(optimize)) {
      throw new TinypruneError('E_USAGE', `--optimize ${optimize} is not an objective`, { allowed: OBJECTIVES.join(', '), where: 'tinyprune build --optimize' });
    }
    const format = stringOpt(args, 'format');
    if (format !== undefined && !isFormatName(format)) {
      throw new TinypruneError('E_USAGE', `--format ${format} is not a weight format`, { allowed: FORMAT_NAMES.join(', '), where: 'tinyprune build --format' });
    }
    const emit = parseExportKinds((args.values['emit'] as string[] | undefined) ?? []);
    const modelPath = embedded ? path.join(packageRoot(), DEFAULT_MODEL) : resolve(io.cwd, args.positionals[0]!);
    const model = embedded ? 'digits-dscnn' : modelPath.split('/').pop()!.replace(/\.tflite$/, '');
    const boardName = board.split('/').pop()!.replace(/\.json$/, '');
    const outDir = resolve(io.cwd, stringOpt(args, 'out') ?? `build/${model}-${boardName}`);
    const data = stringOpt(args, 'data') ?? (embedded ? DEFAULT_DATA : undefined);
    const manual = sparsity !== undefined || format !== undefined || optimize !== undefined;
    const planPath = stringOpt(args, 'plan');
    const latencyText = stringOpt(args, 'latency');
    const latency = latencyText === undefined ? undefined : Number(latencyText);
    if (latency !== undefined && !(Number.isInteger(latency) && latency > 0)) {
      throw new TinypruneError('E_USAGE', `--latency ${latencyText} is not a positive whole number of instructions`, { where: 'tinyprune build --latency', hint: 'e.g. --latency 2000000' });
    }
    const maxLossText = stringOpt(args, 'max-loss');
    const maxLoss = maxLossText === undefined ? undefined : Number(maxLossText);
    if (maxLoss !== undefined && !(maxLossText!.trim() !== '' && Number.isFinite(maxLoss) && maxLoss >= 0 && maxLoss <= 100)) {
      throw new TinypruneError('E_USAGE', `--max-loss ${maxLossText} is not a loss in points`, { where: 'tinyprune build --max-loss', allowed: '0..100 points of the data\'s metric, e.g. --max-loss 0.5' });
    }
    const objective = stringOpt(args, 'objective');
    if (objective !== undefined && !(SOLVER_OBJECTIVES as readonly string[]).includes(objective)) {
      throw new TinypruneError('E_USAGE', `--objective ${objective} is not an objective`, { where: 'tinyprune build --objective', allowed: SOLVER_OBJECTIVES.join(', ') });
    }
    const unverified = boolOpt(args, 'unverified');
    const budgeted = maxLoss !== undefined || objective !== undefined;
    if (manual && (data !== undefined || planPath !== undefined || latency !== undefined || budgeted)) {
      throw new TinypruneError('E_USAGE', '--sparsity/--format/--optimize set one uniform pruning by hand; --data/--plan/--latency ask the solver to choose per layer', { where: 'tinyprune build', hint: 'use one or the other' });
    }
    const progress = io.progress ?? createProgress({ mode: 'lines', write: io.err, prefix: 'build' });
    const request = {
      modelPath,
      board,
      emulate: boolOpt(args, 'emulate'),
      outDir,
      prefix: stringOpt(args, 'prefix'),
      kernels,
      toolVersion: toolVersion(),
    } as const;
    const pipelineRequest = (): PipelineRequest => ({
      ...request,
      cwd: io.cwd,
      log: (line: string) => progress.log(line),
      progress,
      ...(data !== undefined ? { data } : {}),
      ...(planPath !== undefined ? { planPath } : {}),
      ...(latency !== undefined ? { latency } : {}),
      ...(maxLoss !== undefined ? { maxLoss } : {}),
      ...(objective !== undefined ? { objective: objective as SolverObjective } : {}),
      ...(unverified ? { unverified } : {}),
      ...(stringOpt(args, 'epochs') !== undefined ? { epochs: Number(stringOpt(args, 'epochs')) } : {}),
      ...(stringOpt(args, 'seed') !== undefined ? { seed: Number(stringOpt(args, 'seed')) } : {}),
      ...(stringOpt(args, 'backend') !== undefined ? { backend: stringOpt(args, 'backend') as 'auto' } : {}),
    });
    let report: BuildReport;
    // Keras .h5 and TF.js model.json are float models: only the pipeline (with --data) imports them.
    const imported = /\.(h5|hdf5|keras|json)$/i.test(modelPath);
    if (!manual && (data !== undefined || planPath !== undefined || latency !== undefined || budgeted || imported)) {
      report = await runPipeline(pipelineRequest());
    } else {
      try {
        report = await buildModel({
          ...request,
          ...(sparsity !== undefined ? { sparsity } : {}),
          ...(granularity !== undefined ? { granularity } : {}),
          ...(optimize !== undefined ? { optimize: optimize as Objective } : {}),
          ...(format !== undefined ? { format } : {}),
          measure: boolOpt(args, 'measure'),
        });
      } catch (e) {
        // It does not fit as it is: prune it to fit (by magnitude; --data does better).
        if (manual || !(e instanceof TinypruneError) || e.code !== 'E_DOES_NOT_FIT') throw e;
        progress.log(`${e.message.split('\n')[0]}`);
        progress.log(unverified ? 'pruning to fit the board (--unverified: by weight magnitude, without fine-tuning or an accuracy measure)' : 'pruning to fit the board needs --data to measure what it costs (or --unverified)');
        report = await runPipeline(pipelineRequest());
      }
    }
    const exported = exportBuild(outDir, emit);
    io.err(formatWarnings(report.warnings));
    if (boolOpt(args, 'json')) {
      io.out(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
    io.out(
      [
        `built ${report.model.source} for ${report.board}${report.target.mode === 'emulate' ? ` (emulated on ${report.target.machine})` : ''} → ${outDir}`,
        ...terminalSummary(report).map((l) => `  ${l}`),
        `  flash: weights ${kb(report.flash.weights)}, model data ${kb(report.flash.model)}, code ${kb(report.flash.code)}; RAM: arena ${kb(report.ram.arena)}, stack ${kb(report.ram.stack)}, other ${kb(report.ram.static)}`,
        `  ${report.layers.length} operators, kernels: ${report.kernels.join(', ')}`,
        ...sparseSummary(report),
        `  files: firmware.elf, firmware.bin, firmware.hex, model.tflite, lib/ (C library), report.json, report.html`,
        ...exported.map((d) => `  export: ${d}`),
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** Per prunable layer: format, sparsity, bytes and instructions against dense. */
function sparseSummary(report: Awaited<ReturnType<typeof buildModel>>): string[] {
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
