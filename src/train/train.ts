/**
 * Training and evaluation on a Dataset: mini-batch Adam (or SGD with momentum) on softmax
 * cross-entropy, seeded shuffling, masks re-applied after every step, early stopping on a
 * validation set (best weights restored).
 */
import { TinypruneError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { seededPermutation } from '../data/dataset.js';
import { tf } from './backend.js';
import { applyMasks, forward, restore, snapshot, type TrainableModel } from './view.js';
import type { Progress } from '../util/progress.js';
import { FusedAdam } from './wasm/adam.js';

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
  /** Evaluate here after every epoch; with `patience`, stop when it stops improving. */
  validation?: Dataset;
  patience?: number;
  /** Called after every epoch (progress lines). */
  onEpoch?: (e: EpochLog) => void;
  /** Called after every step with the step number (for AGP schedules, rewinding checkpoints). */
  onStep?: (step: number) => void;
  /** Stop after this many optimizer steps in total (partial epochs). */
  maxSteps?: number;
  /**
   * Keep the weights of the best validation epoch among those ending after this step and
   * restore them at the end (AGP: only epochs at the final sparsity compete).
   */
  bestAfterStep?: number;
  /** L2 weight decay on weights (not biases). */
  weightDecay?: number;
  /** Progress reporter: one step per batch, in a stage named `progressStage` (default "train"). */
  progress?: Progress;
  progressStage?: string;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  valAccuracy?: number;
  seconds: number;
}

export interface TrainResult {
  epochs: number;
  steps: number;
  history: EpochLog[];
  bestValAccuracy?: number;
}

function checkData(m: TrainableModel, ds: Dataset): void {
  const want = m.sampleShape.reduce((a, b) => a * b, 1);
  if (sampleSize(ds) !== want) {
    throw new TinypruneError('E_DATA', `samples of shape [${ds.sampleShape.join(', ')}] do not fit the model input [${m.sampleShape.join(', ')}]`, {
      where: ds.name,
      hint: 'use the data set the model was made for',
    });
  }
}

interface StepOptimizer {
  /** One step on the loss `f` returns; the loss is returned (the caller disposes it). */
  minimize(f: () => tf.Scalar, vars: tf.Variable[]): tf.Scalar;
  dispose(): void;
}

/**
 * Adam on the WASM backend is FusedAdam (one pass per parameter, bit-identical to
 * tf.train.adam, src/train/wasm/adam.ts); elsewhere, and for SGD, TF.js's optimizers.
 */
function makeOptimizer(opts: TrainOptions): StepOptimizer {
  if (opts.optimizer !== 'sgd' && tf.getBackend() === 'wasm') {
    const fused = new FusedAdam(opts.learningRate);
    return {
      minimize(f, vars) {
        const { value, grads } = tf.variableGrads(f, vars);
        fused.applyGradients(vars, grads);
        tf.dispose(grads);
        return value;
      },
      dispose: () => fused.dispose(),
    };
  }
  const o = opts.optimizer === 'sgd' ? tf.train.momentum(opts.learningRate, 0.9) : tf.train.adam(opts.learningRate);
  return { minimize: (f, vars) => o.minimize(f, true, vars)!, dispose: () => o.dispose() };
}

function batchTensor(m: TrainableModel, ds: Dataset, idx: ArrayLike<number>): tf.Tensor {
  const per = sampleSize(ds);
  const x = new Float32Array(idx.length * per);
  for (let k = 0; k < idx.length; k++) x.set(ds.x.subarray(idx[k]! * per, (idx[k]! + 1) * per), k * per);
  return tf.tensor(x, [idx.length, ...m.sampleShape]);
}

export function train(m: TrainableModel, ds: Dataset, opts: TrainOptions): TrainResult {
  checkData(m, ds);
  const batch = opts.batchSize ?? 64;
  const optimizer = makeOptimizer(opts);
  const vars = [...m.params.values()];
  const weightVars = [...m.params.entries()].filter(([t]) => m.graph.tensors[t]!.shape.length > 1).map(([, v]) => v);
  const n = ds.y.length;
  const history: EpochLog[] = [];
  let best = -1;
  let bestSnap: Map<number, Float32Array> | undefined;
  let sinceBest = 0;
  let step = 0;
  let epoch = 0;
  const batchesPerEpoch = Math.ceil(n / batch);
  const progress = opts.progress;
  progress?.start(opts.progressStage ?? 'train', Math.min(opts.epochs * batchesPerEpoch, opts.maxSteps ?? Infinity));
  try {
    for (epoch = 0; epoch < opts.epochs; epoch++) {
      const t0 = performance.now();
      const perm = seededPermutation(n, (opts.seed ?? 1) * 1000 + epoch);
      let lossSum = 0;
      let batches = 0;
      for (let s = 0; s < n; s += batch) {
        if (opts.maxSteps !== undefined && step >= opts.maxSteps) break;
        const idx = perm.subarray(s, Math.min(n, s + batch));
        const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => ds.y[i]!), 'int32'), ds.numClasses));
        const x = batchTensor(m, ds, idx);
        const loss = optimizer.minimize(() => {
          const { y } = forward(m, x, { logits: true });
          let l = tf.losses.softmaxCrossEntropy(labels, y) as tf.Scalar;
          if (opts.weightDecay) for (const w of weightVars) l = tf.add(l, tf.mul(opts.weightDecay, tf.sum(tf.square(w)))) as tf.Scalar;
          return l;
        }, vars);
        lossSum += loss.dataSync()[0]!;
        loss.dispose();
        x.dispose();
        labels.dispose();
        applyMasks(m);
        batches++;
        step++;
        progress?.tick(1, `epoch ${epoch + 1}/${opts.epochs}`);
        opts.onStep?.(step);
      }
      const log: EpochLog = { epoch: epoch + 1, loss: lossSum / Math.max(1, batches), seconds: (performance.now() - t0) / 1000 };
      if (opts.validation) {
        log.valAccuracy = evaluate(m, opts.validation);
        const competes = opts.bestAfterStep === undefined || step >= opts.bestAfterStep;
        if (competes && log.valAccuracy > best) {
          best = log.valAccuracy;
          if (opts.patience !== undefined || opts.bestAfterStep !== undefined) bestSnap = snapshot(m);
          sinceBest = 0;
        } else sinceBest++;
      }
      history.push(log);
      opts.onEpoch?.(log);
      if (opts.maxSteps !== undefined && step >= opts.maxSteps) {
        epoch++;
        break;
      }
      if (opts.patience !== undefined && sinceBest > opts.patience) {
        epoch++;
        break;
      }
    }
  } finally {
    optimizer.dispose();
    progress?.done();
  }
  if (bestSnap) restore(m, bestSnap);
  return { epochs: epoch, steps: step, history, ...(best >= 0 ? { bestValAccuracy: best } : {}) };
}

/** Top-1 accuracy in [0, 1], forward passes only. */
export function evaluate(m: TrainableModel, ds: Dataset, batchSize = 256): number {
  checkData(m, ds);
  let correct = 0;
  const n = ds.y.length;
  for (let s = 0; s < n; s += batchSize) {
    const idx = Uint32Array.from({ length: Math.min(batchSize, n - s) }, (_, k) => s + k);
    const pred = tf.tidy(() => {
      const x = batchTensor(m, ds, idx);
      return tf.argMax(forward(m, x, { logits: true }).y, 1).dataSync();
    });
    for (let k = 0; k < idx.length; k++) if (pred[k] === ds.y[s + k]) correct++;
  }
  return correct / n;
}

/** Summed gradients of the loss w.r.t. each parameter over a few batches (for Taylor scores). */
export function gradients(m: TrainableModel, ds: Dataset, batches: number, batchSize = 64, seed = 1): Map<number, Float32Array> {
  checkData(m, ds);
  const perm = seededPermutation(ds.y.length, seed);
  const entries = [...m.params.entries()];
  const sums = new Map<number, Float32Array>(entries.map(([t, v]) => [t, new Float32Array(v.size)]));
  for (let b = 0; b < batches; b++) {
    const idx = perm.subarray((b * batchSize) % ds.y.length, Math.min(ds.y.length, ((b * batchSize) % ds.y.length) + batchSize));
    if (idx.length === 0) break;
    tf.tidy(() => {
      const x = batchTensor(m, ds, idx);
      const labels = tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => ds.y[i]!), 'int32'), ds.numClasses);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, forward(m, x, { logits: true }).y) as tf.Scalar, entries.map(([, v]) => v));
      for (const [t, v] of entries) {
        const g = grads[v.name]!.dataSync();
        const s = sums.get(t)!;
        for (let i = 0; i < s.length; i++) s[i]! += g[i]!;
      }
    });
  }
  // The forward pass uses pruned weights as they are (zero), so their gradients are not zero;
  // a pruned weight has no gradient to speak of.
  for (const [t, mask] of m.masks) {
    const s = sums.get(t);
    const mv = mask.dataSync();
    if (s) for (let i = 0; i < s.length; i++) if (!(mv[i]! > 0)) s[i] = 0;
  }
  return sums;
}
