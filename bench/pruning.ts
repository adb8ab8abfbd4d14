/**
 * Pruning benchmarks on real data (MNIST test set split 8,000 train / 2,000 held out, seed 1;
 * the 8,000 are split again 7,000 / 1,000 so that early stopping never sees the held-out set).
 *
 *   npm run bench:pruning            all experiments below
 *   npm run bench:pruning:lenet      LeNet-300-100 and LeNet-5: dense → AGP pruning (Han et al.
 *                                    targets) → int8 + sparse encoding; bytes vs dense float32;
 *                                    seeds 1,2,3 (--seeds 1,2 to change, --model lenet5 for one model)
 *   npm run bench:pruning:schedules  AGP vs one-shot + fine-tuning at 95% on LeNet-300-100, 3 seeds
 *   npm run bench:pruning:lth        lottery-ticket rewinding vs random re-init, 3 seeds
 *   tsx bench/pruning.ts summary     recompute the mean ± sd rows from the per-seed runs stored (no training)
 *   npm run bench:pruning:speed      seconds per training epoch (8,000 samples, batch 64) of LeNet-300-100,
 *                                    LeNet-5 and the mnist-dscnn example on WASM and on the TF.js CPU backend
 *                                    (-- --profile: also ms per step of each WASM kernel, one more epoch)
 *
 * (Re)writes bench/results/pruning.json: an array of runs {experiment, model, method,
 * granularity, seed, nonzeroFraction, weightBytes, denseFloat32Bytes, accuracy, denseAccuracy,
 * epochs, backend, …} per seed, then per model × method a `seed: -1` row whose `stats.<figure>` is
 * {mean, sd (sample), perSeed}; runs of the experiments not re-run are kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/train/backend.js';
import { loadMnistDir, splitDataset, type Dataset } from '../src/data/index.js';
import { clearMasks, createTrainable, disposeTrainable, restore, snapshot, toGraph, weightLayers, type TrainableModel } from '../src/train/view.js';
import { evaluate, train } from '../src/train/train.js';
import { digitsDsCnn, lenet300100, lenet5 } from '../src/train/models.js';
import { profileKernels } from '../src/train/kernel_profile.js';
import { resolvePlan, type PrunePlan } from '../src/prune/plan.js';
import { lotteryTicket, runPlan } from '../src/prune/engine.js';
import { encodedWeightBytes } from '../src/prune/bytes.js';
import { calibrate, evaluateInt8, quantizeGraph } from '../src/quantize/index.js';
import { writeFileAtomic } from '../src/util/files.js';
import type { ModelGraph } from '../src/ir/graph.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = resolve(ROOT, 'bench/results/pruning.json');
const MNIST = resolve(ROOT, '../shared/datasets/mnist');
const QUICK = process.argv.includes('--quick');
/** speed: also time one more WASM epoch kernel by kernel (not part of the figures saved). */
const PROFILE = process.argv.includes('--profile');
const which = process.argv.slice(2).filter((a, i, args) => !a.startsWith('--') && args[i - 1] !== '--model' && args[i - 1] !== '--seeds');
const run = (name: string): boolean => which.length === 0 || which.includes('all') || which.includes(name);
/** --model <name>: run the lenet experiment for one model only (its other runs are kept). */
const onlyModel = process.argv.includes('--model') ? process.argv[process.argv.indexOf('--model') + 1] : undefined;
/** --seeds 1,2,3 (default): the seeds of the lenet experiment; each row is summarised as mean ± sd over them. */
const SEEDS = process.argv.includes('--seeds') ? process.argv[process.argv.indexOf('--seeds') + 1]!.split(',').map(Number) : [1, 2, 3];

interface Run {
  experiment: string;
  model: string;
  method: string;
  granularity: string;
  seed: number;
  nonzeroFraction: number | null;
  weightBytes: number | null;
  denseFloat32Bytes: number | null;
  accuracy: number | null;
  denseAccuracy: number | null;
  epochs: number | null;
  backend: string;
  [extra: string]: unknown;
}

const t0 = performance.now();
const log = (s: string): void => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}`);
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

if (!existsSync(MNIST)) {
  console.error(`[skip] ${MNIST} is absent: the pruning benchmarks need ../shared/datasets/mnist`);
  process.exit(0);
}
const backend = await initBackend((process.env.TINYPRUNE_BACKEND ?? 'auto') as 'auto');
log(`backend ${backend.name}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);
const all = loadMnistDir(MNIST);
const [train8k, heldOut] = splitDataset(all, { first: 8000, seed: 1 });
const [trainSet, valSet] = splitDataset(train8k, { first: 7000, seed: 2 });
log(`MNIST t10k: ${trainSet.y.length} train + ${valSet.y.length} validation (of 8,000) / ${heldOut.y.length} held out`);

const LR = 1e-3;
const BUILDERS: Record<string, (seed: number) => ModelGraph> = { 'lenet-300-100': lenet300100, lenet5 };
const DENSE_EPOCHS: Record<string, number> = QUICK ? { 'lenet-300-100': 2, lenet5: 1 } : { 'lenet-300-100': 20, lenet5: 8 };
const FT_EPOCHS: Record<string, number> = QUICK ? { 'lenet-300-100': 1, lenet5: 1 } : { 'lenet-300-100': 20, lenet5: 6 };
/**
 * AGP prunes during the first part of fine-tuning, then the rest recovers at the final sparsity.
 * Fine-tuning runs at the dense training rate (learning-rate rewinding, Renda et al. 2020): at
 * 0.3x it, LeNet-300-100 at 23.1x fewer non-zeros lost 1.00 pt after int8 over seeds 1–3
 * (0.55, 1.25, 1.20); at 1x it loses about 0 (README).
 */
const FT_LR_SCALE = 1;
const PRUNE_FRACTION: Record<string, number> = { 'lenet-300-100': 0.4, lenet5: 0.5 };
/** The schedule comparison and LTH use shorter runs (3 seeds each on 2 shared cores). */
const SCHEDULE_EPOCHS = QUICK ? 1 : 8;

function weightCounts(m: TrainableModel): { nonzero: number; total: number } {
  let nz = 0;
  let total = 0;
  for (const l of weightLayers(m.graph)) {
    const v = m.params.get(l.weight)!.dataSync();
    total += v.length;
    for (const x of v) if (x !== 0) nz++;
  }
  return { nonzero: nz, total };
}

function trainDense(model: string, seed: number, maxEpochs = DENSE_EPOCHS[model]!): { m: TrainableModel; acc: number; epochs: number } {
  const m = createTrainable(BUILDERS[model]!(seed));
  const r = train(m, trainSet, {
    epochs: QUICK ? DENSE_EPOCHS[model]! : maxEpochs,
    learningRate: LR,
    seed,
    validation: valSet,
    patience: 3,
    onEpoch: (e) => log(`  ${model} seed ${seed} epoch ${e.epoch}: loss ${e.loss.toFixed(4)} val ${pct(e.valAccuracy ?? 0)} (${e.seconds.toFixed(1)} s)`),
  });
  const acc = evaluate(m, heldOut);
  log(`${model} dense (seed ${seed}): held-out ${pct(acc)} after ${r.epochs} epochs`);
  return { m, acc, epochs: r.epochs };
}

/** int8 + best sparse encoding of the pruned float model. */
function int8Point(m: TrainableModel): { int8Accuracy: number; weightBytes: number; formats: string[] } {
  const ranges = calibrate(m, trainSet, { samples: 512 });
  const q = quantizeGraph(toGraph(m), ranges).graph;
  const enc = encodedWeightBytes(q);
  return { int8Accuracy: evaluateInt8(q, heldOut), weightBytes: enc.bytes, formats: enc.layers.map((l) => `${l.name}:${l.format}:${l.bytes}`) };
}

function loadResults(): Run[] {
  if (!existsSync(RESULTS)) return [];
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8')) as Run[];
  } catch {
    return [];
  }
}

/** Replaces the experiment's rows (only those of the models run, with --model; only those `replaces` picks). */
function saveResults(experiment: string, runs: Run[], replaces: (r: Run) => boolean = () => true): void {
  const models = new Set(runs.map((r) => r.model));
  const kept = loadResults().filter((r) => r.experiment !== experiment || (onlyModel !== undefined && !models.has(r.model)) || !replaces(r));
  writeFileAtomic(RESULTS, JSON.stringify([...kept, ...runs], null, 2) + '\n');
  log(`wrote ${runs.length} run(s) of '${experiment}' to ${RESULTS}`);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation. */
const sd = (xs: number[]): number => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const meanStd = (xs: number[]): string => `${(mean(xs) * 100).toFixed(2)} ± ${(sd(xs) * 100).toFixed(2)}%`;

const FIGURES = ['accuracy', 'denseAccuracy', 'int8Accuracy', 'accuracyDropPt', 'int8DropPt', 'fewerNonzeros', 'bytesRatio', 'nonzeroFraction', 'weightBytes'] as const;
/** One `seed: -1` row per model × method: {mean, sd, perSeed} for every figure, sample sd. */
function summarise(runs: Run[]): Run[] {
  const out: Run[] = [];
  for (const key of [...new Set(runs.map((r) => `${r.model}\u0000${r.method}`))]) {
    const group = runs.filter((r) => `${r.model}\u0000${r.method}` === key);
    const first = group[0]!;
    const stats: Record<string, unknown> = {};
    for (const f of FIGURES) {
      const xs = group.map((r) => r[f]).filter((x): x is number => typeof x === 'number');
      if (xs.length === group.length) stats[f] = { mean: mean(xs), sd: sd(xs), perSeed: xs };
    }
    if (Object.keys(stats).length === 0) continue;
    const shown = Object.entries(stats).map(([f, st]) => `${f} ${(st as { mean: number }).mean.toFixed(4)} ± ${(st as { sd: number }).sd.toFixed(4)}`);
    log(`${first.model} ${first.method} over seeds ${group.map((r) => r.seed).join(',')}: ${shown.join(', ')}`);
    out.push({ experiment: first.experiment, model: first.model, method: first.method, granularity: first.granularity, seed: -1, seeds: group.map((r) => r.seed), summary: 'mean ± sd (sample) over seeds', nonzeroFraction: null, weightBytes: null, denseFloat32Bytes: first.denseFloat32Bytes, accuracy: null, denseAccuracy: null, epochs: null, backend: first.backend, stats });
  }
  return out;
}

// `summary`: recompute the mean ± sd rows of every experiment from the per-seed runs stored (no training).
if (which.includes('summary')) {
  const perSeed = loadResults().filter((r) => r.seed !== -1);
  const out: Run[] = [];
  for (const e of new Set(perSeed.map((r) => r.experiment))) {
    const runs = perSeed.filter((r) => r.experiment === e);
    out.push(...runs, ...summarise(runs));
  }
  writeFileAtomic(RESULTS, JSON.stringify(out, null, 2) + '\n');
  log(`rewrote the summary rows of ${RESULTS}`);
}

// ---------------------------------------------------------------------------------------------
// Han et al. style: ≥ 12x fewer non-zeros, and int8 + sparse indices ≥ 40x smaller.
const HAN_PLANS: Record<string, { name: string; plan: PrunePlan }[]> = {
  'lenet-300-100': [
    // Han et al. 2015, Table 2: 8% / 9% / 26% of the weights kept.
    { name: 'agp-12x', plan: { layers: { 'fc1/weights': { sparsity: 0.92 }, 'fc2/weights': { sparsity: 0.91 }, 'fc3/weights': { sparsity: 0.74 } } } },
    // Sized for ~41x fewer bytes than float32 (97/92/75% measured 48.9x at a 0.75 pt drop).
    { name: 'agp-40x-bytes', plan: { layers: { 'fc1/weights': { sparsity: 0.965 }, 'fc2/weights': { sparsity: 0.9 }, 'fc3/weights': { sparsity: 0.72 } } } },
  ],
  lenet5: [
    // Han et al. 2015, Table 3: 66% / 12% / 8% / 19% kept.
    { name: 'agp-12x', plan: { layers: { 'conv1/weights': { sparsity: 0.34 }, 'conv2/weights': { sparsity: 0.88 }, 'fc1/weights': { sparsity: 0.92 }, 'fc2/weights': { sparsity: 0.81 } } } },
    { name: 'agp-40x-bytes', plan: { layers: { 'conv1/weights': { sparsity: 0.34 }, 'conv2/weights': { sparsity: 0.88 }, 'fc1/weights': { sparsity: 0.98 }, 'fc2/weights': { sparsity: 0.81 } } } },
  ],
};

if (run('lenet')) {
  const runs: Run[] = [];
  for (const model of ['lenet-300-100', 'lenet5'].filter((m) => !onlyModel || m === onlyModel)) for (const seed of SEEDS) {
    const dense = trainDense(model, seed);
    const denseSnap = snapshot(dense.m);
    const counts = weightCounts(dense.m);
    const denseFloat32Bytes = 4 * counts.total;
    const d8 = int8Point(dense.m);
    runs.push({ experiment: 'lenet', model, method: 'dense', granularity: 'none', seed, nonzeroFraction: 1, weightBytes: d8.weightBytes, denseFloat32Bytes, accuracy: dense.acc, denseAccuracy: dense.acc, epochs: dense.epochs, backend: backend.name, int8Accuracy: d8.int8Accuracy });
    log(`${model} dense int8: ${pct(d8.int8Accuracy)}, ${d8.weightBytes} bytes (float32 ${denseFloat32Bytes})`);
    for (const { name, plan } of HAN_PLANS[model]!) {
      clearMasks(dense.m);
      restore(dense.m, denseSnap);
      const resolved = resolvePlan(dense.m.graph, { ...plan, schedule: { kind: 'agp', pruneSteps: 20, pruneFraction: PRUNE_FRACTION[model]! }, fineTune: { epochs: FT_EPOCHS[model]!, learningRateScale: FT_LR_SCALE } });
      const out = runPlan(dense.m, resolved, { train: trainSet, validation: valSet, baseLearningRate: LR, seed, log: (s) => log(`  ${model} ${name}: ${s}`) });
      const acc = evaluate(out.model, heldOut);
      const c = weightCounts(out.model);
      const p8 = int8Point(out.model);
      const r: Run = {
        experiment: 'lenet', model, method: name, granularity: 'element', seed, nonzeroFraction: c.nonzero / c.total, weightBytes: p8.weightBytes, denseFloat32Bytes,
        accuracy: acc, denseAccuracy: dense.acc, epochs: out.fineTuneEpochs, backend: backend.name,
        int8Accuracy: p8.int8Accuracy, fewerNonzeros: c.total / c.nonzero, bytesRatio: denseFloat32Bytes / p8.weightBytes, accuracyDropPt: (dense.acc - acc) * 100, int8DropPt: (dense.acc - p8.int8Accuracy) * 100, formats: p8.formats,
        layers: out.layers.map((l) => ({ name: l.name, sparsity: l.achievedSparsity, nonzeros: l.nonzeros })),
      };
      runs.push(r);
      log(`${model} ${name}: ${(r.fewerNonzeros as number).toFixed(1)}x fewer non-zeros, held-out ${pct(acc)} (drop ${(r.accuracyDropPt as number).toFixed(2)} pt); int8 ${pct(p8.int8Accuracy)} (drop ${(r.int8DropPt as number).toFixed(2)} pt), ${p8.weightBytes} bytes = ${(r.bytesRatio as number).toFixed(1)}x smaller than float32`);
    }
    disposeTrainable(dense.m);
  }
  runs.push(...summarise(runs));
  saveResults('lenet', runs);
}

// ---------------------------------------------------------------------------------------------
if (run('schedules')) {
  const runs: Run[] = [];
  const model = 'lenet-300-100';
  const acc: Record<string, number[]> = { oneshot: [], agp: [] };
  for (const seed of [1, 2, 3]) {
    const dense = trainDense(model, seed, 12);
    const snap = snapshot(dense.m);
    const denseFloat32Bytes = 4 * weightCounts(dense.m).total;
    for (const kind of ['oneshot', 'agp'] as const) {
      clearMasks(dense.m);
      restore(dense.m, snap);
      // Same epoch budget; no early stopping so both get exactly FT_EPOCHS.
      const resolved = resolvePlan(dense.m.graph, { sparsity: 0.95, schedule: { kind, pruneSteps: 20, pruneFraction: 0.5 }, fineTune: { epochs: SCHEDULE_EPOCHS, learningRateScale: 0.3, patience: 1000 } });
      const out = runPlan(dense.m, resolved, { train: trainSet, validation: valSet, baseLearningRate: LR, seed });
      const a = evaluate(out.model, heldOut);
      acc[kind]!.push(a);
      const c = weightCounts(out.model);
      runs.push({ experiment: 'schedules', model, method: kind, granularity: 'element', seed, nonzeroFraction: c.nonzero / c.total, weightBytes: null, denseFloat32Bytes, accuracy: a, denseAccuracy: dense.acc, epochs: out.fineTuneEpochs, backend: backend.name });
      log(`${model} 95% ${kind} seed ${seed}: held-out ${pct(a)} (dense ${pct(dense.acc)}), ${out.fineTuneEpochs} epochs`);
    }
    disposeTrainable(dense.m);
  }
  log(`AGP ${meanStd(acc.agp!)} vs one-shot ${meanStd(acc.oneshot!)} (3 seeds, 95% sparsity, ${SCHEDULE_EPOCHS} fine-tuning epochs each)`);
  runs.push(...summarise(runs));
  saveResults('schedules', runs);
}

// ---------------------------------------------------------------------------------------------
if (run('lth')) {
  const runs: Run[] = [];
  const model = 'lenet-300-100';
  const ticket: number[] = [];
  const control: number[] = [];
  const epochs = QUICK ? 1 : 6;
  for (const seed of [1, 2, 3]) {
    const init = lenet300100(seed);
    // Frankle & Carbin prune the output layer at half the rate of the others.
    const plan = resolvePlan(init, { layers: { 'fc1/weights': { sparsity: 0.9 }, 'fc2/weights': { sparsity: 0.9 }, 'fc3/weights': { sparsity: 0.45 } } });
    const r = lotteryTicket(init, lenet300100(seed + 1000), plan, { train: trainSet, validation: heldOut }, { epochs, learningRate: LR, seed, rewindStep: 0, rounds: 1, log: (s) => log(`  seed ${seed}: ${s}`) });
    ticket.push(r.ticketAccuracy);
    control.push(r.randomReinitAccuracy);
    for (const [method, a] of [['lottery-ticket (rewind to init)', r.ticketAccuracy], ['random re-init (same mask)', r.randomReinitAccuracy]] as const) {
      runs.push({ experiment: 'lth', model, method, granularity: 'element', seed, nonzeroFraction: 1 - r.sparsity, weightBytes: null, denseFloat32Bytes: null, accuracy: a, denseAccuracy: r.denseAccuracy, epochs, backend: backend.name, rounds: 1 });
    }
    log(`LTH seed ${seed}: ticket ${pct(r.ticketAccuracy)} vs random re-init ${pct(r.randomReinitAccuracy)} (dense ${pct(r.denseAccuracy)}, sparsity ${pct(r.sparsity)})`);
  }
  log(`lottery ticket ${meanStd(ticket)} vs random re-init ${meanStd(control)} (3 seeds)`);
  runs.push(...summarise(runs));
  saveResults('lth', runs);
}

// ---------------------------------------------------------------------------------------------
// Training speed (issue #15): seconds per epoch on the 8,000 training samples, batch 64
// (125 steps), Adam, on WASM (the training backend here) and on TF.js's CPU backend in the
// same run (WASM with TINYPRUNE_WASM_THREADS threads, default 1). WASM runs whole epochs,
// SPEED_REPEATS times (median reported); the CPU backend
// needs minutes per LeNet-5 step, so it runs a few steps and its epoch time is extrapolated.
const SPEED_MODELS: Record<string, (seed: number) => ModelGraph> = { 'lenet-300-100': lenet300100, lenet5, 'mnist-dscnn': digitsDsCnn };
const SPEED_REPEATS = QUICK ? 1 : 3;
/** CPU backend: steps timed and warm-up steps before them (a LeNet-5 step takes minutes there). */
const CPU_STEPS: Record<string, { steps: number; warmUp: number }> = { 'lenet-300-100': { steps: QUICK ? 1 : 5, warmUp: 1 }, lenet5: { steps: 1, warmUp: 0 }, 'mnist-dscnn': { steps: 1, warmUp: 0 } };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface EpochTime {
  /** Wall-clock seconds per epoch (extrapolated from `steps` steps when fewer than an epoch). */
  wall: number;
  /** CPU seconds of this process per epoch: what the wall time would be with the cores to ourselves. */
  cpu: number;
}

/** Times one epoch (or `steps` steps, scaled to an epoch) after `warmUp` steps (JIT, WASM compilation). */
function epochTime(model: string, data: Dataset, { steps, warmUp }: { steps?: number; warmUp: number }): EpochTime {
  const m = createTrainable(SPEED_MODELS[model]!(1));
  const opts = { epochs: 1, learningRate: LR, batchSize: 64, seed: 1 };
  if (warmUp > 0) train(m, data, { ...opts, maxSteps: warmUp });
  const perEpoch = Math.ceil(data.y.length / 64);
  const t = performance.now();
  const c = process.cpuUsage();
  train(m, data, { ...opts, ...(steps !== undefined ? { maxSteps: steps } : {}) });
  const cu = process.cpuUsage(c);
  disposeTrainable(m);
  const scale = perEpoch / (steps ?? perEpoch);
  return { wall: ((performance.now() - t) / 1000) * scale, cpu: ((cu.user + cu.system) / 1e6) * scale };
}

if (run('speed')) {
  const runs: Run[] = [];
  const s2 = (x: number): string => `${x.toFixed(2)} s`;
  for (const model of Object.keys(SPEED_MODELS)) {
    if (onlyModel !== undefined && model !== onlyModel) continue;
    await tf.setBackend('wasm');
    const wasm = Array.from({ length: SPEED_REPEATS }, () => epochTime(model, train8k, { warmUp: 2 }));
    const wall = median(wasm.map((w) => w.wall));
    const cpuTime = median(wasm.map((w) => w.cpu));
    if (PROFILE) {
      const profile = profileKernels('wasm');
      epochTime(model, train8k, { warmUp: 2 });
      // The epoch and its 2 warm-up steps.
      for (const line of profile.report(Math.ceil(train8k.y.length / 64) + 2)) log(`profile ${model}: ${line}`);
      profile.stop();
    }
    await tf.setBackend('cpu');
    const cpu = epochTime(model, train8k, CPU_STEPS[model]!);
    const load = loadavg()[0]!;
    log(
      `speed ${model}: wasm (${backend.threads ?? 1} thread(s)) ${s2(wall)}/epoch (median of ${wasm.map((w) => w.wall.toFixed(2)).join(', ')}; process CPU ${s2(cpuTime)}/epoch) | ` +
        `TF.js cpu ${s2(cpu.wall)}/epoch (${CPU_STEPS[model]!.steps} step(s) scaled to ${Math.ceil(train8k.y.length / 64)}) | ${(cpu.wall / wall).toFixed(1)}x | load average ${load.toFixed(1)}`,
    );
    runs.push({
      experiment: 'speed', model, method: 'train-speed', granularity: 'none', seed: 1, nonzeroFraction: null, weightBytes: null, denseFloat32Bytes: null, accuracy: null, denseAccuracy: null, epochs: 1, backend: 'wasm vs cpu',
      samples: train8k.y.length, batchSize: 64, wasmSecondsPerEpoch: wall, wasmRuns: wasm.map((w) => w.wall), wasmCpuSecondsPerEpoch: cpuTime, wasmThreads: backend.threads ?? 1, cpuSecondsPerEpoch: cpu.wall, cpuSteps: CPU_STEPS[model]!.steps, loadAverage: load,
    });
  }
  await initBackend((process.env.TINYPRUNE_BACKEND ?? 'auto') as 'auto');
  // One set of rows per thread count.
  saveResults('speed', runs, (r) => (r.wasmThreads ?? 1) === (backend.threads ?? 1));
}
log('done');
