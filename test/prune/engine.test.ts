import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/train/backend.js';
import { createTrainable, disposeTrainable, paramValues } from '../../src/train/view.js';
import { tinyDigitsCnn } from '../../src/train/models.js';
import { train } from '../../src/train/train.js';
import { resolvePlan } from '../../src/prune/plan.js';
import { lotteryTicket, runPlan } from '../../src/prune/engine.js';
import { agpSparsity } from '../../src/prune/schedule.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { TinypruneError } from '../../src/errors.js';
import { splitDataset } from '../../src/data/dataset.js';
import { quadrants } from '../train/quadrants.js';

await initBackend('wasm');
const [trainSet, valSet] = splitDataset(quadrants(384, 3), { first: 256, seed: 1 });

function trained(seed = 1): ReturnType<typeof createTrainable> {
  const m = createTrainable(tinyDigitsCnn(seed));
  train(m, trainSet, { epochs: 3, learningRate: 3e-3, batchSize: 32, seed });
  return m;
}

describe('AGP schedule', () => {
  it('is cubic: fast first, flat at the end', () => {
    const o = { initial: 0, final: 0.9, startStep: 0, endStep: 100 };
    expect(agpSparsity(0, o)).toBe(0);
    expect(agpSparsity(50, o)).toBeCloseTo(0.9 * (1 - 0.125));
    expect(agpSparsity(100, o)).toBe(0.9);
    expect(agpSparsity(200, o)).toBe(0.9);
  });
});

describe('pruning engine', () => {
  it('one-shot: reaches the target per layer, excluded layers stay dense, masks survive fine-tuning', () => {
    const m = trained();
    const plan = resolvePlan(m.graph, { sparsity: 0.8, layers: { 'conv1/weights': { exclude: true }, 'fc6/weights': { granularity: '2:4' } }, fineTune: { epochs: 2, batchSize: 32 } });
    const out = runPlan(m, plan, { train: trainSet, validation: valSet, baseLearningRate: 3e-3 });
    const by = new Map(out.layers.map((l) => [l.name, l]));
    expect(by.get('conv1/weights')!.achievedSparsity).toBe(0);
    expect(by.get('fc6/weights')!.achievedSparsity).toBeCloseTo(0.5, 2);
    expect(by.get('fc7/weights')!.achievedSparsity).toBeCloseTo(0.8, 2);
    expect(out.stages.map((s) => s.stage)).toEqual(['dense', 'prune (one-shot)', 'fine-tune (oneshot)']);
    expect(out.accuracy).toBeGreaterThan(0.5);
    verifyGraph(out.graph);
    disposeTrainable(out.model);
  });

  it('AGP: ends at the target sparsity', () => {
    const m = trained();
    const plan = resolvePlan(m.graph, { sparsity: 0.7, schedule: { kind: 'agp', pruneSteps: 4 }, fineTune: { epochs: 2, batchSize: 32 } });
    const out = runPlan(m, plan, { train: trainSet, validation: valSet, baseLearningRate: 3e-3 });
    for (const l of out.layers) expect(l.achievedSparsity).toBeCloseTo(0.7, 1);
    disposeTrainable(out.model);
  });

  it('channel granularity physically shrinks the layer and its consumers', () => {
    const m = trained();
    const plan = resolvePlan(m.graph, { layers: { 'fc6/weights': { granularity: 'neuron', sparsity: 0.5 }, 'conv1/weights': { granularity: 'channel', sparsity: 0.25 } }, fineTune: { epochs: 1, batchSize: 32 } });
    const out = runPlan(m, plan, { train: trainSet, validation: valSet, baseLearningRate: 3e-3 });
    const by = new Map(out.layers.map((l) => [l.name, l]));
    expect(by.get('fc6/weights')!.shape).toEqual([16, 96]); // 32 → 16 neurons; conv1 8 → 6 channels × 16 positions
    expect(by.get('fc7/weights')!.shape).toEqual([10, 16]);
    expect(by.get('conv1/weights')!.shape).toEqual([6, 3, 3, 1]);
    expect(by.get('pw3/weights')!.shape).toEqual([6, 1, 1, 6]); // coupled through the ADD
    verifyGraph(out.graph);
    disposeTrainable(out.model);
  });

  it('Taylor criterion runs on gradients; plans naming unknown layers are rejected', () => {
    const m = trained();
    const plan = resolvePlan(m.graph, { criterion: 'taylor', sparsity: 0.5, fineTune: { epochs: 0 } });
    const out = runPlan(m, plan, { train: trainSet, validation: valSet, baseLearningRate: 3e-3 });
    const w = paramValues(out.model, out.model.graph.tensors.findIndex((t) => t.name === 'fc6/weights'));
    expect(w.filter((v) => v === 0).length).toBe(Math.round(0.5 * w.length));
    expect(() => resolvePlan(m.graph, { layers: { nope: { sparsity: 0.5 } } })).toThrow(TinypruneError);
    disposeTrainable(out.model);
  });

  it('lottery ticket: rewinds, retrains with the mask fixed, and runs the random re-init control', () => {
    const plan = resolvePlan(tinyDigitsCnn(1), { sparsity: 0.8 });
    const r = lotteryTicket(tinyDigitsCnn(1), tinyDigitsCnn(99), plan, { train: trainSet, validation: valSet }, { epochs: 2, learningRate: 3e-3, batchSize: 32, seed: 1, rewindStep: 2 });
    expect(r.sparsity).toBeCloseTo(0.8, 2);
    expect(r.ticketAccuracy).toBeGreaterThan(0);
    expect(r.randomReinitAccuracy).toBeGreaterThan(0);
  });
});
