/**
 * The trainable view of a ModelGraph: its weights and biases as tf.Variables (kept in TFLite
 * layouts: OHWI conv filters, 1HWO depthwise filters, [out, in] FC weights) and a forward
 * function that runs the graph's ops with TF.js in TFLite semantics on a batch.
 *
 * Masks: a weight tensor may carry a 0/1 mask; the forward pass multiplies by it and
 * applyMasks() zeroes the variables after each optimizer step, so pruned weights stay exactly
 * zero through fine-tuning. toGraph() writes the values back into a float32 ModelGraph.
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Op } from '../ir/graph.js';
import { tf } from './backend.js';
import { dequantizeGraph } from './dequantize.js';
import { cloneGraph, f32Bytes, floatData, intData } from './tensor_data.js';

/** Ops the view can run (float semantics). */
export const VIEW_OPS = new Set([
  'CONV_2D',
  'DEPTHWISE_CONV_2D',
  'FULLY_CONNECTED',
  'AVERAGE_POOL_2D',
  'MAX_POOL_2D',
  'ADD',
  'MUL',
  'RESHAPE',
  'SOFTMAX',
  'PAD',
  'MEAN',
  'CONCATENATION',
  'RELU',
  'RELU6',
  'LOGISTIC',
  'TANH',
]);

/** The ops whose input 1 is a prunable weight tensor (input 2 its bias). */
export const WEIGHT_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

export interface TrainableModel {
  /** Float32 graph the view was made from (structure; values live in `params`). */
  graph: ModelGraph;
  /** Trainable constants by tensor index: weights and biases of CONV/DW/FC. */
  params: Map<number, tf.Variable>;
  /** 0/1 masks by weight tensor index (absent = dense). */
  masks: Map<number, tf.Tensor>;
  /** Per-sample input shape (the graph input without its batch dimension). */
  sampleShape: number[];
  /** Index of the tensor whose value is the logits (the SOFTMAX input, or the output). */
  logitsTensor: number;
}

export interface WeightLayer {
  op: number;
  opcode: string;
  weight: number;
  bias: number | undefined;
  name: string;
}

/** The prunable layers in execution order. */
export function weightLayers(g: ModelGraph): WeightLayer[] {
  const out: WeightLayer[] = [];
  g.ops.forEach((op, i) => {
    if (!WEIGHT_OPS.has(op.opcode)) return;
    const w = op.inputs[1]!;
    const b = op.inputs[2];
    if (!g.tensors[w]?.data) return;
    out.push({ op: i, opcode: op.opcode, weight: w, bias: b !== undefined && b >= 0 ? b : undefined, name: g.tensors[w]!.name });
  });
  return out;
}

export function createTrainable(source: ModelGraph): TrainableModel {
  const graph = source.tensors.some((t) => t.dtype === 'int8' || t.dtype === 'uint8') || source.ops.some((o) => o.opcode === 'QUANTIZE' || o.opcode === 'DEQUANTIZE') ? dequantizeGraph(source) : cloneGraph(source);
  const bad = graph.ops.map((o, i) => ({ o, i })).filter(({ o }) => !VIEW_OPS.has(o.opcode));
  if (bad.length > 0) {
    throw new TinypruneError('E_UNSUPPORTED_OP', `cannot train through ${bad.map(({ o, i }) => `operator ${i} (${o.opcode})`).join(', ')}`, {
      allowed: [...VIEW_OPS].join(', '),
    });
  }
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new TinypruneError('E_TRAIN', `training needs one input and one output; the model has ${graph.inputs.length} and ${graph.outputs.length}`);
  }
  const params = new Map<number, tf.Variable>();
  for (const l of weightLayers(graph)) {
    for (const t of [l.weight, l.bias]) {
      if (t === undefined || params.has(t)) continue;
      const tensor = graph.tensors[t]!;
      params.set(t, tf.variable(tf.tensor(floatData(tensor), tensor.shape, 'float32'), true));
    }
  }
  const out = graph.outputs[0]!;
  const last = graph.ops.find((o) => o.outputs[0] === out);
  const logitsTensor = last?.opcode === 'SOFTMAX' ? last.inputs[0]! : out;
  return { graph, params, masks: new Map(), sampleShape: graph.tensors[graph.inputs[0]!]!.shape.slice(1), logitsTensor };
}

export function disposeTrainable(m: TrainableModel): void {
  for (const v of m.params.values()) v.dispose();
  for (const k of m.masks.values()) k.dispose();
  m.params.clear();
  m.masks.clear();
}

function act(x: tf.Tensor, fused: unknown): tf.Tensor {
  switch (fused ?? 'NONE') {
    case 'NONE':
      return x;
    case 'RELU':
      return tf.relu(x);
    case 'RELU6':
      return tf.relu6(x);
    case 'RELU_N1_TO_1':
      return tf.clipByValue(x, -1, 1);
    case 'TANH':
      return tf.tanh(x);
    default:
      throw new TinypruneError('E_TRAIN', `fused activation ${String(fused)} is not supported in training`);
  }
}

const pad = (op: Op): 'same' | 'valid' => (op.options.padding === 'VALID' ? 'valid' : 'same');

export interface ForwardOptions {
  /** Stop at the logits (the SOFTMAX input) instead of the graph output. */
  logits?: boolean;
  /** Also return these tensors' values (for calibration). */
  keep?: number[];
}

/**
 * Runs the graph on a batch x [N, ...sampleShape]. Call inside tf.tidy / optimizer.minimize.
 * Returns the output (or logits) and any kept intermediates.
 */
export function forward(m: TrainableModel, x: tf.Tensor, opts: ForwardOptions = {}): { y: tf.Tensor; kept: Map<number, tf.Tensor> } {
  const g = m.graph;
  const vals = new Map<number, tf.Tensor>();
  vals.set(g.inputs[0]!, x);
  const stopAt = opts.logits ? m.logitsTensor : g.outputs[0]!;
  const get = (i: number): tf.Tensor => {
    const v = vals.get(i);
    if (v) return v;
    const p = m.params.get(i);
    if (p) {
      const mask = m.masks.get(i);
      const w = mask ? tf.mul(p, mask) : p;
      vals.set(i, w);
      return w;
    }
    const t = g.tensors[i]!;
    if (t.data) {
      const c = tf.tensor(t.dtype === 'int32' || t.dtype === 'int64' ? Float32Array.from(intData(t)) : floatData(t), t.shape);
      vals.set(i, c);
      return c;
    }
    throw new TinypruneError('E_TRAIN', `tensor ${i} '${t.name}' is used before it is computed`);
  };
  const batch = x.shape[0]!;
  for (const op of g.ops) {
    if (vals.has(stopAt)) break;
    const o = op.options;
    let y: tf.Tensor;
    switch (op.opcode) {
      case 'CONV_2D': {
        const w = tf.transpose(get(op.inputs[1]!), [1, 2, 3, 0]) as tf.Tensor4D; // OHWI → HWIO
        y = tf.conv2d(get(op.inputs[0]!) as tf.Tensor4D, w, [Number(o.strideH ?? 1), Number(o.strideW ?? 1)], pad(op), 'NHWC', [
          Number(o.dilationHFactor ?? 1),
          Number(o.dilationWFactor ?? 1),
        ]);
        if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
        y = act(y, o.fusedActivationFunction);
        break;
      }
      case 'DEPTHWISE_CONV_2D': {
        const xin = get(op.inputs[0]!) as tf.Tensor4D;
        const wt = get(op.inputs[1]!);
        const [, kh, kw, cout] = wt.shape as [number, number, number, number];
        const cin = xin.shape[3]!;
        const w = tf.reshape(wt, [kh, kw, cin, cout / cin]) as tf.Tensor4D; // 1HW(C·M) → HWCM
        const dil: [number, number] = [Number(o.dilationHFactor ?? 1), Number(o.dilationWFactor ?? 1)];
        y = tf.depthwiseConv2d(xin, w, [Number(o.strideH ?? 1), Number(o.strideW ?? 1)], pad(op), 'NHWC', dil);
        if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
        y = act(y, o.fusedActivationFunction);
        break;
      }
      case 'FULLY_CONNECTED': {
        const w = get(op.inputs[1]!);
        const inF = w.shape[1]!;
        const xin = get(op.inputs[0]!);
        const x2 = tf.reshape(xin, [-1, inF]);
        y = tf.matMul(x2, w, false, true);
        if (op.inputs[2] !== undefined && op.inputs[2] >= 0) y = tf.add(y, get(op.inputs[2]));
        y = act(y, o.fusedActivationFunction);
        if (o.keepNumDims === true) y = tf.reshape(y, [...xin.shape.slice(0, -1), w.shape[0]!]);
        break;
      }
      case 'AVERAGE_POOL_2D':
      case 'MAX_POOL_2D': {
        const f: [number, number] = [Number(o.filterHeight), Number(o.filterWidth)];
        const s: [number, number] = [Number(o.strideH ?? 1), Number(o.strideW ?? 1)];
        const xin = get(op.inputs[0]!) as tf.Tensor4D;
        y = op.opcode === 'MAX_POOL_2D' ? tf.maxPool(xin, f, s, pad(op)) : tf.avgPool(xin, f, s, pad(op));
        y = act(y, o.fusedActivationFunction);
        break;
      }
      case 'ADD':
      case 'MUL':
        y = act((op.opcode === 'ADD' ? tf.add : tf.mul)(get(op.inputs[0]!), get(op.inputs[1]!)), o.fusedActivationFunction);
        break;
      case 'RESHAPE': {
        const shape = g.tensors[op.outputs[0]!]!.shape;
        y = tf.reshape(get(op.inputs[0]!), [batch, ...shape.slice(1)]);
        break;
      }
      case 'SOFTMAX':
        y = tf.softmax(tf.mul(get(op.inputs[0]!), Number(o.beta ?? 1)));
        break;
      case 'PAD': {
        const p = intData(g.tensors[op.inputs[1]!]!);
        const pairs: [number, number][] = [];
        for (let k = 0; k < p.length; k += 2) pairs.push([p[k]!, p[k + 1]!]);
        y = tf.pad(get(op.inputs[0]!), pairs);
        break;
      }
      case 'MEAN': {
        const axes = intData(g.tensors[op.inputs[1]!]!);
        y = tf.mean(get(op.inputs[0]!), axes, o.keepDims === true);
        break;
      }
      case 'CONCATENATION': {
        const xs = op.inputs.map(get);
        const rank = xs[0]!.shape.length;
        const axis = Number(o.axis ?? 0);
        y = act(tf.concat(xs, axis < 0 ? axis + rank : axis), o.fusedActivationFunction);
        break;
      }
      case 'RELU':
        y = tf.relu(get(op.inputs[0]!));
        break;
      case 'RELU6':
        y = tf.relu6(get(op.inputs[0]!));
        break;
      case 'LOGISTIC':
        y = tf.sigmoid(get(op.inputs[0]!));
        break;
      case 'TANH':
        y = tf.tanh(get(op.inputs[0]!));
        break;
      default:
        throw new TinypruneError('E_UNSUPPORTED_OP', `cannot train through ${op.opcode}`);
    }
    vals.set(op.outputs[0]!, y);
  }
  const y = vals.get(stopAt);
  if (!y) throw new TinypruneError('E_TRAIN', `the graph never computes tensor ${stopAt}`);
  const kept = new Map<number, tf.Tensor>();
  for (const k of opts.keep ?? []) {
    const v = vals.get(k);
    if (v) kept.set(k, v);
  }
  return { y, kept };
}

/** v where mask is 1, +0 elsewhere (v·0 would give -0 for negative v: not byte-identical to 0). */
function masked(v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(mask, 0), v, tf.zerosLike(v));
}

/** Sets masked-out weights to exactly zero (after every optimizer step). */
export function applyMasks(m: TrainableModel): void {
  for (const [t, mask] of m.masks) {
    const v = m.params.get(t);
    if (!v) continue;
    // assign() shares the new tensor's data; dispose our handle or every call leaks a copy.
    const nv = tf.tidy(() => masked(v, mask));
    v.assign(nv);
    nv.dispose();
  }
}

/** Drops every mask (the model becomes dense again; values are not changed). */
export function clearMasks(m: TrainableModel): void {
  for (const k of m.masks.values()) k.dispose();
  m.masks.clear();
}

export function setMask(m: TrainableModel, weight: number, mask: Float32Array): void {
  const v = m.params.get(weight);
  if (!v) throw new TinypruneError('E_PRUNE', `tensor ${weight} is not a trainable weight`);
  m.masks.get(weight)?.dispose();
  m.masks.set(weight, tf.tensor(mask, v.shape));
  applyMasks(m);
}

export function paramValues(m: TrainableModel, t: number): Float32Array {
  const v = m.params.get(t);
  if (!v) throw new TinypruneError('E_TRAIN', `tensor ${t} is not a trainable parameter`);
  return v.dataSync() as Float32Array;
}

export function setParamValues(m: TrainableModel, t: number, values: Float32Array): void {
  const v = m.params.get(t);
  if (!v) throw new TinypruneError('E_TRAIN', `tensor ${t} is not a trainable parameter`);
  const nv = tf.tensor(values, v.shape);
  v.assign(nv);
  nv.dispose();
}

/** Current values of every parameter (a checkpoint for rewinding). */
export function snapshot(m: TrainableModel): Map<number, Float32Array> {
  const s = new Map<number, Float32Array>();
  for (const [t, v] of m.params) s.set(t, (v.dataSync() as Float32Array).slice());
  return s;
}

export function restore(m: TrainableModel, s: Map<number, Float32Array>): void {
  for (const [t, vals] of s) setParamValues(m, t, vals);
  applyMasks(m);
}

/** The float32 ModelGraph with the current (masked) parameter values. */
export function toGraph(m: TrainableModel): ModelGraph {
  const g = cloneGraph(m.graph);
  for (const [t, v] of m.params) {
    const mask = m.masks.get(t);
    const vals = tf.tidy(() => (mask ? masked(v, mask) : v.clone()).dataSync() as Float32Array);
    g.tensors[t]!.data = f32Bytes(vals);
  }
  return g;
}
