import { describe, expect, it } from 'vitest';
import { analyzeChannels, removeChannelClasses, removeWeakestChannels, scoreChannelClasses, selectChannelClasses, zeroChannelClasses } from '../../src/prune/structured.js';
import { tinyDigitsCnn, lenet5 } from '../../src/train/models.js';
import { interpret } from '../../src/interp/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { l1 } from '../../src/prune/criteria.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { DTYPE_BYTES, tensorBytes } from '../../src/ir/graph.js';
import { floatData } from '../../src/train/tensor_data.js';
import { Prng } from '../../src/util/prng.js';
import { hasShared, REPO_ROOT, sharedPath, warnIfNoShared } from '../helpers/shared.js';
import path from 'node:path';

function zeroSlice(g: ModelGraph, t: number | undefined, axis: number, index: number): void {
  if (t === undefined || t < 0) return;
  const tensor = g.tensors[t]!;
  const bpe = DTYPE_BYTES[tensor.dtype];
  const outer = tensor.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = tensor.shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bpe;
  for (let o = 0; o < outer; o++) tensor.data!.fill(0, (o * tensor.shape[axis]! + index) * inner, (o * tensor.shape[axis]! + index + 1) * inner);
}

/** Zeroes the filters and biases of `count` prunable classes, picked with a seed. */
function zeroSomeClasses(g: ModelGraph, count: number, seed: number): Set<number> {
  const a = analyzeChannels(g);
  const prunable = a.classes.filter((c) => c.prunable);
  const r = new Prng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(count, prunable.length)) picked.add(prunable[r.int(0, prunable.length - 1)]!.id);
  for (const id of picked) {
    const c = a.classes[id]!;
    for (const p of c.producers) {
      zeroSlice(g, g.ops[p.op]!.inputs[1], 0, p.channel);
      zeroSlice(g, g.ops[p.op]!.inputs[2], 0, p.channel);
    }
    for (const p of c.passThrough) zeroSlice(g, g.ops[p.op]!.inputs[2], 0, p.channel);
  }
  return picked;
}

function randomInput(g: ModelGraph, seed: number): Uint8Array {
  const t = g.tensors[g.inputs[0]!]!;
  const r = new Prng(seed);
  const bytes = new Uint8Array(tensorBytes(t));
  if (t.dtype === 'float32') {
    const f = new Float32Array(bytes.buffer);
    for (let i = 0; i < f.length; i++) f[i] = r.next();
  } else for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(0, 255);
  return bytes;
}

const weightCount = (g: ModelGraph): number => g.tensors.filter((t) => t.data && t.shape.length > 1).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);

function checkZeroRemovalExact(g: ModelGraph, count: number): ModelGraph {
  const picked = zeroSomeClasses(g, count, 5);
  const a = analyzeChannels(g);
  const zero = zeroChannelClasses(g, a);
  for (const id of picked) expect(zero.has(id)).toBe(true);
  const smaller = removeChannelClasses(g, a, zero);
  verifyGraph(smaller);
  expect(weightCount(smaller)).toBeLessThan(weightCount(g));
  for (const seed of [1, 2]) {
    const x = randomInput(g, seed);
    expect(interpret(smaller, [x]).outputs).toEqual(interpret(g, [x]).outputs);
  }
  return smaller;
}

describe('channel analysis', () => {
  it('couples conv1 and the pointwise conv through the residual ADD, through the depthwise', () => {
    const g = tinyDigitsCnn(1);
    const a = analyzeChannels(g);
    const conv1 = g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === 'conv1');
    const pw = g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === 'pw3');
    const dw = g.ops.findIndex((o) => o.opcode === 'DEPTHWISE_CONV_2D');
    const c = a.classes.find((k) => k.producers.some((p) => p.op === conv1 && p.channel === 3))!;
    expect(c.prunable).toBe(true);
    expect(c.producers.map((p) => p.op).sort()).toEqual([conv1, pw].sort());
    expect(c.passThrough).toEqual([{ op: dw, channel: 3 }]);
    // pw3 consumes dw's channel 3; fc6 consumes the 16 flattened features of channel 3.
    expect(c.consumers.filter((k) => k.op === pw)).toHaveLength(1);
    const fc6 = g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === 'fc6');
    expect(c.consumers.filter((k) => k.op === fc6)).toHaveLength(16);
    // The logits layer's neurons are pinned (graph output via SOFTMAX).
    const fc7 = g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === 'fc7');
    expect(a.classes.filter((k) => k.producers.some((p) => p.op === fc7)).every((k) => !k.prunable)).toBe(true);
  });

  it('removes L1-weakest channels and neurons consistently (LeNet-5: conv → flatten → FC)', () => {
    const g = lenet5(1);
    const a = analyzeChannels(g);
    const elem = new Map(g.tensors.flatMap((t, i) => (t.data && t.dtype === 'float32' ? [[i, l1.score({ weights: floatData(t) })] as const] : [])));
    const ratios = new Map(g.ops.flatMap((o, i) => (o.opcode === 'CONV_2D' || o.opcode === 'FULLY_CONNECTED' ? [[i, 0.5] as const] : [])));
    const remove = selectChannelClasses(scoreChannelClasses(g, a, elem), ratios);
    const smaller = removeChannelClasses(g, a, remove);
    verifyGraph(smaller);
    const shapes = smaller.tensors.filter((t) => t.name.endsWith('/weights')).map((t) => t.shape);
    expect(shapes).toEqual([[10, 5, 5, 1], [25, 5, 5, 10], [250, 400], [10, 250]]);
    expect(interpret(smaller, [randomInput(smaller, 1)]).outputs[0]!.length).toBe(40);
  });

  it('removing all-zero channels leaves outputs unchanged (float: residual ADD and depthwise)', () => {
    checkZeroRemovalExact(tinyDigitsCnn(2), 3);
    checkZeroRemovalExact(lenet5(3), 20);
  });
});

describe.skipIf(!hasShared)('channel pruning of shared int8 models', () => {
  warnIfNoShared('channel pruning of IC ResNet / person_detect');
  for (const [name, path] of [
    ['IC ResNet (residual ADDs)', 'models/mlperf-tiny/ic/pretrainedResnet_quant.tflite'],
    ['person_detect (MobileNet: conv → depthwise → conv)', 'models/tflite-micro/person_detection/person_detect.tflite'],
  ] as const) {
    it(`${name}: zero channels removed exactly; L1 pruning gives a valid smaller model`, () => {
      const g = readTfliteFile(sharedPath(path)).graph;
      const a0 = analyzeChannels(g);
      expect(a0.classes.filter((c) => c.prunable).length).toBeGreaterThan(10);
      checkZeroRemovalExact(readTfliteFile(sharedPath(path)).graph, 6);
      const elem = new Map(g.tensors.flatMap((t, i) => (t.data && t.shape.length > 1 ? [[i, l1.score({ weights: floatData(t) })] as const] : [])));
      const ratios = new Map(g.ops.flatMap((o, i) => (o.opcode === 'CONV_2D' ? [[i, 0.25] as const] : [])));
      const smaller = removeChannelClasses(g, a0, selectChannelClasses(scoreChannelClasses(g, a0, elem), ratios));
      verifyGraph(smaller);
      expect(weightCount(smaller)).toBeLessThan(0.9 * weightCount(g));
      const out = interpret(smaller, [randomInput(smaller, 3)]).outputs[0]!;
      expect(out.length).toBe(tensorBytes(g.tensors[g.outputs[0]!]!));
    });
  }
});

describe('removeWeakestChannels (no data)', () => {
  it('digits-dscnn, every layer at half: physically smaller layers, consumers shrunk, verified graph, the logits kept', () => {
    const g = readTfliteFile(path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite')).graph;
    const weighted = g.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.opcode === 'CONV_2D' || op.opcode === 'FULLY_CONNECTED');
    const ratios = new Map(weighted.map(({ i }) => [i, 0.5]));
    const out = removeWeakestChannels(g, ratios);
    verifyGraph(out);
    const w = (gr: ModelGraph, i: number): number[] => gr.tensors[gr.ops[i]!.inputs[1]!]!.shape;
    const conv1 = weighted[0]!.i;
    expect(w(out, conv1)[0]).toBe(w(g, conv1)[0]! / 2);
    // The next convolution reads half the input channels.
    expect(w(out, weighted[1]!.i)[3]).toBe(w(g, weighted[1]!.i)[3]! / 2);
    // The model's output (the last layer's neurons) is untouched.
    const last = weighted.at(-1)!.i;
    expect(w(out, last)[0]).toBe(w(g, last)[0]);
    expect(tensorBytes(out.tensors[out.ops[conv1]!.inputs[1]!]!)).toBeLessThan(tensorBytes(g.tensors[g.ops[conv1]!.inputs[1]!]!));
    // Nothing to remove: the same graph.
    expect(removeWeakestChannels(g, new Map())).toBe(g);
  });
});
