/**
 * Channel / filter / neuron pruning that physically removes channels and keeps every
 * dependent tensor consistent.
 *
 * Each activation tensor's last axis is a row of "channel slots". Ops tie slots together
 * (union–find): elementwise ops, pools, PAD and spatial MEAN pass a channel through; a
 * depthwise conv passes channel c to outputs c·M … c·M+M−1; ADD/MUL couple the same channel of
 * both inputs and the output (residual connections); CONCATENATION maps input channels to
 * offsets of the output; a flattening RESHAPE ties channel c to every flattened feature
 * p·C + c. Each resulting class is one removable unit: removing it drops the producing
 * filters (CONV_2D/FULLY_CONNECTED output rows, with their biases and per-channel
 * quantization), the depthwise channels it passes through, and the input columns of every
 * consumer. Classes touching a graph input/output or an op we cannot see through are pinned.
 */
import { TinypruneError } from '../errors.js';
import { DTYPE_BYTES, type ModelGraph, type Op, type Tensor } from '../ir/graph.js';
import { cloneGraph, intData } from '../train/tensor_data.js';

export interface ChannelClass {
  id: number;
  /** Producing filters: (op index, output channel) of CONV_2D / FULLY_CONNECTED. */
  producers: { op: number; channel: number }[];
  /** Depthwise channels the class flows through: (op index, output channel). */
  passThrough: { op: number; channel: number }[];
  /** Input columns of consuming CONV_2D / FULLY_CONNECTED: (op index, column). */
  consumers: { op: number; column: number }[];
  prunable: boolean;
  /** Why not prunable. */
  pinnedBy?: string;
}

export interface ChannelAnalysis {
  classes: ChannelClass[];
  /** Class id of slot j of tensor t: slotClass[t][j] (undefined for constants). */
  slotClass: (Int32Array | undefined)[];
}

const PASS_THROUGH = new Set(['RELU', 'RELU6', 'RELU_N1_TO_1', 'LOGISTIC', 'TANH', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'QUANTIZE', 'DEQUANTIZE', 'HARD_SWISH', 'LEAKY_RELU']);

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

const lastDim = (t: Tensor): number => t.shape[t.shape.length - 1] ?? 1;

export function analyzeChannels(g: ModelGraph): ChannelAnalysis {
  const base = new Int32Array(g.tensors.length).fill(-1);
  let total = 0;
  g.tensors.forEach((t, i) => {
    if (t.data || t.shape.length === 0) return;
    base[i] = total;
    total += lastDim(t);
  });
  const uf = new UnionFind(total);
  const blocked = new Map<number, string>(); // slot → reason
  const slot = (t: number, j: number): number => base[t]! + j;
  const blockTensor = (t: number, why: string): void => {
    if (t < 0 || base[t]! < 0) return;
    for (let j = 0; j < lastDim(g.tensors[t]!); j++) if (!blocked.has(slot(t, j))) blocked.set(slot(t, j), why);
  };
  const producers: { op: number; channel: number; slot: number }[] = [];
  const passThrough: { op: number; channel: number; slot: number }[] = [];
  const consumers: { op: number; column: number; slot: number }[] = [];
  const live = (t: number | undefined): t is number => t !== undefined && t >= 0 && base[t]! >= 0;
  const same = (a: number, b: number): void => {
    const n = Math.min(lastDim(g.tensors[a]!), lastDim(g.tensors[b]!));
    for (let j = 0; j < n; j++) uf.union(slot(a, j), slot(b, j));
  };

  g.ops.forEach((op, oi) => {
    const x = op.inputs[0];
    const y = op.outputs[0]!;
    const where = `operator ${oi} (${op.opcode})`;
    switch (op.opcode) {
      case 'CONV_2D':
      case 'FULLY_CONNECTED': {
        const w = g.tensors[op.inputs[1]!];
        if (!w?.data) {
          for (const t of [...op.inputs, ...op.outputs]) blockTensor(t, `${where} has non-constant weights`);
          break;
        }
        const cols = lastDim(w);
        if (live(x)) {
          if (lastDim(g.tensors[x]!) === cols) for (let c = 0; c < cols; c++) consumers.push({ op: oi, column: c, slot: slot(x, c) });
          else blockTensor(x, `${where} flattens its input implicitly`);
        }
        for (let o = 0; o < w.shape[0]!; o++) producers.push({ op: oi, channel: o, slot: slot(y, o) });
        break;
      }
      case 'DEPTHWISE_CONV_2D': {
        if (!live(x)) break;
        const cin = lastDim(g.tensors[x]!);
        const cout = lastDim(g.tensors[y]!);
        const m = cout / cin;
        for (let c = 0; c < cin; c++) for (let k = 0; k < m; k++) {
          uf.union(slot(x, c), slot(y, c * m + k));
          passThrough.push({ op: oi, channel: c * m + k, slot: slot(y, c * m + k) });
        }
        break;
      }
      case 'ADD':
      case 'MUL':
      case 'SUB':
      case 'MAXIMUM':
      case 'MINIMUM': {
        const ins = op.inputs.filter((t) => t >= 0);
        const shapesEqual = ins.every((t) => g.tensors[t]!.shape.join(',') === g.tensors[y]!.shape.join(',') && live(t));
        if (!shapesEqual) {
          for (const t of [...ins, y]) blockTensor(t, `${where} broadcasts`);
          break;
        }
        for (const t of ins) same(t, y);
        break;
      }
      case 'CONCATENATION': {
        const rank = g.tensors[y]!.shape.length;
        const axis = Number(op.options.axis ?? 0);
        const lastAxis = (axis < 0 ? axis + rank : axis) === rank - 1;
        let off = 0;
        for (const t of op.inputs) {
          if (!live(t)) {
            blockTensor(y, `${where} has a constant input`);
            continue;
          }
          const n = lastDim(g.tensors[t]!);
          for (let c = 0; c < n; c++) uf.union(slot(t, c), slot(y, lastAxis ? off + c : c));
          if (lastAxis) off += n;
        }
        break;
      }
      case 'RESHAPE': {
        if (!live(x)) break;
        const xs = g.tensors[x]!.shape;
        const ys = g.tensors[y]!.shape;
        const xc = lastDim(g.tensors[x]!);
        if (lastDim(g.tensors[y]!) === xc && ys.length >= 2) same(x, y);
        else if (ys.length === 2 && ys[1] === xs.slice(1).reduce((a, b) => a * b, 1)) {
          // Flatten NHWC → [N, H·W·C]: feature p·C + c carries channel c.
          for (let j = 0; j < ys[1]!; j++) uf.union(slot(y, j), slot(x, j % xc));
        } else {
          blockTensor(x, `${where} reshapes across channels`);
          blockTensor(y, `${where} reshapes across channels`);
        }
        break;
      }
      case 'MEAN': {
        const axes = intData(g.tensors[op.inputs[1]!]!).map((a) => (a < 0 ? a + g.tensors[x!]!.shape.length : a));
        if (live(x) && !axes.includes(g.tensors[x]!.shape.length - 1) && lastDim(g.tensors[y]!) === lastDim(g.tensors[x]!)) same(x, y);
        else {
          if (x !== undefined) blockTensor(x, `${where} reduces over channels`);
          blockTensor(y, `${where} reduces over channels`);
        }
        break;
      }
      case 'PAD':
      case 'PADV2': {
        const p = intData(g.tensors[op.inputs[1]!]!);
        if (live(x) && p[p.length - 1] === 0 && p[p.length - 2] === 0) same(x, y);
        else {
          if (x !== undefined) blockTensor(x, `${where} pads channels`);
          blockTensor(y, `${where} pads channels`);
        }
        break;
      }
      default:
        if (PASS_THROUGH.has(op.opcode) && live(x)) same(x, y);
        else for (const t of [...op.inputs, ...op.outputs]) blockTensor(t, `${where} mixes or needs all channels`);
    }
  });
  for (const t of g.inputs) blockTensor(t, 'graph input');
  for (const t of g.outputs) blockTensor(t, 'graph output');

  const classOfRoot = new Map<number, number>();
  const classes: ChannelClass[] = [];
  const classId = (s: number): number => {
    const r = uf.find(s);
    let c = classOfRoot.get(r);
    if (c === undefined) {
      c = classes.length;
      classOfRoot.set(r, c);
      classes.push({ id: c, producers: [], passThrough: [], consumers: [], prunable: true });
    }
    return c;
  };
  const slotClass: (Int32Array | undefined)[] = g.tensors.map((t, i) => (base[i]! < 0 ? undefined : Int32Array.from({ length: lastDim(t) }, (_, j) => classId(slot(i, j)))));
  for (const p of producers) classes[classId(p.slot)]!.producers.push({ op: p.op, channel: p.channel });
  for (const p of passThrough) classes[classId(p.slot)]!.passThrough.push({ op: p.op, channel: p.channel });
  for (const c of consumers) classes[classId(c.slot)]!.consumers.push({ op: c.op, column: c.column });
  for (const [s, why] of blocked) {
    const c = classes[classId(s)]!;
    if (c.prunable) {
      c.prunable = false;
      c.pinnedBy = why;
    }
  }
  for (const c of classes) {
    if (c.prunable && c.producers.length === 0) {
      c.prunable = false;
      c.pinnedBy = 'no filter produces it';
    }
  }
  return { classes, slotClass };
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

/**
 * Importance of every prunable class: the summed element scores of all its producing
 * filters (coupled producers count together).
 */
export function scoreChannelClasses(g: ModelGraph, analysis: ChannelAnalysis, elementScores: Map<number, Float32Array>): ChannelScore[] {
  const out: ChannelScore[] = [];
  for (const c of analysis.classes) {
    if (!c.prunable) continue;
    let score = 0;
    for (const p of c.producers) {
      const wt = g.ops[p.op]!.inputs[1]!;
      const s = elementScores.get(wt);
      if (!s) continue;
      const per = s.length / g.tensors[wt]!.shape[0]!;
      for (let i = p.channel * per; i < (p.channel + 1) * per; i++) score += s[i]!;
    }
    out.push({ classId: c.id, owner: Math.min(...c.producers.map((p) => p.op)), score });
  }
  return out;
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
