/**
 * The pruning engine: a resolved plan applied to a trainable model.
 *
 *   structured (channel/neuron) layers are physically removed first (structured.ts);
 *   then masks for the other layers, by schedule:
 *     oneshot  masks at the target sparsity, then fine-tuning (fixed masks, reduced LR,
 *              early stopping on validation)
 *     agp      gradual pruning while fine-tuning, sparsity following the cubic schedule
 *   lotteryTicket() is separate: it needs the initial weights (rewinding) and a control.
 */
import { TinypruneError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { ModelGraph } from '../ir/graph.js';
import type { Progress } from '../util/progress.js';
import { clearMasks, createTrainable, disposeTrainable, paramValues, restore, setMask, snapshot, toGraph, weightLayers, type TrainableModel } from '../train/view.js';
import { evaluate, gradients, train, type EpochLog } from '../train/train.js';
import { criterion as criterionByName } from './criteria.js';
import { granularityName } from '../sparse/granularity.js';
import { computeMask, globalSparsities, layoutNote, maskSparsity } from './mask.js';
import type { ResolvedPlan } from './plan.js';
import { agpSparsity, agpSteps } from './schedule.js';
import { analyzeChannels, removeChannelClasses, scoreChannelClasses, selectChannelClasses } from './structured.js';

export interface LayerReport {
  name: string;
  opcode: string;
  granularity: string;
  targetSparsity: number;
  achievedSparsity: number;
  nonzeros: number;
  total: number;
  shape: number[];
  excluded: boolean;
  pinned: boolean;
}

export interface StageReport {
  stage: string;
  accuracy: number;
  epochs: number;
  seconds: number;
}

export interface PruneContext {
  train: Dataset;
  validation: Dataset;
  /** Learning rate the model was trained with (fine-tuning uses a fraction of it). */
  baseLearningRate: number;
  seed?: number;
  log?: (line: string) => void;
  /** Called after each fine-tuning epoch. */
  onEpoch?: (e: EpochLog) => void;
  /** Progress of fine-tuning (stage "fine-tune", one step per batch). */
  progress?: Progress;
}

export interface PruneOutcome {
  model: TrainableModel;
  graph: ModelGraph;
  layers: LayerReport[];
  stages: StageReport[];
  denseAccuracy: number;
  accuracy: number;
  fineTuneEpochs: number;
}

/** Element scores for every prunable weight (gradients only when the criterion needs them). */
export function layerScores(m: TrainableModel, plan: ResolvedPlan, data?: Dataset, seed = 1): Map<number, Float32Array> {
  const crit = criterionByName(plan.criterion);
  const grads = crit.needsGradients ? (data ? gradients(m, data, 8, 64, seed) : undefined) : undefined;
  if (crit.needsGradients && !grads) throw new TinypruneError('E_PRUNE', `the ${crit.name} criterion needs data`);
  const out = new Map<number, Float32Array>();
  for (const l of weightLayers(m.graph)) {
    const weights = paramValues(m, l.weight);
    out.set(l.weight, crit.score({ weights, ...(grads ? { grad: grads.get(l.weight)! } : {}) }));
  }
  return out;
}

/** Masks for every non-excluded, non-structured layer at `fraction` of its target sparsity. */
export function planMasks(m: TrainableModel, plan: ResolvedPlan, scores: Map<number, Float32Array>, fraction = 1): Map<number, Float32Array> {
  const active = plan.layers.filter((l) => !l.exclude && l.granularity.kind !== 'channel' && l.sparsity > 0);
  const sparsity = new Map<number, number>(active.map((l) => [l.weight, l.sparsity * fraction]));
  if (plan.scope === 'global') {
    const free = active.filter((l) => !l.pinned);
    const total = free.reduce((a, l) => a + scores.get(l.weight)!.length, 0);
    const target = free.reduce((a, l) => a + l.sparsity * scores.get(l.weight)!.length, 0) / Math.max(1, total);
    const per = globalSparsities(free.map((l) => scores.get(l.weight)!), target * fraction);
    free.forEach((l, i) => sparsity.set(l.weight, per[i]!));
  }
  const masks = new Map<number, Float32Array>();
  for (const l of active) {
    const shape = m.graph.tensors[l.weight]!.shape;
    const s = sparsity.get(l.weight)!;
    // N:M and patterns are all-or-nothing: apply them only once the schedule reaches them.
    if ((l.granularity.kind === 'n:m' || l.granularity.kind === 'pattern') && fraction < 1) {
      if (fraction < 0.5) continue;
    }
    masks.set(l.weight, computeMask(scores.get(l.weight)!, { opcode: l.opcode, shape }, l.granularity, s));
  }
  return masks;
}

export function applyPlanMasks(m: TrainableModel, masks: Map<number, Float32Array>): void {
  for (const [w, mask] of masks) setMask(m, w, mask);
}

/**
 * Physically removes the channels/neurons of the plan's channel-granularity layers (by the
 * plan's criterion) and returns the smaller float graph.
 */
export function removePlannedChannels(m: TrainableModel, plan: ResolvedPlan, scores: Map<number, Float32Array>): ModelGraph | undefined {
  const structured = plan.layers.filter((l) => !l.exclude && l.granularity.kind === 'channel' && l.sparsity > 0);
  if (structured.length === 0) return undefined;
  const g = toGraph(m);
  const analysis = analyzeChannels(g);
  const ratios = new Map(structured.map((l) => [l.op, l.sparsity]));
  const remove = selectChannelClasses(scoreChannelClasses(g, analysis, scores), ratios);
  return removeChannelClasses(g, analysis, remove);
}

export function layerReports(m: TrainableModel, plan: ResolvedPlan): LayerReport[] {
  const byName = new Map(plan.layers.map((l) => [l.name, l]));
  return weightLayers(m.graph).map((wl) => {
    const p = byName.get(wl.name);
    const v = paramValues(m, wl.weight);
    let nz = 0;
    for (const x of v) if (x !== 0) nz++;
    return {
      name: wl.name,
      opcode: wl.opcode,
      granularity: p ? granularityName(p.granularity) : 'element',
      targetSparsity: p && !p.exclude ? p.sparsity : 0,
      achievedSparsity: 1 - nz / v.length,
      nonzeros: nz,
      total: v.length,
      shape: [...m.graph.tensors[wl.weight]!.shape],
      excluded: p?.exclude ?? false,
      pinned: p?.pinned ?? false,
    };
  });
}

/** How each planned granularity acts on its layer where that differs from its name. */
export function planNotes(m: TrainableModel, plan: ResolvedPlan): string[] {
  const notes: string[] = [];
  for (const l of plan.layers) {
    if (l.exclude || l.sparsity === 0 || l.granularity.kind === 'channel') continue;
    const note = layoutNote({ opcode: l.opcode, shape: m.graph.tensors[l.weight]!.shape }, l.granularity);
    if (note) notes.push(`${l.name}: ${note}`);
  }
  return notes;
}

/**
 * Runs a plan's schedule (oneshot or agp) on a trainable model; returns the pruned model. The
 * model is pruned in place (unless channels are removed, which makes a new one).
 */
export function runPlan(start: TrainableModel, plan: ResolvedPlan, ctx: PruneContext): PruneOutcome {
  const log = ctx.log ?? (() => {});
  const stages: StageReport[] = [];
  const t0 = performance.now();
  const denseAccuracy = evaluate(start, ctx.validation);
  stages.push({ stage: 'dense', accuracy: denseAccuracy, epochs: 0, seconds: 0 });
  log(`dense: accuracy ${(denseAccuracy * 100).toFixed(2)}%`);
  for (const note of planNotes(start, plan)) log(`note: ${note}`);
  let m = start;
  let scores = layerScores(m, plan, ctx.train, ctx.seed);
  const smaller = removePlannedChannels(m, plan, scores);
  if (smaller) {
    m = createTrainable(smaller);
    // Plan entries refer to weight tensors by name; indices are unchanged by removal.
    const acc = evaluate(m, ctx.validation);
    stages.push({ stage: 'remove channels', accuracy: acc, epochs: 0, seconds: (performance.now() - t0) / 1000 });
    log(`channels removed: accuracy ${(acc * 100).toFixed(2)}%`);
    scores = layerScores(m, plan, ctx.train, ctx.seed);
  }
  const ft = plan.fineTune;
  const lr = ft.learningRate ?? ctx.baseLearningRate * ft.learningRateScale;
  let epochs = 0;
  if (plan.schedule.kind === 'oneshot') {
    applyPlanMasks(m, planMasks(m, plan, scores));
    const acc = evaluate(m, ctx.validation);
    stages.push({ stage: 'prune (one-shot)', accuracy: acc, epochs: 0, seconds: (performance.now() - t0) / 1000 });
    log(`pruned one-shot: accuracy ${(acc * 100).toFixed(2)}% before fine-tuning`);
    if (ft.epochs > 0) {
      const r = train(m, ctx.train, { epochs: ft.epochs, learningRate: lr, batchSize: ft.batchSize, seed: ctx.seed ?? 1, validation: ctx.validation, patience: ft.patience, ...(ctx.onEpoch ? { onEpoch: ctx.onEpoch } : {}), progress: ctx.progress, progressStage: 'fine-tune' });
      epochs = r.epochs;
    }
  } else if (plan.schedule.kind === 'agp') {
    const stepsPerEpoch = Math.ceil(ctx.train.y.length / ft.batchSize);
    const totalSteps = stepsPerEpoch * ft.epochs;
    const endStep = Math.max(1, Math.round(totalSteps * (plan.schedule.pruneFraction ?? 0.6)));
    const at = new Set(agpSteps(0, endStep, plan.schedule.pruneSteps ?? 10));
    const initial = plan.schedule.initialSparsity ?? 0;
    const pruneAt = (step: number): void => {
      const maxS = Math.max(...plan.layers.map((l) => l.sparsity), 1e-9);
      const s = agpSparsity(step, { initial, final: maxS, startStep: 0, endStep });
      applyPlanMasks(m, planMasks(m, plan, layerScores(m, plan, ctx.train, ctx.seed), s / maxS));
    };
    pruneAt(0);
    // No early stopping while the schedule still prunes (accuracy dips by design); among the
    // epochs at the final sparsity, the best on validation is kept.
    const r = train(m, ctx.train, {
      bestAfterStep: endStep,
      epochs: ft.epochs,
      learningRate: lr,
      batchSize: ft.batchSize,
      seed: ctx.seed ?? 1,
      validation: ctx.validation,
      onStep: (step) => {
        if (at.has(step)) pruneAt(step);
      },
      ...(ctx.onEpoch ? { onEpoch: ctx.onEpoch } : {}),
      progress: ctx.progress,
      progressStage: 'fine-tune',
    });
    pruneAt(endStep); // make sure the final sparsity holds exactly
    epochs = r.epochs;
  } else {
    throw new TinypruneError('E_USAGE', `schedule '${plan.schedule.kind}' needs the initial weights: use lotteryTicket()`);
  }
  const accuracy = evaluate(m, ctx.validation);
  stages.push({ stage: `fine-tune (${plan.schedule.kind})`, accuracy, epochs, seconds: (performance.now() - t0) / 1000 });
  log(`fine-tuned: accuracy ${(accuracy * 100).toFixed(2)}% after ${epochs} epoch(s)`);
  return { model: m, graph: toGraph(m), layers: layerReports(m, plan), stages, denseAccuracy, accuracy, fineTuneEpochs: epochs };
}

export interface LotteryOptions {
  epochs: number;
  learningRate: number;
  batchSize?: number;
  seed: number;
  /** Rewind to the weights after this many steps (0 = initialisation). */
  rewindStep?: number;
  /** Iterative magnitude pruning rounds (each prunes the same fraction of what is left). */
  rounds?: number;
  /** Seed for the random re-initialisation control. */
  controlSeed?: number;
  log?: (line: string) => void;
}

export interface LotteryOutcome {
  denseAccuracy: number;
  ticketAccuracy: number;
  randomReinitAccuracy: number;
  sparsity: number;
  epochs: number;
}

/**
 * Lottery-ticket rewinding (Frankle & Carbin 2019; late rewinding, Frankle et al. 2020):
 * train dense, prune by magnitude, rewind the survivors to their values at `rewindStep`, and
 * retrain with the mask fixed. The control re-initialises the same mask randomly.
 */
export function lotteryTicket(init: ModelGraph, reinit: ModelGraph, plan: ResolvedPlan, data: { train: Dataset; validation: Dataset }, o: LotteryOptions): LotteryOutcome {
  const log = o.log ?? (() => {});
  const m = createTrainable(init);
  let rewind = snapshot(m);
  const rewindStep = o.rewindStep ?? 0;
  const rounds = o.rounds ?? 1;
  const trainOpts = { epochs: o.epochs, learningRate: o.learningRate, batchSize: o.batchSize ?? 64, seed: o.seed };
  let masks = new Map<number, Float32Array>();
  let dense = 0;
  for (let round = 1; round <= rounds; round++) {
    train(m, data.train, {
      ...trainOpts,
      onStep: (s) => {
        if (round === 1 && s === rewindStep) rewind = snapshot(m);
      },
    });
    if (round === 1) dense = evaluate(m, data.validation);
    // Per-round target: s_r = 1 − (1 − s)^(r/R).
    const roundPlan: ResolvedPlan = { ...plan, layers: plan.layers.map((l) => ({ ...l, sparsity: 1 - (1 - l.sparsity) ** (round / rounds) })) };
    masks = planMasks(m, roundPlan, layerScores(m, roundPlan));
    log(`LTH round ${round}/${rounds}: dense ${(dense * 100).toFixed(2)}%, pruned to ${(roundPlan.layers.map((l) => l.sparsity).reduce((a, b) => Math.max(a, b), 0) * 100).toFixed(1)}%`);
    clearMasks(m);
    restore(m, rewind);
    applyPlanMasks(m, masks);
  }
  train(m, data.train, trainOpts);
  const ticket = evaluate(m, data.validation);
  disposeTrainable(m);
  const c = createTrainable(reinit);
  applyPlanMasks(c, masks);
  train(c, data.train, trainOpts);
  const control = evaluate(c, data.validation);
  let zeros = 0;
  let total = 0;
  for (const mask of masks.values()) {
    total += mask.length;
    zeros += maskSparsity(mask) * mask.length;
  }
  disposeTrainable(c);
  log(`LTH: ticket ${(ticket * 100).toFixed(2)}%, random re-init ${(control * 100).toFixed(2)}%`);
  return { denseAccuracy: dense, ticketAccuracy: ticket, randomReinitAccuracy: control, sparsity: total ? zeros / total : 0, epochs: o.epochs };
}
