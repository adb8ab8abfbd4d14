/**
 * `tinyprune build --board <board> <model> [--data <dataset>]`: the whole job, as one ordered
 * list of stages. Each stage reads the artefacts of the ones before and writes its own JSON
 * (or .tflite) under <out>/pipeline/, keyed by a hash of everything it depends on, so a second
 * run (or one after an interruption) resumes from the first stage whose inputs changed.
 *
 *   load        the model (int8 .tflite; a float one is quantized with the data)
 *   data        the data set, split train/validation (seeded); none → fidelity mode
 *   footprint   the dense build linked without limits: firmware code, model data, static
 *               RAM and stack — what the board's memory must hold besides weights and arena
 *   sensitivity per layer and granularity, accuracy over a sparsity grid (forward only)
 *   candidates  per layer, exact encoded bytes and predicted instructions of each choice
 *   solve       the per-layer choice that fits flash/RAM(/latency) with least predicted loss
 *   prune       prune to the plan, fine-tune with fixed masks, re-quantize to int8
 *   build       generate, compile, link against the board's real memory (tightened and
 *               re-solved if the real build overshoots the prediction)
 *   verify      emulated boards: run samples in QEMU, outputs = the reference interpreter's
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadBoard, listBoards, resolveTarget, type Target } from '../boards/index.js';
import { buildGraph, coreFamily, type BuildReport } from '../build/build.js';
import { TinypruneError, type Warning } from '../errors.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { verifyGraph } from '../ir/verify.js';
import { interpret } from '../interp/index.js';
import { readTflite, writeTflite } from '../tflite/index.js';
import { readInputFile } from '../util/files.js';
import type { Progress } from '../util/progress.js';
import type { PrunePlan } from '../prune/plan.js';
import { solve, toPrunePlan, choicesFromPlan, evaluate as evaluateChoices, formatInfeasible, type Feasible, type SolveProblem } from '../solve/index.js';
import type { FormatName } from '../sparse/types.js';
import { runBuild } from '../run/run.js';
import { COST_TABLE } from '../sparse/cost-table.js';
import { costFamily } from '../sparse/cost.js';
import { writeReportHtml } from '../report/html.js';
import { DEFAULT_GRID, layerCandidates, type LayerCandidates } from './candidates.js';
import { ramPoints } from './ram.js';
import { versionedReport } from '../report/report-file.js';
import { annotateChannels, runInfo, type RunInfo } from '../report/annotate.js';
import { readPlanFile, versionedPlan } from '../prune/plan-file.js';
import { dataLoss, fidelity, noDataLoss, pruneWithData, pruneWithoutData, seededInputs, sensitivityRows, loadData, type SplitData, type SensitivityPoint } from './stages.js';

export interface PipelineRequest {
  modelPath: string;
  board: string;
  emulate: boolean;
  outDir: string;
  toolVersion: string;
  /** Data-set spec (src/data/load.ts); absent: one-shot magnitude pruning + fidelity. */
  data?: string;
  /** A PrunePlan file to apply instead of solving. */
  planPath?: string;
  /** Latency bound, instructions (QEMU) per inference. */
  latency?: number;
  seed?: number;
  /** Fine-tuning epochs after pruning (default 3). */
  epochs?: number;
  /** Learning rate the model was trained with (fine-tuning uses 1/10). */
  learningRate?: number;
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  kernels?: 'auto' | 'plain';
  /** Validation samples run in QEMU and compared with the interpreter (default 8). */
  verifySamples?: number;
  cwd: string;
  progress?: Progress;
  log: (line: string) => void;
}

export interface PipelineReport extends BuildReport {
  accuracy?: { before: number; after: number; samples: number; metric: 'top-1 (validation, int8 interpreter)' };
  fidelity?: { agreement: number; meanAbsError: number; samples: number; inputs: 'seeded random'; warning: string };
  plan: { source: 'solver' | 'file'; file: string; predicted: { flash: number; ram: number; instructions: number; loss: number }; layers: Record<string, { granularity: string; sparsity: number; format: string }> };
  verify?: { samples: number; bitExact: number; onDeviceAccuracy: number | null; instructions: number };
  /** Accuracy with one layer pruned at a time (the solver's loss curves). */
  sensitivity?: SensitivityPoint[];
  pipeline: { stages: { name: string; reused: boolean; seconds: number }[]; backend: string | null };
  run?: RunInfo;
}

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

export async function runPipeline(req: PipelineRequest): Promise<PipelineReport> {
  const outDir = path.resolve(req.cwd, req.outDir);
  const existed = existsSync(outDir);
  try {
    return await pipeline(req);
  } catch (e) {
    // A build that fails leaves no half-made directory behind where there was none; an
    // earlier build (and its resumable artefacts) in the same place stays as it was.
    if (!existed && e instanceof TinypruneError) rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

async function pipeline(req: PipelineRequest): Promise<PipelineReport> {
  const stages: PipelineReport['pipeline']['stages'] = [];
  const log = req.log;
  const outDir = path.resolve(req.cwd, req.outDir);
  const work = path.join(outDir, 'pipeline');
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
      hint: 'give --data <dataset> (its samples calibrate the int8 ranges), or build it as float with --sparsity 0',
    });
  }
  if (data) checkDataFits(data, read.graph, req.data!);
  if (data) log(`data: ${data.name}: ${data.train.y.length} train / ${data.validation.y.length} validation`);
  else warnings.push({ code: 'W_NO_DATA', message: 'no --data: pruned by weight magnitude alone (no fine-tuning); accuracy is not measured — the report gives fidelity to the original model on seeded random inputs instead' });

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
  const footKey = hash(baseKey, target.board.name, req.emulate, family, req.toolVersion, req.latency !== undefined);
  const footprint = await cached(work, 'footprint', footKey, async () => {
    log('measuring the firmware footprint (dense build, no memory limits)');
    const dir = path.join(work, 'footprint-build');
    const r = await buildGraph({ graph: g0, source, sha256: modelSha, target: unlimited(target), outDir: dir, toolVersion: req.toolVersion, bench: false, ...(req.kernels ? { kernels: req.kernels } : {}), measure: req.latency !== undefined && target.mode !== 'device' });
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
  const tighten = { flash: 0, ram: 0 };
  for (let attempt = 0; attempt < 3 && report === undefined; attempt++) {
    const budget = { ...problem.budget, flash: problem.budget.flash - tighten.flash, ram: problem.budget.ram - tighten.ram };
    if (budget.flash <= 0 || budget.ram <= 0) {
      throw new TinypruneError('E_DOES_NOT_FIT', `${target.board.name} has no room left for the model's weights and activations after the firmware (${footprint.code} B code, ${footprint.ramFixed} B RAM for stack, heap and static data)`, {
        where: `board ${target.board.name}`,
        hint: 'pick a larger board (`tinyprune boards`)',
      });
    }
    if (userPlan) {
      result = { feasible: true, ...evaluateChoices(problem, choicesFromPlan(problem, userPlan)) };
    } else {
      const solved = solve({ ...problem, budget });
      if (!solved.feasible) {
        throw new TinypruneError('E_DOES_NOT_FIT', `no pruning plan fits ${target.board.name}:\n${formatInfeasible(solved)}`, {
          where: `board ${target.board.name}`,
          hint: 'pick a larger board (`tinyprune boards`), relax --latency, or give --data so the solver can prune further with fine-tuning',
        });
      }
      result = solved;
    }
    prunePlan = toPrunePlan(problem, result.choices);
    writeJsonAtomic(path.join(work, 'plan.json'), versionedPlan(prunePlan));
    log(`plan${attempt > 0 ? ` (attempt ${attempt + 1}, budget tightened by ${tighten.flash} B flash, ${tighten.ram} B RAM)` : ''}: predicted flash ${result.totals.flash} B, RAM ${result.totals.ram} B, loss ${data ? (result.totals.loss * 100).toFixed(2) : result.totals.loss.toFixed(3)} ${lossUnit}`);

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
    g1 = readTflite(readInputFile(path.join(work, 'pruned.tflite'), 'pruned model'), 'pruned.tflite').graph;

    const formats = new Map<number, FormatName>();
    g1.ops.forEach((op, i) => {
      const w = op.inputs[1];
      const name = w !== undefined && w >= 0 ? g1.tensors[w]?.name : undefined;
      const f = name ? prunePlan.layers?.[name]?.format : undefined;
      if (f && f !== 'channel') formats.set(i, f as FormatName);
    });
    try {
      report = (await buildGraph({
        graph: g1,
        source,
        sha256: modelSha,
        target,
        outDir,
        toolVersion: req.toolVersion,
        optimize: 'balanced',
        formats,
        preserve: ['pipeline'],
        measure: target.mode !== 'device',
        ...(req.kernels ? { kernels: req.kernels } : {}),
      })) as PipelineReport;
    } catch (e) {
      const over = e instanceof TinypruneError && e.code === 'E_DOES_NOT_FIT' ? overflow(e.message) : undefined;
      if (!over || userPlan || attempt === 2) throw e;
      tighten.flash += over.flash > 0 ? over.flash + 256 : 0;
      tighten.ram += over.ram > 0 ? over.ram + 64 : 0;
      log(`the build overshot the prediction by ${over.flash} B flash, ${over.ram} B RAM: re-solving with a tighter budget`);
    }
  }
  if (!report || !result) throw new TinypruneError('E_SOLVE', 'the pipeline ended without a build');

  // verify: QEMU outputs = the interpreter's on validation samples (or seeded inputs).
  if (target.mode !== 'device') {
    report.verify = await verifyInQemu(outDir, g1, data, req.verifySamples ?? 8);
    log(`verify: ${report.verify.bitExact}/${report.verify.samples} outputs bit-exact with the interpreter in QEMU`);
  }
  if (data) {
    report.accuracy = { before: baseline.accuracy ?? 0, after: pruned.accuracy ?? 0, samples: data.validation.y.length, metric: 'top-1 (validation, int8 interpreter)' };
  } else {
    const f = fidelity(g0, g1, 64, seed);
    report.fidelity = { ...f, samples: 64, inputs: 'seeded random', warning: 'no --data: fidelity to the original int8 model, not accuracy' };
  }
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
  writeJsonAtomic(path.join(outDir, 'report.json'), versionedReport(report));
  writeReportHtml(outDir, report, g1);
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

/** Bytes by which a failed link overflowed each region (from E_DOES_NOT_FIT's message). */
function overflow(message: string): { flash: number; ram: number } | undefined {
  const flash = /FLASH overflowed by (\d+) bytes/.exec(message);
  const ram = /RAM overflowed by (\d+) bytes/.exec(message);
  if (!flash && !ram) return undefined;
  return { flash: flash ? Number(flash[1]) : 0, ram: ram ? Number(ram[1]) : 0 };
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
