/**
 * The solver's inputs built from a real model (the bundled digits DS-CNN): the RAM model's
 * dense peak equals the arena planner's live-set bound, channel options shrink the peak the
 * way a channel-pruned model's arena does, and candidate bytes are the format chooser's.
 */
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { lowerModel } from '../../src/codegen/lower.js';
import { layerCandidates } from '../../src/pipeline/candidates.js';
import { ramPoints } from '../../src/pipeline/ram.js';
import { pruneWithoutData } from '../../src/pipeline/accuracy.js';
import { chooseFormats } from '../../src/sparse/plan.js';
import { readTfliteFile } from '../../src/tflite/index.js';
import { REPO_ROOT } from '../helpers/shared.js';

const g0 = readTfliteFile(path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite')).graph;

function peak(points: ReturnType<typeof ramPoints>, channels: (layer: number) => number): number {
  return Math.max(...points.map((p) => p.constant + p.terms.reduce((s, t) => s + t.bytesPerChannel * channels(t.layer), 0)));
}

describe('pipeline model inputs on the digits DS-CNN', () => {
  // Solver layers: every CONV_2D / FULLY_CONNECTED (depthwise follow their producer).
  const layerOps = g0.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.opcode === 'CONV_2D' || op.opcode === 'FULLY_CONNECTED').map(({ i }) => i);
  const layerOf = new Map(layerOps.map((op, k) => [op, k]));
  const outChannels = layerOps.map((op) => g0.tensors[g0.ops[op]!.inputs[1]!]!.shape[0]!);

  // The RAM model does not count in-place layers (src/pipeline/ram.ts): it is the live-set
  // bound of the plan without them, and above the arena the planner makes with them.
  it("dense: the RAM model's peak is the arena planner's live-set bound without in-place layers", () => {
    const points = ramPoints(g0, layerOf);
    const plan = lowerModel(g0, { prefix: 'tp_model', source: 'm', alignment: 1, inPlace: false });
    expect(peak(points, (l) => outChannels[l]!)).toBe(plan.arena.lowerBound);
    expect(lowerModel(g0, { prefix: 'tp_model', source: 'm', alignment: 1 }).arena.bytes).toBeLessThan(plan.arena.lowerBound);
  });

  it('channel-pruning conv1 to half: the predicted peak is the pruned model’s arena bound', () => {
    const points = ramPoints(g0, layerOf);
    const conv1 = g0.tensors[g0.ops[layerOps[0]!]!.inputs[1]!]!.name;
    const pruned = pruneWithoutData(g0, { layers: { [conv1]: { granularity: 'channel', sparsity: 0.5 } } }).graph;
    const plan = lowerModel(pruned, { prefix: 'tp_model', source: 'm', alignment: 1, inPlace: false });
    expect(peak(points, (l) => (l === 0 ? outChannels[0]! / 2 : outChannels[l]!))).toBe(plan.arena.lowerBound);
  });

  it('candidates: the dense option comes first with the chooser’s bytes; channel options keep ≥ 1 channel and shrink', () => {
    const c = layerCandidates(g0, 'dsp', { granularities: ['element', 'channel'], ratios: [0, 0.5, 0.9] }, { only: new Set(['conv1/weights', 'pw2/weights']) });
    const dense = chooseFormats(g0, { family: 'dsp', objective: 'balanced' });
    for (const l of c) {
      const d = l.options.find((o) => o.sparsity === 0 && o.format === 'dense')!;
      expect(d.bytes).toBe(dense.get(l.op)!.dense.bytes);
      const ch = l.options.filter((o) => o.granularity === 'channel');
      expect(ch.length).toBeGreaterThan(0);
      for (const o of ch) expect(o.outChannels).toBeLessThan(l.outChannels);
      for (const o of l.options) expect(o.removedEnergy).toBeGreaterThanOrEqual(0);
      // Removed rows: a smaller dense layer (kept rows x columns + bias), fewer instructions.
      for (const o of ch) {
        expect(o.format).toBe('channel');
        expect(o.bytes).toBeLessThan(d.bytes);
        expect(o.instructions!).toBeLessThan(d.instructions!);
      }
    }
    // conv1's channels also shrink pw2's input: at half the channels, more than conv1's own half is saved.
    const conv1 = c.find((l) => l.name === 'conv1/weights')!;
    const half = conv1.options.find((o) => o.granularity === 'channel' && o.sparsity === 0.5)!;
    const dense1 = conv1.options.find((o) => o.sparsity === 0)!;
    expect(half.instructions!).toBeLessThan(dense1.instructions! * 0.6);
  });
});
