/**
 * Dependency groups (src/prune/groups.ts) on small float graphs built in code — a residual
 * block (ADD), a concatenation after a depthwise conv with multiplier 2, pads/pools/flatten —
 * and on the real MLPerf Tiny IC ResNet. Removing a group must equal zeroing its filters in the
 * original graph: the interpreter's outputs are compared exactly.
 */
import { describe, expect, it } from 'vitest';
import { dependencyGroups, groupImportance, type DependencyGroups } from '../../src/prune/groups.js';
import { analyzeChannels, removeChannelClasses, selectChannelClasses } from '../../src/prune/structured.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { interpret } from '../../src/interp/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { cloneGraph, f32Bytes, floatData } from '../../src/train/tensor_data.js';
import { Prng } from '../../src/util/prng.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

const CONV = { strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'NONE' };

class Net {
  readonly b = new GraphBuilder('dependency-group test graph');
  private readonly rng: Prng;
  constructor(seed: number) {
    this.rng = new Prng(seed);
  }
  private w(name: string, shape: number[]): number {
    const n = shape.reduce((a, c) => a * c, 1);
    return this.b.tensor(name, shape, 'float32', undefined, f32Bytes(Float32Array.from({ length: n }, () => this.rng.next() * 2 - 1)));
  }
  act(name: string, shape: number[]): number {
    return this.b.tensor(name, shape, 'float32');
  }
  conv(name: string, x: number, hw: number, cin: number, cout: number, k: number): number {
    const y = this.act(name, [1, hw, hw, cout]);
    this.b.op('CONV_2D', [x, this.w(`${name}/w`, [cout, k, k, cin]), this.w(`${name}/b`, [cout])], [y], 'Conv2DOptions', { padding: 'SAME', ...CONV });
    return y;
  }
  depthwise(name: string, x: number, hw: number, cin: number, m: number): number {
    const y = this.act(name, [1, hw, hw, cin * m]);
    this.b.op('DEPTHWISE_CONV_2D', [x, this.w(`${name}/w`, [1, 3, 3, cin * m]), this.w(`${name}/b`, [cin * m])], [y], 'DepthwiseConv2DOptions', { padding: 'SAME', depthMultiplier: m, ...CONV });
    return y;
  }
  fc(name: string, x: number, inF: number, outF: number): number {
    const y = this.act(name, [1, outF]);
    this.b.op('FULLY_CONNECTED', [x, this.w(`${name}/w`, [outF, inF]), this.w(`${name}/b`, [outF])], [y], 'FullyConnectedOptions', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false });
    return y;
  }
}

/** x → A(3→8) → a; B(a, 1x1) → b; s = a + b; PAD (spatial only); C(1x1, 8→4) → output. */
function residualGraph(): ModelGraph {
  const n = new Net(7);
  const x = n.b.input('x', [1, 6, 6, 3], 'float32');
  const a = n.conv('A', x, 6, 3, 8, 3);
  const b = n.conv('B', a, 6, 8, 8, 1);
  const s = n.act('s', [1, 6, 6, 8]);
  n.b.op('ADD', [a, b], [s], 'AddOptions', { fusedActivationFunction: 'NONE' });
  const p = n.act('p', [1, 8, 8, 8]);
  n.b.op('PAD', [s, n.b.constInt32('pads', [4, 2], Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]))], [p], 'PadOptions', {});
  n.b.markOutput(n.conv('C', p, 8, 8, 4, 1));
  return n.b.build();
}

/** x → A(2→3) → DW(×2) → d (6); x → B(2→4) → b; k = concat(d, b) (10); pool; flatten (90); FC → 5. */
function concatGraph(): ModelGraph {
  const n = new Net(9);
  const x = n.b.input('x', [1, 6, 6, 2], 'float32');
  const d = n.depthwise('DW', n.conv('A', x, 6, 2, 3, 3), 6, 3, 2);
  const b = n.conv('B', x, 6, 2, 4, 3);
  const k = n.act('k', [1, 6, 6, 10]);
  n.b.op('CONCATENATION', [d, b], [k], 'ConcatenationOptions', { axis: 3, fusedActivationFunction: 'NONE' });
  const m = n.act('m', [1, 3, 3, 10]);
  n.b.op('MAX_POOL_2D', [k], [m], 'Pool2DOptions', { padding: 'VALID', strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2, fusedActivationFunction: 'NONE' });
  const f = n.act('flat', [1, 90]);
  n.b.op('RESHAPE', [m, n.b.constInt32('flat/shape', [2], Int32Array.from([1, 90]))], [f], 'ReshapeOptions', { newShape: [1, 90] });
  n.b.markOutput(n.fc('FC', f, 90, 5));
  return n.b.build();
}

const opOf = (g: ModelGraph, name: string): number => g.ops.findIndex((o) => g.tensors[o.outputs[0]!]!.name === name);
const tensorOf = (g: ModelGraph, name: string): number => g.tensors.findIndex((t) => t.name === name);
const groupOf = (g: ModelGraph, dg: DependencyGroups, op: string, channel: number) => dg.groups.find((c) => c.producers.some((p) => p.op === opOf(g, op) && p.channel === channel))!;
const slotsOf = (g: ModelGraph, grp: { slots: { tensor: number; channel: number }[] }, name: string): number[] => grp.slots.filter((s) => s.tensor === tensorOf(g, name)).map((s) => s.channel);

/** The graph with the filters (and biases, depthwise biases) of `remove` set to zero. */
function zeroGroups(g: ModelGraph, dg: DependencyGroups, remove: Set<number>): ModelGraph {
  const out = cloneGraph(g);
  const zero = (t: number, row: number): void => {
    const v = floatData(out.tensors[t]!);
    const per = v.length / out.tensors[t]!.shape[0]!;
    v.fill(0, row * per, (row + 1) * per);
    out.tensors[t] = { ...out.tensors[t]!, data: f32Bytes(v) };
  };
  const zeroColumn = (t: number, c: number): void => {
    const v = floatData(out.tensors[t]!);
    const n = out.tensors[t]!.shape[3]!;
    for (let i = c; i < v.length; i += n) v[i] = 0;
    out.tensors[t] = { ...out.tensors[t]!, data: f32Bytes(v) };
  };
  for (const id of remove) {
    for (const p of dg.groups[id]!.producers) [1, 2].forEach((k) => zero(g.ops[p.op]!.inputs[k]!, p.channel));
    for (const p of dg.groups[id]!.passThrough) {
      zeroColumn(g.ops[p.op]!.inputs[1]!, p.channel);
      zero(g.ops[p.op]!.inputs[2]!, p.channel);
    }
  }
  return out;
}

function input(g: ModelGraph, seed: number): Uint8Array {
  const r = new Prng(seed);
  const n = g.tensors[g.inputs[0]!]!.shape.reduce((a, c) => a * c, 1);
  return f32Bytes(Float32Array.from({ length: n }, () => r.next() * 2 - 1));
}

/** Removes half of each layer's groups (lowest summed L1) and checks it equals zeroing them. */
function pruneHalfExactly(g: ModelGraph): ModelGraph {
  const dg = dependencyGroups(g);
  const elem = new Map(g.tensors.flatMap((t, i) => (t.data && t.dtype === 'float32' && t.shape.length > 1 ? [[i, floatData(t).map(Math.abs)] as const] : [])));
  const ratios = new Map(g.ops.map((_, i) => [i, 0.5] as const));
  const remove = selectChannelClasses(groupImportance(g, dg, elem).map((s) => ({ classId: s.group, owner: s.owner, score: s.score })), ratios);
  expect(remove.size).toBeGreaterThan(0);
  const smaller = removeChannelClasses(g, analyzeChannels(g), remove);
  verifyGraph(smaller);
  const zeroed = zeroGroups(g, dg, remove);
  for (const seed of [1, 2, 3]) expect(interpret(smaller, [input(g, seed)]).outputs).toEqual(interpret(zeroed, [input(g, seed)]).outputs);
  return smaller;
}

describe('dependency groups', () => {
  it('a residual ADD ties the channels of both branches, the sum and the padded sum', () => {
    const g = residualGraph();
    const dg = dependencyGroups(g);
    const [A, B, C] = ['A', 'B', 'C'].map((n) => opOf(g, n));
    for (let c = 0; c < 8; c++) {
      const grp = groupOf(g, dg, 'A', c);
      expect(grp.prunable).toBe(true);
      expect(grp.producers).toEqual([{ op: A, channel: c }, { op: B, channel: c }]);
      expect(grp.consumers).toEqual([{ op: B, column: c }, { op: C, column: c }]);
      for (const t of ['A', 'B', 's', 'p']) expect(slotsOf(g, grp, t)).toEqual([c]);
    }
    expect(dg.groups.filter((c) => c.prunable)).toHaveLength(8);
    expect(groupOf(g, dg, 'C', 0).pinnedBy).toBe('graph output');
    expect(dg.groups[dg.slotGroup[g.inputs[0]!]![0]!]!.pinnedBy).toBe('graph input');
  });

  it('one importance per group: the summed L1 of all coupled filters', () => {
    const g = residualGraph();
    const dg = dependencyGroups(g);
    const elem = new Map(g.tensors.flatMap((t, i) => (t.data && t.dtype === 'float32' && t.shape.length > 1 ? [[i, floatData(t).map(Math.abs)] as const] : [])));
    const scores = groupImportance(g, dg, elem);
    const l1Row = (name: string, row: number): number => {
      const v = floatData(g.tensors[tensorOf(g, name)]!);
      const per = v.length / g.tensors[tensorOf(g, name)]!.shape[0]!;
      return v.slice(row * per, (row + 1) * per).reduce((a, x) => a + Math.abs(x), 0);
    };
    const s3 = scores.find((s) => s.group === groupOf(g, dg, 'A', 3).id)!;
    expect(s3.owner).toBe(opOf(g, 'A'));
    expect(s3.score).toBeCloseTo(l1Row('A/w', 3) + l1Row('B/w', 3), 4);
  });

  it('concatenation maps channels to offsets; a depthwise ×2 ties c to 2c and 2c+1; flatten ties c to p·C + c', () => {
    const g = concatGraph();
    const dg = dependencyGroups(g);
    const [DW, FC] = ['DW', 'FC'].map((n) => opOf(g, n));
    const a1 = groupOf(g, dg, 'A', 1);
    expect(a1.passThrough).toEqual([{ op: DW, channel: 2 }, { op: DW, channel: 3 }]);
    expect(slotsOf(g, a1, 'k')).toEqual([2, 3]);
    expect(slotsOf(g, a1, 'm')).toEqual([2, 3]);
    expect(a1.consumers.map((c) => c.column)).toEqual(Array.from({ length: 9 }, (_, p) => [p * 10 + 2, p * 10 + 3]).flat());
    expect(a1.consumers.every((c) => c.op === FC)).toBe(true);
    const b2 = groupOf(g, dg, 'B', 2);
    expect(b2.producers).toHaveLength(1);
    expect(slotsOf(g, b2, 'k')).toEqual([8]);
    expect(slotsOf(g, b2, 'flat')).toEqual(Array.from({ length: 9 }, (_, p) => p * 10 + 8));
    expect(dg.groups.filter((c) => c.prunable)).toHaveLength(7);
  });

  it('a MEAN over channels and a broadcast ADD pin what they touch', () => {
    const n = new Net(3);
    const x = n.b.input('x', [1, 4, 4, 2], 'float32');
    const a = n.conv('A', x, 4, 2, 4, 1);
    const b = n.conv('B', x, 4, 2, 4, 1);
    const bias = n.b.tensor('k', [1, 1, 1, 4], 'float32', undefined, f32Bytes(new Float32Array(4)));
    const s = n.act('s', [1, 4, 4, 4]);
    n.b.op('ADD', [b, bias], [s], 'AddOptions', { fusedActivationFunction: 'NONE' });
    const m = n.act('m', [1, 4, 4, 1]);
    n.b.op('MEAN', [a, n.b.constInt32('axes', [1], Int32Array.from([3]))], [m], 'ReducerOptions', { keepDims: true });
    n.b.markOutput(m);
    n.b.markOutput(s);
    const g = n.b.build();
    const dg = dependencyGroups(g);
    expect(groupOf(g, dg, 'A', 0).pinnedBy).toMatch(/MEAN\) reduces over channels/);
    expect(groupOf(g, dg, 'B', 0).pinnedBy).toMatch(/ADD\) broadcasts/);
    expect(dg.groups.some((c) => c.prunable)).toBe(false);
  });

  it('removing half the groups equals zeroing their filters (residual; concatenation + depthwise ×2)', () => {
    const r = pruneHalfExactly(residualGraph());
    for (const t of ['A', 'B', 's']) expect(r.tensors[tensorOf(r, t)]!.shape).toEqual([1, 6, 6, 4]);
    expect(r.tensors[tensorOf(r, 'C/w')]!.shape).toEqual([4, 1, 1, 4]);
    const c = pruneHalfExactly(concatGraph());
    expect(c.tensors[tensorOf(c, 'k')]!.shape[3]).toBeLessThan(10);
    expect(c.tensors[tensorOf(c, 'FC/w')]!.shape).toEqual([5, 9 * c.tensors[tensorOf(c, 'k')]!.shape[3]!]);
  });
});

describe.skipIf(!hasShared)('dependency groups of the MLPerf Tiny IC ResNet', () => {
  warnIfNoShared('dependency groups of the IC ResNet');
  it('six prunable groups: stack 1 ties conv 0 and conv 2 (identity shortcut), stacks 2 and 3 tie the 1x1 shortcut to the second conv', () => {
    const g = readTfliteFile(sharedPath('models/mlperf-tiny/ic/pretrainedResnet_quant.tflite')).graph;
    const dg = dependencyGroups(g);
    const prunable = dg.groups.filter((c) => c.prunable);
    const byProducers = new Map<string, number>();
    for (const c of prunable) {
      const k = [...new Set(c.producers.map((p) => p.op))].join('+');
      byProducers.set(k, (byProducers.get(k) ?? 0) + 1);
    }
    const convs = g.ops.flatMap((o, i) => (o.opcode === 'CONV_2D' ? [i] : []));
    const [c0, c1, c2, c3, c4, c5, c6, c7, c8] = convs;
    expect(Object.fromEntries(byProducers)).toEqual({ [`${c0}+${c2}`]: 16, [`${c1}`]: 16, [`${c3}`]: 32, [`${c4}+${c5}`]: 32, [`${c6}`]: 64, [`${c7}+${c8}`]: 64 });
    // The classifier's neurons are pinned by the graph output (through SOFTMAX).
    const fc = g.ops.findIndex((o) => o.opcode === 'FULLY_CONNECTED');
    expect(dg.groups.filter((c) => c.producers.some((p) => p.op === fc)).every((c) => !c.prunable)).toBe(true);
    // Stack 3's groups reach the classifier through the average pool and the reshape.
    const last = dg.groups.find((c) => c.producers.some((p) => p.op === c8))!;
    expect(last.consumers).toEqual([{ op: fc, column: last.producers[0]!.channel }]);
  });
});
