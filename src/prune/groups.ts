/**
 * Dependency groups: the sets of channels that must be removed together (what Torch-Pruning's
 * dependency graph computes), as a pure analysis of a ModelGraph.
 *
 * Each activation tensor's last axis is a row of "channel slots". Ops tie slots together
 * (union–find): elementwise ops, pools, PAD and spatial MEAN pass a channel through; a
 * depthwise conv passes channel c to outputs c·M … c·M+M−1; ADD/MUL/SUB/MAXIMUM/MINIMUM couple
 * the same channel of every input and the output (residual connections); CONCATENATION maps
 * input channels to offsets of the output; a channel-keeping RESHAPE ties c to c and a
 * flattening one ties channel c to every flattened feature p·C + c. Each resulting class is one
 * group: removing it drops the producing filters (CONV_2D/FULLY_CONNECTED output rows, with
 * their biases and per-channel quantization), the depthwise channels it passes through, and
 * the input columns of every consumer. Groups touching a graph input/output or an op we
 * cannot see through are pinned.
 */
import type { ModelGraph, Op, Tensor } from '../ir/graph.js';
import { intData } from '../train/tensor_data.js';

export interface DependencyGroup {
  id: number;
  /** Activation channels tied together: (tensor index, channel). */
  slots: { tensor: number; channel: number }[];
  /** Producing filters: (op index, output channel) of CONV_2D / FULLY_CONNECTED. */
  producers: { op: number; channel: number }[];
  /** Depthwise channels the group flows through: (op index, output channel). */
  passThrough: { op: number; channel: number }[];
  /** Input columns of consuming CONV_2D / FULLY_CONNECTED: (op index, column). */
  consumers: { op: number; column: number }[];
  prunable: boolean;
  /** Why not prunable. */
  pinnedBy?: string;
}

export interface DependencyGroups {
  groups: DependencyGroup[];
  /** Group id of channel j of tensor t: slotGroup[t][j] (undefined for constants). */
  slotGroup: (Int32Array | undefined)[];
}

const PASS_THROUGH = new Set(['RELU', 'RELU6', 'RELU_N1_TO_1', 'LOGISTIC', 'TANH', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'QUANTIZE', 'DEQUANTIZE', 'HARD_SWISH', 'LEAKY_RELU']);
const ELEMENTWISE = new Set(['ADD', 'MUL', 'SUB', 'MAXIMUM', 'MINIMUM']);

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[i] !== r) {
      const n = this.parent[i]!;
      this.parent[i] = r;
      i = n;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

export const lastDim = (t: Tensor): number => t.shape[t.shape.length - 1] ?? 1;

type Ref = { op: number; channel: number; slot: number };

/** The slot space of a graph and the ties between slots, filled op by op. */
class Ties {
  readonly base: Int32Array;
  readonly uf: UnionFind;
  readonly blocked = new Map<number, string>(); // slot → reason
  readonly producers: Ref[] = [];
  readonly passThrough: Ref[] = [];
  readonly consumers: { op: number; column: number; slot: number }[] = [];

  constructor(readonly g: ModelGraph) {
    this.base = new Int32Array(g.tensors.length).fill(-1);
    let total = 0;
    g.tensors.forEach((t, i) => {
      if (t.data || t.shape.length === 0) return;
      this.base[i] = total;
      total += lastDim(t);
    });
    this.uf = new UnionFind(total);
  }
  slot(t: number, j: number): number {
    return this.base[t]! + j;
  }
  live(t: number | undefined): t is number {
    return t !== undefined && t >= 0 && this.base[t]! >= 0;
  }
  width(t: number): number {
    return lastDim(this.g.tensors[t]!);
  }
  block(t: number | undefined, why: string): void {
    if (t === undefined || t < 0 || this.base[t]! < 0) return;
    for (let j = 0; j < this.width(t); j++) if (!this.blocked.has(this.slot(t, j))) this.blocked.set(this.slot(t, j), why);
  }
  /** Channel j of a ↔ channel j of b. */
  same(a: number, b: number): void {
    const n = Math.min(this.width(a), this.width(b));
    for (let j = 0; j < n; j++) this.uf.union(this.slot(a, j), this.slot(b, j));
  }
}

function tieFilters(T: Ties, op: Op, oi: number, where: string): void {
  const g = T.g;
  const x = op.inputs[0];
  const w = g.tensors[op.inputs[1]!];
  if (!w?.data) {
    for (const t of [...op.inputs, ...op.outputs]) T.block(t, `${where} has non-constant weights`);
    return;
  }
  const cols = lastDim(w);
  if (T.live(x)) {
    if (T.width(x) === cols) for (let c = 0; c < cols; c++) T.consumers.push({ op: oi, column: c, slot: T.slot(x, c) });
    else T.block(x, `${where} flattens its input implicitly`);
  }
  for (let o = 0; o < w.shape[0]!; o++) T.producers.push({ op: oi, channel: o, slot: T.slot(op.outputs[0]!, o) });
}

function tieDepthwise(T: Ties, op: Op, oi: number): void {
  const x = op.inputs[0];
  const y = op.outputs[0]!;
  if (!T.live(x)) return;
  const cin = T.width(x);
  const m = T.width(y) / cin;
  for (let c = 0; c < cin; c++) {
    for (let k = 0; k < m; k++) {
      T.uf.union(T.slot(x, c), T.slot(y, c * m + k));
      T.passThrough.push({ op: oi, channel: c * m + k, slot: T.slot(y, c * m + k) });
    }
  }
}

function tieElementwise(T: Ties, op: Op, where: string): void {
  const y = op.outputs[0]!;
  const ins = op.inputs.filter((t) => t >= 0);
  const shape = T.g.tensors[y]!.shape.join(',');
  if (!ins.every((t) => T.g.tensors[t]!.shape.join(',') === shape && T.live(t))) {
    for (const t of [...ins, y]) T.block(t, `${where} broadcasts`);
    return;
  }
  for (const t of ins) T.same(t, y);
}

function tieConcatenation(T: Ties, op: Op, where: string): void {
  const y = op.outputs[0]!;
  const rank = T.g.tensors[y]!.shape.length;
  const axis = Number(op.options.axis ?? 0);
  const lastAxis = (axis < 0 ? axis + rank : axis) === rank - 1;
  let off = 0;
  for (const t of op.inputs) {
    if (!T.live(t)) {
      T.block(y, `${where} has a constant input`);
      continue;
    }
    const n = T.width(t);
    for (let c = 0; c < n; c++) T.uf.union(T.slot(t, c), T.slot(y, lastAxis ? off + c : c));
    if (lastAxis) off += n;
  }
}

function tieReshape(T: Ties, op: Op, where: string): void {
  const x = op.inputs[0];
  const y = op.outputs[0]!;
  if (!T.live(x)) return;
  const xs = T.g.tensors[x]!.shape;
  const ys = T.g.tensors[y]!.shape;
  const xc = T.width(x);
  if (T.width(y) === xc && ys.length >= 2) T.same(x, y);
  else if (ys.length === 2 && ys[1] === xs.slice(1).reduce((a, b) => a * b, 1)) {
    // Flatten NHWC → [N, H·W·C]: feature p·C + c carries channel c.
    for (let j = 0; j < ys[1]!; j++) T.uf.union(T.slot(y, j), T.slot(x, j % xc));
  } else {
    T.block(x, `${where} reshapes across channels`);
    T.block(y, `${where} reshapes across channels`);
  }
}

/** MEAN over spatial axes, PAD without channel padding: channel c ↔ c; otherwise pinned. */
function tieKeepsChannels(T: Ties, op: Op, where: string, keeps: boolean, why: string): void {
  const x = op.inputs[0];
  const y = op.outputs[0]!;
  if (T.live(x) && keeps) T.same(x, y);
  else {
    T.block(x, `${where} ${why}`);
    T.block(y, `${where} ${why}`);
  }
}

function tieOp(T: Ties, op: Op, oi: number): void {
  const g = T.g;
  const x = op.inputs[0];
  const y = op.outputs[0]!;
  const where = `operator ${oi} (${op.opcode})`;
  if (op.opcode === 'CONV_2D' || op.opcode === 'FULLY_CONNECTED') tieFilters(T, op, oi, where);
  else if (op.opcode === 'DEPTHWISE_CONV_2D') tieDepthwise(T, op, oi);
  else if (ELEMENTWISE.has(op.opcode)) tieElementwise(T, op, where);
  else if (op.opcode === 'CONCATENATION') tieConcatenation(T, op, where);
  else if (op.opcode === 'RESHAPE') tieReshape(T, op, where);
  else if (op.opcode === 'MEAN') {
    const rank = g.tensors[x!]!.shape.length;
    const axes = intData(g.tensors[op.inputs[1]!]!).map((a) => (a < 0 ? a + rank : a));
    tieKeepsChannels(T, op, where, !axes.includes(rank - 1) && T.live(x) && T.width(y) === T.width(x), 'reduces over channels');
  } else if (op.opcode === 'PAD' || op.opcode === 'PADV2') {
    const p = intData(g.tensors[op.inputs[1]!]!);
    tieKeepsChannels(T, op, where, p[p.length - 1] === 0 && p[p.length - 2] === 0, 'pads channels');
  } else if (PASS_THROUGH.has(op.opcode) && T.live(x)) T.same(x, y);
  else for (const t of [...op.inputs, ...op.outputs]) T.block(t, `${where} mixes or needs all channels`);
}

/** The dependency groups of a graph (pure: the graph is not modified). */
export function dependencyGroups(g: ModelGraph): DependencyGroups {
  const T = new Ties(g);
  g.ops.forEach((op, oi) => tieOp(T, op, oi));
  for (const t of g.inputs) T.block(t, 'graph input');
  for (const t of g.outputs) T.block(t, 'graph output');

  const groupOfRoot = new Map<number, number>();
  const groups: DependencyGroup[] = [];
  const groupId = (s: number): number => {
    const r = T.uf.find(s);
    let c = groupOfRoot.get(r);
    if (c === undefined) {
      c = groups.length;
      groupOfRoot.set(r, c);
      groups.push({ id: c, slots: [], producers: [], passThrough: [], consumers: [], prunable: true });
    }
    return c;
  };
  const slotGroup = g.tensors.map((t, i) => (T.base[i]! < 0 ? undefined : Int32Array.from({ length: lastDim(t) }, (_, j) => groupId(T.slot(i, j)))));
  slotGroup.forEach((sg, tensor) => sg?.forEach((id, channel) => groups[id]!.slots.push({ tensor, channel })));
  for (const p of T.producers) groups[groupId(p.slot)]!.producers.push({ op: p.op, channel: p.channel });
  for (const p of T.passThrough) groups[groupId(p.slot)]!.passThrough.push({ op: p.op, channel: p.channel });
  for (const c of T.consumers) groups[groupId(c.slot)]!.consumers.push({ op: c.op, column: c.column });
  for (const [s, why] of T.blocked) {
    const c = groups[groupId(s)]!;
    if (c.prunable) {
      c.prunable = false;
      c.pinnedBy = why;
    }
  }
  for (const c of groups) {
    if (c.prunable && c.producers.length === 0) {
      c.prunable = false;
      c.pinnedBy = 'no filter produces it';
    }
  }
  return { groups, slotGroup };
}

export interface GroupScore {
  group: number;
  /** The first producing op (the layer that "owns" the group in a plan). */
  owner: number;
  score: number;
}

/**
 * One importance per prunable group: the summed element scores (e.g. |w|, so L1) of all its
 * producing filters, so coupled filters are kept or removed together.
 */
export function groupImportance(g: ModelGraph, dg: DependencyGroups, elementScores: Map<number, Float32Array>): GroupScore[] {
  const out: GroupScore[] = [];
  for (const c of dg.groups) {
    if (!c.prunable) continue;
    let score = 0;
    for (const p of c.producers) {
      const wt = g.ops[p.op]!.inputs[1]!;
      const s = elementScores.get(wt);
      if (!s) continue;
      const per = s.length / g.tensors[wt]!.shape[0]!;
      for (let i = p.channel * per; i < (p.channel + 1) * per; i++) score += s[i]!;
    }
    out.push({ group: c.id, owner: Math.min(...c.producers.map((p) => p.op)), score });
  }
  return out;
}
