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
import type { ModelGraph } from '../../src/ir/graph.js';
import { hasShared, REPO_ROOT, warnIfNoShared } from '../helpers/shared.js';

const g0 = readTfliteFile(path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite')).graph;

function peak(points: ReturnType<typeof ramPoints>, channels: (layer: number) => number): number {
  return Math.max(...points.map((p) => p.constant + p.terms.reduce((s, t) => s + t.bytesPerChannel * channels(t.layer), 0)));
}

/** Dense solver layers of a graph: every CONV_2D / FULLY_CONNECTED (depthwise follow their producer). */
function solverLayers(g: ModelGraph): { layerOf: Map<number, number>; outChannels: number[] } {
  const ops = g.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.opcode === 'CONV_2D' || op.opcode === 'FULLY_CONNECTED').map(({ i }) => i);
  return { layerOf: new Map(ops.map((op, k) => [op, k])), outChannels: ops.map((op) => g.tensors[g.ops[op]!.inputs[1]!]!.shape[0]!) };
}

describe.skipIf(!hasShared)('RAM model = the built arena (issue #14: the solver uses the build’s in-place planner)', () => {
  warnIfNoShared('RAM model against the built arena');
  it.each([
    'examples/digits-dscnn/model.tflite',
    'examples/mnist-dscnn/model.tflite',
    'examples/mnist-mlp/model.tflite',
    '../shared/models/mlperf-tiny/kws/kws_ref_model.tflite',
    '../shared/models/mlperf-tiny/ic/pretrainedResnet_quant.tflite',
    '../shared/models/tflite-micro/person_detection/person_detect.tflite',
    '../shared/models/tflite-micro/micro_speech/micro_speech_quantized.tflite',
    '../shared/models/tflite-micro/hello_world/hello_world_int8.tflite',
  ])('%s: the dense prediction is the built arena', (file) => {
    const g = readTfliteFile(path.join(REPO_ROOT, file)).graph;
    const { layerOf, outChannels } = solverLayers(g);
    expect(Math.round(peak(ramPoints(g, layerOf), (l) => outChannels[l]!))).toBe(lowerModel(g, { prefix: 'tp_model', source: 'm' }).arena.bytes);
  });
});

describe('pipeline model inputs on the digits DS-CNN', () => {
  // Solver layers: every CONV_2D / FULLY_CONNECTED (depthwise follow their producer).
  const layerOps = g0.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.opcode === 'CONV_2D' || op.opcode === 'FULLY_CONNECTED').map(({ i }) => i);
  const layerOf = new Map(layerOps.map((op, k) => [op, k]));
  const outChannels = layerOps.map((op) => g0.tensors[g0.ops[op]!.inputs[1]!]!.shape[0]!);

  // The RAM model asks the build's arena planner (in-place layers included, src/pipeline/ram.ts).
  it("dense: the RAM model's peak is the arena the build plans", () => {
    const points = ramPoints(g0, layerOf);
    expect(Math.round(peak(points, (l) => outChannels[l]!))).toBe(lowerModel(g0, { prefix: 'tp_model', source: 'm' }).arena.bytes);
    // Without in-place layers the planner would need more: the model counts the overlaps.
    expect(lowerModel(g0, { prefix: 'tp_model', source: 'm', inPlace: false }).arena.bytes).toBeGreaterThan(peak(points, (l) => outChannels[l]!));
  });

  it('channel-pruning conv1: the predicted peak is the pruned model’s arena, or above it (never below)', () => {
    const points = ramPoints(g0, layerOf);
    const conv1 = g0.tensors[g0.ops[layerOps[0]!]!.inputs[1]!]!.name;
    for (const [sparsity, over] of [
      [0.75, 0],
      [0.5, 0],
      [0.25, 0],
    ] as const) {
      const pruned = pruneWithoutData(g0, { layers: { [conv1]: { granularity: 'channel', sparsity } } }).graph;
      const built = lowerModel(pruned, { prefix: 'tp_model', source: 'm' }).arena.bytes;
      const kept = outChannels[0]! * (1 - sparsity);
      expect(Math.round(peak(points, (l) => (l === 0 ? kept : outChannels[l]!))) - built).toBe(over);
    }
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
    // conv1's channels also shrink pw2's input: pw2 is priced by the pair (test/pipeline/pairs.test.ts).
    const conv1 = c.find((l) => l.name === 'conv1/weights')!;
    const pw2 = c.find((l) => l.name === 'pw2/weights')!;
    const half = conv1.options.find((o) => o.granularity === 'channel' && o.outChannels === 8)!;
    expect(pw2.inputOwner).toBe(conv1.op);
    const row = pw2.byInputChannels!.find((r) => r.kept === half.outChannels)!;
    const pw2Dense = pw2.options.findIndex((o) => o.sparsity === 0 && o.format === 'dense');
    expect(row.costs[pw2Dense]!.instructions!).toBeLessThan(pw2.options[pw2Dense]!.instructions!);
    expect(row.costs[pw2Dense]!.bytes).toBe(8 * 32 + 32 * 4); // 32 rows of 8 inputs, int32 biases
    // The depthwise layer on conv1's channels is priced with conv1, at its channel count.
    expect(half.followers!.bytes).toBeLessThan(conv1.options[0]!.followers!.bytes);
  });
});
