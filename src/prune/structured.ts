/**
 * Channel / filter / neuron pruning that physically removes channels and keeps every
 * dependent tensor consistent. What must go together comes from the dependency groups of
 * groups.ts (residual ADDs, concatenations, depthwise convs, reshapes, pools, pads); here a
 * "channel class" is one such group: removing it drops the producing filters (with their
 * biases and per-channel quantization), the depthwise channels it passes through, and the
 * input columns of every consumer.
 */
import { TinypruneError } from '../errors.js';
import { DTYPE_BYTES, type ModelGraph, type Op, type Tensor } from '../ir/graph.js';
import { cloneGraph } from '../train/tensor_data.js';
import { dependencyGroups, groupImportance, lastDim, type DependencyGroup } from './groups.js';

/** One dependency group (see groups.ts). */
export type ChannelClass = DependencyGroup;

export interface ChannelAnalysis {
  classes: ChannelClass[];
  /** Class id of slot j of tensor t: slotClass[t][j] (undefined for constants). */
  slotClass: (Int32Array | undefined)[];
}

/** The dependency groups of `g` under the names the pruning stages use. */
export function analyzeChannels(g: ModelGraph): ChannelAnalysis {
  const dg = dependencyGroups(g);
  return { classes: dg.groups, slotClass: dg.slotGroup };
}

/** A constant tensor with only `keep` indices left along `axis` (per-channel quantization too). */
export function sliceConstant(t: Tensor, axis: number, keep: number[]): Tensor {
  if (!t.data) throw new TinypruneError('E_PRUNE', `tensor '${t.name}' is not a constant`);
  const bpe = DTYPE_BYTES[t.dtype];
  const shape = t.shape;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bpe;
  const n = shape[axis]!;
  const data = new Uint8Array(outer * keep.length * inner);
  let p = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of keep) {
      const src = (o * n + k) * inner;
      data.set(t.data.subarray(src, src + inner), p);
      p += inner;
    }
  }
  const out: Tensor = { ...t, shape: shape.map((d, i) => (i === axis ? keep.length : d)), data };
  if (t.shapeSignature) out.shapeSignature = t.shapeSignature.map((d, i) => (i === axis ? keep.length : d));
  if (t.quant && t.quant.scale.length > 1 && t.quant.axis === axis) {
    out.quant = { ...t.quant, scale: keep.map((k) => t.quant!.scale[k]!), zeroPoint: keep.map((k) => t.quant!.zeroPoint[k] ?? 0) };
  }
  return out;
}

/** The graph without the channel classes in `remove` (which must all be prunable). */
export function removeChannelClasses(g: ModelGraph, analysis: ChannelAnalysis, remove: Set<number>): ModelGraph {
  for (const id of remove) {
    const c = analysis.classes[id];
    if (!c?.prunable) throw new TinypruneError('E_PRUNE', `channel class ${id} cannot be removed${c?.pinnedBy ? ` (${c.pinnedBy})` : ''}`);
  }
  const out = cloneGraph(g);
  const keepOf = (t: number): number[] | undefined => {
    const sc = analysis.slotClass[t];
    if (!sc) return undefined;
    const k: number[] = [];
    sc.forEach((c, j) => {
      if (!remove.has(c)) k.push(j);
    });
    return k;
  };
  // Activation shapes.
  out.tensors.forEach((t, i) => {
    const k = keepOf(i);
    if (!k || k.length === lastDim(t)) return;
    if (k.length === 0) throw new TinypruneError('E_PRUNE', `removing these channels would leave tensor '${t.name}' empty`, { hint: 'prune fewer channels in this layer' });
    t.shape[t.shape.length - 1] = k.length;
    if (t.shapeSignature) t.shapeSignature[t.shapeSignature.length - 1] = k.length;
  });
  const sliced = new Map<number, string>();
  const slice = (op: Op, input: number, axis: number, keep: number[] | undefined, full: number): void => {
    const ti = op.inputs[input];
    if (ti === undefined || ti < 0 || !keep || keep.length === full) return;
    const key = `${axis}:${keep.join(',')}`;
    const prev = sliced.get(ti * 8 + axis);
    if (prev !== undefined) {
      if (prev !== key) throw new TinypruneError('E_PRUNE', `constant '${g.tensors[ti]!.name}' is shared by ops that need different channels`);
      return;
    }
    sliced.set(ti * 8 + axis, key);
    out.tensors[ti] = sliceConstant(out.tensors[ti]!, axis, keep);
  };
  g.ops.forEach((op, oi) => {
    const o = out.ops[oi]!;
    const x = op.inputs[0]!;
    const y = op.outputs[0]!;
    const yFull = lastDim(g.tensors[y]!);
    switch (op.opcode) {
      case 'CONV_2D': {
        slice(o, 1, 0, keepOf(y), yFull);
        slice(o, 1, 3, keepOf(x), lastDim(g.tensors[x]!));
        slice(o, 2, 0, keepOf(y), yFull);
        break;
      }
      case 'FULLY_CONNECTED': {
        slice(o, 1, 0, keepOf(y), g.tensors[op.inputs[1]!]!.shape[0]!);
        const xk = keepOf(x);
        if (xk) slice(o, 1, 1, xk, lastDim(g.tensors[x]!));
        slice(o, 2, 0, keepOf(y), yFull);
        break;
      }
      case 'DEPTHWISE_CONV_2D': {
        slice(o, 1, 3, keepOf(y), yFull);
        slice(o, 2, 0, keepOf(y), yFull);
        break;
      }
      case 'RESHAPE': {
        const shape = out.tensors[y]!.shape;
        if (o.options.newShape !== undefined) o.options.newShape = [...shape];
        const st = op.inputs[1];
        if (st !== undefined && st >= 0 && out.tensors[st]?.data && out.tensors[st]!.dtype === 'int32') {
          const v = new Int32Array(shape);
          out.tensors[st] = { ...out.tensors[st]!, data: new Uint8Array(v.buffer.slice(0)) };
        }
        break;
      }
      default:
        break;
    }
  });
  return out;
}

export interface ChannelScore {
  classId: number;
  /** The first producing op (the layer that "owns" the class in a plan). */
  owner: number;
  score: number;
}

/** Importance of every prunable class: one score per dependency group (groupImportance). */
export function scoreChannelClasses(g: ModelGraph, analysis: ChannelAnalysis, elementScores: Map<number, Float32Array>): ChannelScore[] {
  return groupImportance(g, { groups: analysis.classes, slotGroup: analysis.slotClass }, elementScores).map((s) => ({ classId: s.group, owner: s.owner, score: s.score }));
}

/**
 * Picks, for each owning layer (op index) with a target ratio, the lowest-scoring classes:
 * round(ratio × prunable classes of that layer), always leaving at least one.
 */
export function selectChannelClasses(scores: ChannelScore[], ratios: Map<number, number>): Set<number> {
  const byOwner = new Map<number, ChannelScore[]>();
  for (const s of scores) {
    const l = byOwner.get(s.owner) ?? [];
    l.push(s);
    byOwner.set(s.owner, l);
  }
  const remove = new Set<number>();
  for (const [owner, list] of byOwner) {
    const r = ratios.get(owner);
    if (r === undefined || r <= 0) continue;
    const k = Math.min(list.length - 1, Math.round(r * list.length));
    list.sort((a, b) => a.score - b.score || a.classId - b.classId);
    for (let i = 0; i < k; i++) remove.add(list[i]!.classId);
  }
  return remove;
}

/**
 * Without data: the weakest output channels of the layers in `ratios` (op index → fraction)
 * removed, scored by the L1 norm of the real-valued filter (|q| × the channel's scale), with
 * their biases, depthwise pass-throughs and consumers' input columns. A channel the model's
 * output needs (pinned group) stays. How `build --sparsity X --granularity channel` and
 * channel entries of a plan without data physically shrink the model.
 */
export function removeWeakestChannels(g: ModelGraph, ratios: ReadonlyMap<number, number>): ModelGraph {
  const scores = new Map<number, Float32Array>();
  const owners = new Map<number, number>();
  for (const [index, ratio] of ratios) {
    const ti = g.ops[index]?.inputs[1];
    const t = ti === undefined || ti < 0 ? undefined : g.tensors[ti];
    if (!t?.data || t.dtype !== 'int8' || ratio <= 0) continue;
    // Element scores in the tensor's own layout (what scoreChannelClasses sums per filter).
    const raw = new Int8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const per = raw.length / t.shape[0]!;
    const q = t.quant;
    scores.set(ti!, Float32Array.from(raw, (v, i) => Math.abs(v) * (q?.scale[q.scale.length > 1 ? Math.floor(i / per) : 0] ?? 1)));
    owners.set(index, ratio);
  }
  if (owners.size === 0) return g;
  const analysis = analyzeChannels(g);
  const remove = selectChannelClasses(scoreChannelClasses(g, analysis, scores), new Map(owners));
  return remove.size > 0 ? removeChannelClasses(g, analysis, remove) : g;
}

/**
 * Classes whose producing filters and biases are all exactly zero (and whose depthwise
 * pass-through biases are zero): they only ever carry zeros, so removing them changes nothing.
 */
export function zeroChannelClasses(g: ModelGraph, analysis: ChannelAnalysis): Set<number> {
  const isZeroSlice = (t: number | undefined, axis: number, index: number): boolean => {
    if (t === undefined || t < 0) return true;
    const tensor = g.tensors[t]!;
    if (!tensor.data) return false;
    const bpe = DTYPE_BYTES[tensor.dtype];
    const shape = tensor.shape;
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bpe;
    for (let o = 0; o < outer; o++) {
      const s = (o * shape[axis]! + index) * inner;
      for (let b = s; b < s + inner; b++) {
        // Float -0 is zero too.
        if (tensor.data[b] !== 0 && !(tensor.dtype === 'float32' && tensor.data[b] === 0x80 && (b - s) % 4 === 3)) return false;
      }
    }
    return true;
  };
  const out = new Set<number>();
  for (const c of analysis.classes) {
    if (!c.prunable) continue;
    const zero =
      c.producers.every((p) => {
        const op = g.ops[p.op]!;
        return isZeroSlice(op.inputs[1], 0, p.channel) && isZeroSlice(op.inputs[2], 0, p.channel);
      }) && c.passThrough.every((p) => isZeroSlice(g.ops[p.op]!.inputs[2], 0, p.channel));
    if (zero) out.add(c.id);
  }
  return out;
}
