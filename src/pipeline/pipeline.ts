/**
 * `tinyprune build --board <board> <model> [--data <dataset>]`: the whole job, as one ordered
 * list of stages. Each stage reads the artefacts of the ones before and writes its own JSON
 * (or .tflite) under <out>/pipeline/, keyed by a hash of everything it depends on, so a second
 * run resumes from the earlier build's artefacts at the first stage whose inputs changed (the
 * run works in a staging copy: an interrupted one leaves the earlier build as it was).
 *
 *   load        the model (int8 .tflite; a float one is quantized with the data)
 *   data        the data set, split train/validation (seeded); none → pruning needs --unverified
 *   footprint   the dense build linked without limits: firmware code, model data, static
 *               RAM and stack — what the board's memory must hold besides weights and arena
 *   sensitivity per layer and granularity, accuracy over a sparsity grid (forward only)
 *   candidates  per layer, exact encoded bytes and predicted instructions of each choice
 *   solve       the per-layer choice that fits flash/RAM(/latency) with the objective's least
 *               predicted loss, instructions or flash within --max-loss
 *   prune       prune to the plan, fine-tune with fixed masks, re-quantize to int8; measured
 *               over --max-loss: calibrate the predictions and solve again (budget.ts)
 *   build       generate, compile, link against the board's real memory (tightened and
 *               re-solved if the real build overshoots the prediction)
 *   verify      emulated boards: run samples in QEMU, outputs = the reference interpreter's
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadBoard, listBoards, resolveTarget, type Target } from '../boards/index.js';
import { buildInto, coreFamily, writeBuildReport, type BuildReport } from '../build/build.js';
import type { PipelineReport } from '../contracts/report.js';
import { TinypruneError, type Warning } from '../errors.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { interpret } from '../interp/index.js';
import { readTflite, writeTflite } from '../tflite/index.js';
import { readInputFile } from '../util/files.js';
import type { Progress } from '../util/progress.js';
import type { PrunePlan } from '../contracts/plan.js';
import { choicesFromPlan, evaluate as evaluateChoices, type Feasible, type Objective, type SolveProblem } from '../solve/index.js';
import type { FormatName } from '../sparse/types.js';
import { runBuild } from '../run/run.js';
import { COST_TABLE } from '../sparse/cost-table.js';
import { costFamily } from '../sparse/cost.js';
import { exportBuild, type ExportKind } from '../export/index.js';
import { clearStaging, withOutput } from '../util/outdir.js';
import { DEFAULT_GRID, layerCandidates, type LayerCandidates } from './candidates.js';
import { ramPoints } from './ram.js';
import { floatModelHint } from './float-hint.js';
import { checkUnmeasured, DATA_FORMS, DEFAULT_MAX_LOSS, solveWithinBudget, type Attempt } from './budget.js';
import { dataLoss, noDataLoss, pruneWithData, pruneWithoutData, seededInputs, sensitivityRows, loadData, type SplitData, type SensitivityPoint } from './stages.js';
import { versionedReport } from '../report/report-file.js';
import { annotateChannels, runInfo } from '../report/annotate.js';
import { readPlanFile, versionedPlan } from '../prune/plan-file.js';

export interface PipelineRequest {
  modelPath: string;
  board: string;
  emulate: boolean;
  outDir: string;
  toolVersion: string;
  /** Data-set spec (src/data/load.ts); absent: one-shot magnitude pruning, only with `unverified`. */
  data?: string;
  /** A PrunePlan file to apply instead of solving. */
  planPath?: string;
  /** Latency bound, instructions (QEMU) per inference. */
  latency?: number;
  /** What the solver minimises within the board and the loss budget (default 'fit'). */
  objective?: Objective;
  /** Accuracy loss allowed, in points of the data's metric, measured after fine-tuning (default 1). */
  maxLoss?: number;
  /** Without data: accept pruning by weight magnitude with no accuracy measure. */
  unverified?: boolean;
  seed?: number;
  /** Fine-tuning epochs after pruning (default 3). */
  epochs?: number;
  /** Learning rate the model was trained with (fine-tuning uses 1/10). */
  learningRate?: number;
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  kernels?: 'auto' | 'plain';
  /** Validation samples run in QEMU and compared with the interpreter (default 8). */
  verifySamples?: number;
  /** Exports written into <dir>/export/<kind>/ before the build is published (--emit). */
  emit?: readonly ExportKind[];
  cwd: string;
  progress?: Progress;
  log: (line: string) => void;
}

export type { PipelineReport } from '../contracts/report.js';

const FLASH_SLACK = 0; // bytes: the build must fit exactly; the loop below corrects overshoot.

/** A stage's artefact: reused when its key matches. */
function cached<T>(dir: string, name: string, key: string, compute: () => Promise<T> | T, stages: PipelineReport['pipeline']['stages']): Promise<T> {
  const file = path.join(dir, `${name}.json`);
  const t0 = performance.now();
  if (existsSync(file)) {
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { key: string; value: T };
      if (j.key === key) {
        stages.push({ name, reused: true, seconds: 0 });
        return Promise.resolve(j.value);
      }
    } catch {
      // unreadable artefact: recompute
    }
  }
  return Promise.resolve(compute()).then((value) => {
    writeJsonAtomic(file, { key, value });
    stages.push({ name, reused: false, seconds: Math.round((performance.now() - t0) / 100) / 10 });
    return value;
  });
}

function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

const hash = (...parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/** The same target with memory large enough for anything: to measure what the firmware needs. */
function unlimited(target: Target): Target {
  const big = 64 * 1024 * 1024;
  return { ...target, flash: { ...target.flash, size: big }, ram: { ...target.ram, size: big } };
}

/**
 * The whole pipeline in a staging directory beside the output (src/util/outdir.ts): the
 * earlier build's artefacts are copied in to resume from, and the build — verified, measured,
 * its report complete — replaces the output only at the very end. A failed or interrupted run
 * leaves the earlier build (and its artefacts) as they were.
 */
export async function runPipeline(req: PipelineRequest): Promise<PipelineReport> {
  const outDir = path.resolve(req.cwd, req.outDir);
  return withOutput(outDir, { inputs: [path.resolve(req.cwd, req.modelPath)], toolVersion: req.toolVersion, cwd: req.cwd }, async (staging) => {
    const earlier = path.join(outDir, 'pipeline');
    if (existsSync(earlier)) cpSync(earlier, path.join(staging, 'pipeline'), { recursive: true });
    const report = await pipeline(req, staging, outDir);
    if (req.emit && req.emit.length > 0) exportBuild(staging, req.emit);
    return report;
  });
}

async function pipeline(req: PipelineRequest, staging: string, outDir: string): Promise<PipelineReport> {
  const stages: PipelineReport['pipeline']['stages'] = [];
  const log = req.log;
  const work = path.join(staging, 'pipeline');
  const seed = req.seed ?? 1;
  // --plan is read and checked before anything runs.
  const userPlan = req.planPath ? readPlan(path.resolve(req.cwd, req.planPath)) : undefined;
  mkdirSync(work, { recursive: true });

  // load
  const target = resolveTarget(req.board, { emulate: req.emulate });
  const family = req.kernels === 'plain' ? 'plain' : coreFamily(target);
  // The plain kernels on a Cortex-M0/M0+ are Thumb-1: their own cost rows ('m0').
  const costFam = costFamily(family, target.board.core);
  const modelBytes = readInputFile(req.modelPath, 'model file');
  const read = await readModel(req.modelPath, modelBytes);
  verifyGraph(read.graph);
  const source = path.basename(req.modelPath);
  const modelSha = createHash('sha256').update(modelBytes).digest('hex');
  const warnings: Warning[] = [...read.warnings];
  const isInt8 = read.graph.tensors.some((t) => t.dtype === 'int8' && t.data !== undefined);

  // data
  const data: SplitData | undefined = req.data ? loadData(req.data, req.cwd, seed) : undefined;
  if (!isInt8 && !data) {
    throw new TinypruneError('E_USAGE', `${source} is a float model; quantizing it to int8 needs calibration data`, {
      where: req.modelPath,
      hint: floatModelHint(read.graph, target.board.name, { flash: target.flash.size, ram: target.ram.size }, /\.tflite$/i.test(req.modelPath)),
      data: { floatWithoutData: true },
    });
  }
  if (data) checkDataFits(data, read.graph, req.data!);
  if (data) log(`data: ${data.name}: ${data.train.y.length} train / ${data.validation.y.length} validation`);
  else checkBudgetNeedsData(req, target.board.name);

  const baseKey = hash(req.toolVersion, modelSha, req.data ?? null, seed);
  const baseline = await cached(work, 'baseline', baseKey, async () => {
    const { baselineInt8 } = await import('./stages.js');
    const g = await baselineInt8(read.graph, data, req.backend ?? 'auto', log);
    writeFileSync(path.join(work, 'baseline.tflite'), writeTflite(g.graph));
    return { accuracy: g.accuracy, backend: g.backend };
  }, stages);
  const g0 = readTflite(readInputFile(path.join(work, 'baseline.tflite'), 'baseline model'), 'baseline.tflite').graph;
  if (data) log(`baseline int8 accuracy ${((baseline.accuracy ?? 0) * 100).toFixed(2)}%`);

  // footprint: the dense model linked without limits.
  // The fixed part of the instructions counts for --latency and is reported with --objective latency.
  const countInstructions = req.latency !== undefined || req.objective === 'latency';
  const footKey = hash(baseKey, target.board.name, req.emulate, family, req.toolVersion, countInstructions);
  const footprint = await cached(work, 'footprint', footKey, async () => {
    log('measuring the firmware footprint (dense build, no memory limits)');
    const dir = path.join(work, 'footprint-build');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const { report: r } = await buildInto(dir, outDir, { graph: g0, source, sha256: modelSha, target: unlimited(target), outDir: dir, toolVersion: req.toolVersion, bench: false, ...(req.kernels ? { kernels: req.kernels } : {}), measure: countInstructions && target.mode !== 'device' });
    rmSync(dir, { recursive: true, force: true });
    return {
      flashTotal: r.flash.total,
      code: r.flash.code,
      modelData: r.flash.model,
      weights: r.flash.weights,
      ramStatic: r.ram.static,
      stack: r.ram.stack,
      /** Everything in RAM but the arena: static data, stack, heap. */
      ramFixed: r.ram.total - r.ram.arena,
      arena: r.arena.bytes,
      layers: r.layers.map((l) => ({ index: l.index, weightBytes: l.weightBytes, measured: l.measuredInstructions ?? null })),
      instructions: r.measured?.instructions ?? null,
    };
  }, stages);
  // The limits the linker enforces (the build's own "fits"): the board's regions, capped to the
  // emulator's when emulating.
  const flashLimit = target.flash.size;
  const ramLimit = target.ram.size;

  // sensitivity (with data) — the loss side of each choice.
  const grid = DEFAULT_GRID;
  const sens: SensitivityPoint[] = data
    ? await cached(work, 'sensitivity', hash(baseKey, grid), () => sensitivityRows(g0, data, grid, req.progress, log), stages)
    : [];

  // candidates: exact bytes and predicted instructions of every choice.
  const candidates: LayerCandidates[] = await cached(work, 'candidates', hash(baseKey, family, costFam, grid, COST_TABLE), () => {
    log('encoding every layer at every (granularity, sparsity) in every format');
    return layerCandidates(g0, family, grid, { costFamily: costFam });
  }, stages);

  // solve (or read the user's plan), prune, build; if the real build overshoots the
  // prediction (arena alignment, bias folding, re-quantized weights), tighten and re-solve.
  const problem = makeProblem(g0, candidates, sens, footprint, flashLimit, ramLimit, req.latency, baseline.accuracy ?? null, data !== undefined);
  const planSource: 'solver' | 'file' = req.planPath ? 'file' : 'solver';
  const lossUnit = data ? 'pt (predicted accuracy loss)' : '(weight energy removed, summed over layers)';
  let result: Feasible | undefined;
  let prunePlan: PrunePlan = {};
  let pruned: { accuracy: number | null } = { accuracy: null };
  let g1: ModelGraph = g0;
  let report: PipelineReport | undefined;
  let budgetAttempts: Attempt[] = [];
  const tighten = { flash: 0, ram: 0 };
  for (let attempt = 0; attempt < 3 && report === undefined; attempt++) {
    const budget = { ...problem.budget, flash: problem.budget.flash - tighten.flash, ram: problem.budget.ram - tighten.ram };
    if (budget.flash <= 0 || budget.ram <= 0) {
      throw new TinypruneError('E_DOES_NOT_FIT', `${target.board.name} has no room left for the model's weights and activations after the firmware (${footprint.code} B code, ${footprint.ramFixed} B RAM for stack, heap and static data)`, {
        where: `board ${target.board.name}`,
        hint: 'pick a larger board (`tinyprune boards`)',
      });
    }
    // Solve (or take the user's plan), prune, fine-tune and measure until the measured loss
    // is within --max-loss (src/pipeline/budget.ts); without data, pruning needs --unverified.
    const measure = async (plan: PrunePlan): Promise<number | null> => {
      checkUnmeasured(plan, { data: data !== undefined, unverified: req.unverified === true, board: target.board.name, model: source });
      prunePlan = plan;
      writeJsonAtomic(path.join(work, 'plan.json'), versionedPlan(prunePlan));
      const t = evaluateChoices(problem, choicesFromPlan(problem, plan)).totals;
      log(`plan${attempt > 0 ? ` (attempt ${attempt + 1}, budget tightened by ${tighten.flash} B flash, ${tighten.ram} B RAM)` : ''}: predicted flash ${t.flash} B, RAM ${t.ram} B, ${t.instructions} instructions, loss ${data ? (t.loss * 100).toFixed(2) : t.loss.toFixed(3)} ${lossUnit}`);
      const pruneKey = hash(baseKey, prunePlan, req.epochs ?? 3, req.learningRate ?? 1e-3);
      pruned = await cached(work, 'prune', pruneKey, async () => {
        // Nothing to prune (the model fits as it is): the baseline is the result.
        const dense = Object.values(prunePlan.layers ?? {}).every((l) => !l.sparsity);
        const out = dense
          ? { graph: g0, accuracy: baseline.accuracy ?? null }
          : data
          ? await pruneWithData(g0, prunePlan, data, { epochs: req.epochs ?? 3, learningRate: req.learningRate ?? 1e-3, seed, backend: req.backend ?? 'auto', log, ...(req.progress ? { progress: req.progress } : {}) })
          : pruneWithoutData(g0, prunePlan);
        writeFileSync(path.join(work, 'pruned.tflite'), writeTflite(out.graph));
        return { accuracy: out.accuracy };
      }, stages);
      return pruned.accuracy;
    };
    const within = await solveWithinBudget({
      problem,
      budget,
      objective: req.objective ?? 'fit',
      maxLoss: data ? (req.maxLoss ?? DEFAULT_MAX_LOSS) / 100 : undefined,
      baseline: baseline.accuracy ?? null,
      board: target.board.name,
      measure,
      log,
      ...(userPlan ? { fixed: choicesFromPlan(problem, userPlan) } : {}),
    });
    result = within.result;
    budgetAttempts = within.attempts;
    g1 = readTflite(readInputFile(path.join(work, 'pruned.tflite'), 'pruned model'), 'pruned.tflite').graph;

    const formats = new Map<number, FormatName>();
    g1.ops.forEach((op, i) => {
      const w = op.inputs[1];
      const name = w !== undefined && w >= 0 ? g1.tensors[w]?.name : undefined;
      const f = name ? prunePlan.layers?.[name]?.format : undefined;
      if (f && f !== 'channel') formats.set(i, f as FormatName);
    });
    try {
      clearStaging(staging, ['pipeline']); // an earlier attempt's files
      report = (await buildInto(staging, outDir, {
        graph: g1,
        source,
        sha256: modelSha,
        target,
        outDir,
        toolVersion: req.toolVersion,
        optimize: 'balanced',
        formats,
        measure: target.mode !== 'device',
        ...(req.kernels ? { kernels: req.kernels } : {}),
      })).report as PipelineReport;
    } catch (e) {
      const over = e instanceof TinypruneError && e.code === 'E_DOES_NOT_FIT' ? overflow(e) : undefined;
      if (!over || userPlan || attempt === 2) throw e;
      tighten.flash += over.flash > 0 ? over.flash + 256 : 0;
      tighten.ram += over.ram > 0 ? over.ram + 64 : 0;
      log(`the build overshot the prediction by ${over.flash} B flash, ${over.ram} B RAM: re-solving with a tighter budget`);
    }
  }
  if (!report || !result) throw new TinypruneError('E_SOLVE', 'the pipeline ended without a build');

  // verify: QEMU outputs = the interpreter's on validation samples (or seeded inputs).
  if (target.mode !== 'device') {
    report.verify = await verifyInQemu(staging, g1, data, req.verifySamples ?? 8);
    log(`verify: ${report.verify.bitExact}/${report.verify.samples} outputs bit-exact with the interpreter in QEMU`);
  }
  if (data) {
    const before = baseline.accuracy ?? 0;
    const after = pruned.accuracy ?? 0;
    const attempts = budgetAttempts.map((a) => ({ plan: a.plan, loss: round2(a.loss * 100), predicted: round2(a.predicted * 100) }));
    report.accuracy = { before, after, samples: data.validation.y.length, metric: 'top-1 (validation, int8 interpreter)', loss: round2((before - after) * 100), maxLoss: req.maxLoss ?? DEFAULT_MAX_LOSS, attempts };
  } else if (Object.values(prunePlan.layers ?? {}).some((l) => (l.sparsity ?? 0) > 0)) {
    const reason = 'no --data (--unverified): pruned by weight magnitude alone, without fine-tuning; nothing measured what this costs';
    report.accuracyNotMeasured = { reason };
    warnings.push({ code: 'W_NO_DATA', message: `accuracy not measured: ${reason}` });
  }
  report.objective = req.objective ?? 'fit';
  report.plan = {
    source: planSource,
    file: 'pipeline/plan.json',
    predicted: result.totals,
    layers: Object.fromEntries(Object.entries(prunePlan.layers ?? {}).map(([k, v]) => [k, { granularity: v.granularity ?? 'element', sparsity: v.sparsity ?? 0, format: v.format ?? 'dense' }])),
  };
  for (const l of report.layers) {
    const w = g1.ops[l.index]?.inputs[1];
    const entry = w !== undefined && w >= 0 ? prunePlan.layers?.[g1.tensors[w]?.name ?? ''] : undefined;
    if (entry?.granularity && entry.sparsity) l.granularity = entry.granularity;
  }
  if (sens.length > 0) report.sensitivity = sens.filter((p) => p.layer !== '*');
  report.pipeline = { stages, backend: baseline.backend ?? null };
  report.run = runInfo(req, seed);
  annotateChannels(report.layers, g0, g1);
  report.warnings = [...warnings, ...report.warnings];
  writeBuildReport(staging, report, g1);
  return report;
}

function makeProblem(
  g0: ModelGraph,
  candidates: LayerCandidates[],
  sens: SensitivityPoint[],
  footprint: { flashTotal: number; ramFixed: number; instructions: number | null; layers: { index: number; measured: number | null }[] },
  flashLimit: number,
  ramLimit: number,
  latency: number | undefined,
  baseAccuracy: number | null,
  withData: boolean,
): SolveProblem {
  // Depthwise layers follow their producer's channels and stay dense (a few hundred bytes).
  const solverLayers = candidates.filter((c) => c.opcode !== 'DEPTHWISE_CONV_2D');
  const layerOf = new Map(solverLayers.map((c, i) => [c.op, i]));
  const layers = solverLayers.map((c) => {
    const dense = c.options.find((o) => o.sparsity === 0 && o.format === 'dense')!;
    const rest = c.options.filter((o) => o !== dense && o.outChannels > 0);
    return {
      name: c.name,
      outChannels: c.outChannels,
      choices: [dense, ...rest].map((o) => ({
        granularity: o.granularity === 'block4x1' ? 'block4x1' : o.granularity,
        sparsity: o.sparsity,
        format: o.format,
        flashBytes: o.bytes,
        instructions: o.instructions ?? 0,
        loss: withData ? dataLoss(sens, c.name, o, baseAccuracy) : noDataLoss(o),
        ...(o.granularity === 'channel' ? { outChannels: o.outChannels } : {}),
      })),
    };
  });
  const denseSum = layers.reduce((s, l) => s + l.choices[0]!.flashBytes, 0);
  const measuredSum = solverLayers.reduce((s, c) => s + (footprint.layers.find((l) => l.index === c.op)?.measured ?? 0), 0);
  const ram = ramPoints(g0, layerOf);
  return {
    layers,
    ram,
    budget: { flash: flashLimit - FLASH_SLACK, ram: ramLimit, ...(latency !== undefined ? { instructions: latency } : {}) },
    fixed: {
      flash: footprint.flashTotal - denseSum,
      ram: footprint.ramFixed,
      instructions: footprint.instructions !== null ? Math.max(0, footprint.instructions - measuredSum) : 0,
    },
    boards: boardCapacities(),
  };
}

/** Every board profile's room for weights and arena, in the solver's terms. */
function boardCapacities(): { name: string; flash: number; ram: number }[] {
  const out: { name: string; flash: number; ram: number }[] = [];
  for (const name of listBoards()) {
    try {
      const b = loadBoard(name);
      const t = resolveTarget(b, {});
      out.push({ name: b.name, flash: t.flash.size, ram: t.ram.size });
    } catch {
      // a board that cannot be resolved on its own (needs --emulate) is still a suggestion
    }
  }
  return out;
}

async function verifyInQemu(dir: string, graph: ModelGraph, data: SplitData | undefined, n: number): Promise<NonNullable<PipelineReport['verify']>> {
  const inputs = verifyInputs(graph, data, n);
  let bitExact = 0;
  let correct = 0;
  let instructions = 0;
  for (const { bytes, label } of inputs) {
    const want = interpret(graph, [bytes]).outputs;
    const r = await runBuild({ dir, input: bytes });
    instructions = r.instructions.total;
    if (r.outputs.length === want.length && r.outputs.every((o, i) => Buffer.from(o).equals(Buffer.from(want[i]!)))) bitExact++;
    if (label !== undefined && argmaxInt8(r.outputs[0]!) === label) correct++;
  }
  return { samples: inputs.length, bitExact, onDeviceAccuracy: data ? correct / inputs.length : null, instructions };
}

function argmaxInt8(b: Uint8Array): number {
  const v = new Int8Array(b.buffer, b.byteOffset, b.byteLength);
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function verifyInputs(graph: ModelGraph, data: SplitData | undefined, n: number): { bytes: Uint8Array; label?: number }[] {
  const t = graph.tensors[graph.inputs[0]!]!;
  const size = tensorBytes(t);
  if (data && t.quant && t.dtype === 'int8') {
    const per = data.validation.x.length / data.validation.y.length;
    const out: { bytes: Uint8Array; label: number }[] = [];
    for (let i = 0; i < Math.min(n, data.validation.y.length); i++) {
      const x = data.validation.x.subarray(i * per, (i + 1) * per);
      const q = new Int8Array(size);
      const s = t.quant.scale[0]!;
      const z = t.quant.zeroPoint[0]!;
      for (let j = 0; j < size; j++) q[j] = Math.max(-128, Math.min(127, Math.round(x[j]! / s) + z));
      out.push({ bytes: new Uint8Array(q.buffer), label: data.validation.y[i]! });
    }
    return out;
  }
  return seededInputs(graph, n, 1).map((bytes) => ({ bytes }));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Without data nothing is measured: objectives and an explicit --max-loss need data. */
function checkBudgetNeedsData(req: PipelineRequest, board: string): void {
  const asks = req.objective !== undefined && req.objective !== 'fit' ? `--objective ${req.objective}` : req.maxLoss !== undefined ? `--max-loss ${req.maxLoss}` : undefined;
  if (asks === undefined) return;
  throw new TinypruneError('E_NO_DATA', `${asks} bounds the accuracy loss measured on data, and there is no --data`, {
    where: `build --board ${board}`,
    allowed: `--data ${DATA_FORMS}`,
    hint: 'give --data with samples of the task',
  });
}

/** Bytes by which a failed link overflowed each region (E_DOES_NOT_FIT's data.overflow). */
function overflow(e: TinypruneError): { flash: number; ram: number } | undefined {
  const over = e.data.overflow ?? [];
  if (over.length === 0) return undefined;
  const bytes = (region: 'FLASH' | 'RAM'): number => over.filter((o) => o.region === region).reduce((a, o) => Math.max(a, o.bytes), 0);
  return { flash: bytes('FLASH'), ram: bytes('RAM') };
}

function readPlan(file: string): PrunePlan {
  readInputFile(file, 'plan file'); // not found / a directory / too large: the usual errors
  return readPlanFile(file);
}

/** A .tflite, a Keras .h5 or a TF.js layers model.json (the last two are float: they need --data). */
async function readModel(file: string, bytes: Uint8Array): Promise<{ graph: ModelGraph; warnings: Warning[] }> {
  if (/\.(h5|hdf5|keras)$/i.test(file)) {
    const { readKerasH5 } = await import('../import/index.js');
    return { graph: await readKerasH5(file), warnings: [] };
  }
  if (/\.json$/i.test(file)) {
    const { readTfjsLayersModel } = await import('../import/index.js');
    return { graph: readTfjsLayersModel(file), warnings: [] };
  }
  return readTflite(bytes, file);
}

/** The data set must match the model's input size and its number of classes. */
function checkDataFits(data: SplitData, g: ModelGraph, spec: string): void {
  const input = g.tensors[g.inputs[0]!]!;
  const output = g.tensors[g.outputs[0]!]!;
  const need = input.shape.reduce((a, b) => a * b, 1);
  const have = data.train.sampleShape.reduce((a, b) => a * b, 1);
  if (need !== have) {
    throw new TinypruneError('E_DATA', `the data's samples are [${data.train.sampleShape.join('x')}] (${have} values) but the model's input '${input.name}' is [${input.shape.join('x')}] (${need} values)`, {
      where: spec,
      hint: 'give a data set made for this model (same sample size), e.g. generated-digits or mnist:<dir> for 28x28 digit models',
    });
  }
  const classes = output.shape[output.shape.length - 1] ?? 1;
  if (data.train.numClasses > classes) {
    throw new TinypruneError('E_DATA', `the data has ${data.train.numClasses} classes but the model's output '${output.name}' has ${classes}`, { where: spec, hint: 'the labels must be class indices 0..' + (classes - 1) });
  }
}
