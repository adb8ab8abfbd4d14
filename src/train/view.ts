/**
 * The trainable view of a ModelGraph: its weights and biases as tf.Variables (kept in TFLite
 * layouts: OHWI conv filters, 1HWO depthwise filters, [out, in] FC weights) and a forward
 * function that runs the graph's ops with TF.js in TFLite semantics on a batch.
 *
 * Masks: a weight tensor may carry a 0/1 mask. setMask, setParamValues and restore zero the
 * pruned entries, and applyMasks() does after each optimizer step, so pruned weights stay
 * exactly zero through fine-tuning and the forward pass uses the variables as they are (no
 * mask pass; issue #15). toGraph() writes the values back into a float32 ModelGraph.
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Op } from '../ir/graph.js';
import { tf } from './backend.js';
import { heapF32, type WasmBackendLike } from './wasm/common.js';
import { dequantizeGraph } from './dequantize.js';
import { cloneGraph, f32Bytes, floatData, intData } from './tensor_data.js';

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
const strides = (op: Op): [number, number] => [Number(op.options.strideH ?? 1), Number(op.options.strideW ?? 1)];
const dilations = (op: Op): [number, number] => [Number(op.options.dilationHFactor ?? 1), Number(op.options.dilationWFactor ?? 1)];

export interface ForwardOptions {
  /** Stop at the logits (the SOFTMAX input) instead of the graph output. */
  logits?: boolean;
  /** Also return these tensors' values (for calibration). */
  keep?: number[];
}

/** What an op needs to run: itself, the graph, its inputs' values and the batch size. */
interface OpContext {
  op: Op;
  g: ModelGraph;
  get: (tensor: number) => tf.Tensor;
  batch: number;
}

/** The op's bias added (when it has one), then its fused activation. */
function biasAct(c: OpContext, y: tf.Tensor): tf.Tensor {
  const b = c.op.inputs[2];
  return act(b !== undefined && b >= 0 ? tf.add(y, c.get(b)) : y, c.op.options.fusedActivationFunction);
}

function conv2d(c: OpContext): tf.Tensor {
  const w = tf.transpose(c.get(c.op.inputs[1]!), [1, 2, 3, 0]) as tf.Tensor4D; // OHWI → HWIO
  return biasAct(c, tf.conv2d(c.get(c.op.inputs[0]!) as tf.Tensor4D, w, strides(c.op), pad(c.op), 'NHWC', dilations(c.op)));
}

function depthwiseConv2d(c: OpContext): tf.Tensor {
  const xin = c.get(c.op.inputs[0]!) as tf.Tensor4D;
  const wt = c.get(c.op.inputs[1]!);
  const [, kh, kw, cout] = wt.shape as [number, number, number, number];
  const cin = xin.shape[3]!;
  const w = tf.reshape(wt, [kh, kw, cin, cout / cin]) as tf.Tensor4D; // 1HW(C·M) → HWCM
  return biasAct(c, tf.depthwiseConv2d(xin, w, strides(c.op), pad(c.op), 'NHWC', dilations(c.op)));
}

function fullyConnected(c: OpContext): tf.Tensor {
  const w = c.get(c.op.inputs[1]!);
  const xin = c.get(c.op.inputs[0]!);
  const y = biasAct(c, tf.matMul(tf.reshape(xin, [-1, w.shape[1]!]), w, false, true));
  return c.op.options.keepNumDims === true ? tf.reshape(y, [...xin.shape.slice(0, -1), w.shape[0]!]) : y;
}

function pool(c: OpContext): tf.Tensor {
  const o = c.op.options;
  const f: [number, number] = [Number(o.filterHeight), Number(o.filterWidth)];
  const xin = c.get(c.op.inputs[0]!) as tf.Tensor4D;
  const y = c.op.opcode === 'MAX_POOL_2D' ? tf.maxPool(xin, f, strides(c.op), pad(c.op)) : tf.avgPool(xin, f, strides(c.op), pad(c.op));
  return act(y, o.fusedActivationFunction);
}

function padOp(c: OpContext): tf.Tensor {
  const p = intData(c.g.tensors[c.op.inputs[1]!]!);
  const pairs: [number, number][] = [];
  for (let k = 0; k < p.length; k += 2) pairs.push([p[k]!, p[k + 1]!]);
  return tf.pad(c.get(c.op.inputs[0]!), pairs);
}

function concatenation(c: OpContext): tf.Tensor {
  const xs = c.op.inputs.map(c.get);
  const axis = Number(c.op.options.axis ?? 0);
  return act(tf.concat(xs, axis < 0 ? axis + xs[0]!.shape.length : axis), c.op.options.fusedActivationFunction);
}

const unary = (f: (x: tf.Tensor) => tf.Tensor) => (c: OpContext) => f(c.get(c.op.inputs[0]!));
const binary = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (c: OpContext) => act(f(c.get(c.op.inputs[0]!), c.get(c.op.inputs[1]!)), c.op.options.fusedActivationFunction);

/** How each VIEW_OPS opcode runs in TF.js (TFLite semantics, NHWC). */
const OP_RUNNERS: Record<string, (c: OpContext) => tf.Tensor> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  FULLY_CONNECTED: fullyConnected,
  AVERAGE_POOL_2D: pool,
  MAX_POOL_2D: pool,
  ADD: binary(tf.add),
  MUL: binary(tf.mul),
  RESHAPE: (c) => tf.reshape(c.get(c.op.inputs[0]!), [c.batch, ...c.g.tensors[c.op.outputs[0]!]!.shape.slice(1)]),
  SOFTMAX: (c) => tf.softmax(tf.mul(c.get(c.op.inputs[0]!), Number(c.op.options.beta ?? 1))),
  PAD: padOp,
  MEAN: (c) => tf.mean(c.get(c.op.inputs[0]!), intData(c.g.tensors[c.op.inputs[1]!]!), c.op.options.keepDims === true),
  CONCATENATION: concatenation,
  RELU: unary(tf.relu),
  RELU6: unary(tf.relu6),
  LOGISTIC: unary(tf.sigmoid),
  TANH: unary(tf.tanh),
};

/** Ops the view can run (float semantics). */
export const VIEW_OPS: ReadonlySet<string> = new Set(Object.keys(OP_RUNNERS));

/**
 * Runs the graph on a batch x [N, ...sampleShape]. Call inside tf.tidy / optimizer.minimize.
 * Returns the output (or logits) and any kept intermediates. Masked weights are used as they
 * are: every way of changing a parameter (optimizer steps through applyMasks, setMask,
 * setParamValues, restore) leaves its pruned entries at zero, so no mask pass is needed here.
 */
export function forward(m: TrainableModel, x: tf.Tensor, opts: ForwardOptions = {}): { y: tf.Tensor; kept: Map<number, tf.Tensor> } {
  const g = m.graph;
  const vals = new Map<number, tf.Tensor>();
  vals.set(g.inputs[0]!, x);
  const stopAt = opts.logits ? m.logitsTensor : g.outputs[0]!;
  const get = (i: number): tf.Tensor => {
    const v = vals.get(i) ?? m.params.get(i);
    if (v) return v;
    const t = g.tensors[i]!;
    if (!t.data) throw new TinypruneError('E_TRAIN', `tensor ${i} '${t.name}' is used before it is computed`);
    const c = tf.tensor(t.dtype === 'int32' || t.dtype === 'int64' ? Float32Array.from(intData(t)) : floatData(t), t.shape);
    vals.set(i, c);
    return c;
  };
  const batch = x.shape[0]!;
  for (const op of g.ops) {
    if (vals.has(stopAt)) break;
    const runner = OP_RUNNERS[op.opcode];
    if (!runner) throw new TinypruneError('E_UNSUPPORTED_OP', `cannot train through ${op.opcode}`);
    vals.set(op.outputs[0]!, runner({ op, g, get, batch }));
  }
  const y = vals.get(stopAt);
  if (!y) throw new TinypruneError('E_TRAIN', `the graph never computes tensor ${stopAt}`);
  const kept = new Map<number, tf.Tensor>();
  for (const k of opts.keep ?? []) {
    const v = vals.get(k) ?? m.params.get(k);
    if (v) kept.set(k, v);
  }
  return { y, kept };
}

/** v where mask is 1, +0 elsewhere (v·0 would give -0 for negative v: not byte-identical to 0). */
function masked(v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(mask, 0), v, tf.zerosLike(v));
}

/** Flat indices of a mask's zeros, cached per mask tensor (masks never change in place). */
const zerosOfMask = new WeakMap<tf.Tensor, Int32Array>();

function maskZeros(mask: tf.Tensor): Int32Array {
  let z = zerosOfMask.get(mask);
  if (!z) {
    const v = mask.dataSync();
    const idx: number[] = [];
    for (let i = 0; i < v.length; i++) if (!(v[i]! > 0)) idx.push(i);
    z = Int32Array.from(idx);
    zerosOfMask.set(mask, z);
  }
  return z;
}

/**
 * Zeroes v's pruned entries in place on the WASM backend: a write per pruned weight instead of
 * three kernels over the whole tensor and a copy. Only when v alone owns its data (refCount
 * 1), so no other tensor sees the change. Returns false where that is not possible.
 */
function zeroInPlace(v: tf.Variable, zeros: Int32Array): boolean {
  if (tf.getBackend() !== 'wasm' || v.dtype !== 'float32') return false;
  const backend = tf.backend() as unknown as WasmBackendLike & { refCount(dataId: object): number };
  if (backend.refCount(v.dataId) !== 1) return false;
  const data = heapF32(backend, v);
  for (let i = 0; i < zeros.length; i++) data[zeros[i]!] = 0;
  return true;
}

/**
 * Sets masked-out weights to exactly zero. Only for data no kernel has read since it was
 * written (after an optimizer step or setParamValues): WASM kernels cache packed weights
 * by tensor, so changing data in place under a cached copy would go unseen.
 */
export function applyMasks(m: TrainableModel): void {
  for (const t of m.masks.keys()) applyMask(m, t, true);
}

function applyMask(m: TrainableModel, t: number, fresh: boolean): void {
  const v = m.params.get(t);
  const mask = m.masks.get(t);
  if (!v || !mask) return;
  if (fresh && zeroInPlace(v, maskZeros(mask))) return;
  // assign() shares the new tensor's data; dispose our handle or every call leaks a copy.
  const nv = tf.tidy(() => masked(v, mask));
  v.assign(nv);
  nv.dispose();
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
  // The weights may have been read already (evaluation): a new tensor, not an in-place write.
  applyMask(m, weight, false);
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
  applyMask(m, t, true);
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
