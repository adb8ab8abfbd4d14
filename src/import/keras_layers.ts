/**
 * Keras layers → TFLite ops (src/import/keras.ts walks the model): one converter per layer
 * kind, each adding its tensors and ops to a Builder with weights in TFLite layouts.
 */
import { TinypruneError } from '../errors.js';
import type { Op, OptionValue, Tensor } from '../ir/graph.js';
import { f32Bytes } from '../train/tensor_data.js';

export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/** Where a layer's weights come from: (layer name, short name such as 'kernel') → array. */
export interface WeightSource {
  get(layer: string, name: string): WeightArray | undefined;
}

export function fail(msg: string, where?: string, hint?: string): never {
  throw new TinypruneError('E_IMPORT', msg, { ...(where ? { where } : {}), ...(hint ? { hint } : {}) });
}

export class Builder {
  /** How many layers consume each layer's output (from the config, before building). */
  consumers = new Map<string, number>();
  tensors: Tensor[] = [];
  ops: Op[] = [];
  byLayer = new Map<string, number>();
  add(name: string, shape: number[], data?: Float32Array): number {
    const t: Tensor = { name, shape, dtype: 'float32', isVariable: false };
    if (data) t.data = f32Bytes(data);
    this.tensors.push(t);
    return this.tensors.length - 1;
  }
  /** True when the tensor is one layer's output that exactly one later layer consumes. */
  singleUse(t: number): boolean {
    for (const [layer, ti] of this.byLayer) if (ti === t) return (this.consumers.get(layer) ?? 0) <= 1;
    return true;
  }
  addInt(name: string, values: number[]): number {
    const d = new Int32Array(values);
    this.tensors.push({ name, shape: [values.length], dtype: 'int32', isVariable: false, data: new Uint8Array(d.buffer.slice(0)) });
    return this.tensors.length - 1;
  }
  op(opcode: string, inputs: number[], outputs: number[], optionsType: string, options: Record<string, OptionValue>): void {
    this.ops.push({ opcode, version: 1, inputs, outputs, optionsType, options });
  }
}

const pair = (v: unknown, d: number): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : v === undefined || v === null ? [d, d] : [Number(v), Number(v)]);

function outSize(n: number, k: number, s: number, dil: number, pad: string): number {
  const eff = (k - 1) * dil + 1;
  return pad === 'same' ? Math.ceil(n / s) : Math.floor((n - eff) / s) + 1;
}

function activationOf(a: unknown, where: string): { fused: string; softmax: boolean } {
  const s = String(a ?? 'linear');
  if (s === 'linear') return { fused: 'NONE', softmax: false };
  if (s === 'relu') return { fused: 'RELU', softmax: false };
  if (s === 'relu6') return { fused: 'RELU6', softmax: false };
  if (s === 'tanh') return { fused: 'TANH', softmax: false };
  if (s === 'softmax') return { fused: 'NONE', softmax: true };
  return fail(`activation '${s}' is not supported`, where, 'supported: linear, relu, relu6, tanh, softmax');
}

/** One layer being converted: its config, names, and the tensors it reads. */
export interface LayerCtx {
  b: Builder;
  /** The layer's class, with Activation('linear') told apart as 'Activation:linear'. */
  cls: string;
  c: Record<string, unknown>;
  name: string;
  where: string;
  ins: number[];
  /** The first input and its shape. */
  x: number;
  xs: number[];
  weights: WeightSource;
  need: (layer: string, name: string) => WeightArray;
}

/** Conv2D; DepthwiseConv2D; SeparableConv2D as a depthwise conv (no bias) then a 1×1 conv. */
export function convLayer(l: LayerCtx): number {
  const { b, cls, c, name, where, x, need } = l;
  if (c.data_format && c.data_format !== 'channels_last') fail('only channels_last is supported', where);
  if (Number(c.groups ?? 1) !== 1) fail('grouped convolutions are not supported', where);
  const [kh, kw] = pair(c.kernel_size, 1);
  const [sh, sw] = pair(c.strides, 1);
  const [dh, dw] = pair(c.dilation_rate, 1);
  const pad = String(c.padding ?? 'valid');
  const [, h, w, cin] = l.xs as [number, number, number, number];
  const oh = outSize(h, kh, sh, dh, pad);
  const ow = outSize(w, kw, sw, dw, pad);
  const act = activationOf(c.activation, where);
  const conv = { padding: pad === 'same' ? 'SAME' : 'VALID', strideW: sw, strideH: sh, dilationWFactor: dw, dilationHFactor: dh };
  let input = x;
  if (cls !== 'Conv2D') {
    const dk = need(name, 'depthwise_kernel');
    const m = Number(c.depth_multiplier ?? 1);
    // Keras [kh, kw, cin, m] and TFLite [1, kh, kw, cin·m] have the same memory order.
    const dwW = b.add(`${name}/depthwise_weights`, [1, kh, kw, cin * m], dk.values);
    const biasVals = cls === 'DepthwiseConv2D' && c.use_bias !== false ? need(name, 'bias').values : new Float32Array(cin * m);
    const dwB = b.add(`${name}/depthwise_bias`, [cin * m], biasVals);
    const dy = b.add(cls === 'DepthwiseConv2D' ? name : `${name}/depthwise`, [1, oh, ow, cin * m]);
    b.op('DEPTHWISE_CONV_2D', [input, dwW, dwB], [dy], 'DepthwiseConv2DOptions', { ...conv, depthMultiplier: m, fusedActivationFunction: cls === 'DepthwiseConv2D' ? act.fused : 'NONE' });
    if (cls === 'DepthwiseConv2D') return act.softmax ? softmax(b, dy, name) : dy;
    input = dy;
  }
  const k = need(name, cls === 'Conv2D' ? 'kernel' : 'pointwise_kernel');
  const [khh, kww, ci, co] = k.shape as [number, number, number, number];
  const ohwi = new Float32Array(k.values.length);
  for (let i = 0; i < khh; i++) for (let j = 0; j < kww; j++) for (let p = 0; p < ci; p++) for (let o = 0; o < co; o++) ohwi[((o * khh + i) * kww + j) * ci + p] = k.values[((i * kww + j) * ci + p) * co + o]!;
  const wt = b.add(`${name}/weights`, [co, khh, kww, ci], ohwi);
  const bias = b.add(`${name}/bias`, [co], c.use_bias !== false ? need(name, 'bias').values : new Float32Array(co));
  const pw = cls === 'Conv2D' ? conv : { padding: 'VALID', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1 };
  const y = b.add(name, [1, oh, ow, co]);
  b.op('CONV_2D', [input, wt, bias], [y], 'Conv2DOptions', { ...pw, fusedActivationFunction: act.fused });
  return act.softmax ? softmax(b, y, name) : y;
}

export function denseLayer(l: LayerCtx): number {
  const { b, c, name, where, x, xs, need } = l;
  if (xs.length !== 2) fail(`Dense on a rank-${xs.length} input is not supported (add a Flatten)`, where);
  const k = need(name, 'kernel');
  const [inF, outF] = k.shape as [number, number];
  const t = new Float32Array(k.values.length);
  for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) t[o * inF + i] = k.values[i * outF + o]!;
  const act = activationOf(c.activation, where);
  const wt = b.add(`${name}/weights`, [outF, inF], t);
  const bias = b.add(`${name}/bias`, [outF], c.use_bias !== false ? need(name, 'bias').values : new Float32Array(outF));
  const y = b.add(name, [1, outF]);
  b.op('FULLY_CONNECTED', [x, wt, bias], [y], 'FullyConnectedOptions', { fusedActivationFunction: act.fused, weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false });
  return act.softmax ? softmax(b, y, name) : y;
}

/** Activation, ReLU and Softmax layers: fused into the op before when they can be. */
export function activationLayer(l: LayerCtx): number {
  const { b, cls, c, name, where, x } = l;
  const a = cls === 'ReLU' ? (Number(c.max_value ?? 0) === 6 ? 'relu6' : c.max_value ? 'unsupported' : 'relu') : cls === 'Softmax' ? 'softmax' : String(c.activation);
  if (cls === 'ReLU' && (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0)) fail('leaky/thresholded ReLU is not supported', where);
  const act = activationOf(a, where);
  return act.softmax ? softmax(b, x, name) : fuseOrAddActivation(b, x, act.fused, name);
}

export function poolLayer(l: LayerCtx): number {
  const { b, cls, c, name, x } = l;
  const [ph, pw] = pair(c.pool_size, 2);
  const [sh, sw] = pair(c.strides ?? c.pool_size, 2);
  const pad = String(c.padding ?? 'valid');
  const [, h, w, ch] = l.xs as [number, number, number, number];
  const y = b.add(name, [1, outSize(h, ph, sh, 1, pad), outSize(w, pw, sw, 1, pad), ch]);
  b.op(cls === 'MaxPooling2D' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [x], [y], 'Pool2DOptions', { padding: pad === 'same' ? 'SAME' : 'VALID', strideW: sw, strideH: sh, filterWidth: pw, filterHeight: ph, fusedActivationFunction: 'NONE' });
  return y;
}

/** Flatten and Reshape (a -1 in the target shape takes what is left). */
export function reshapeLayer(l: LayerCtx): number {
  const { b, c, name, x, xs } = l;
  const shape = l.cls === 'Flatten' ? [1, xs.slice(1).reduce((a2, d) => a2 * d, 1)] : [1, ...(c.target_shape as number[]).map(Number)];
  if (shape.includes(-1)) {
    const known = shape.filter((d) => d !== -1).reduce((a2, d) => a2 * d, 1);
    shape[shape.indexOf(-1)] = xs.reduce((a2, d) => a2 * d, 1) / known;
  }
  const y = b.add(name, shape);
  b.op('RESHAPE', [x, b.addInt(`${name}/shape`, shape)], [y], 'ReshapeOptions', { newShape: shape });
  return y;
}

/** Add of n inputs: a chain of n - 1 two-input ADDs. */
export function addLayer(l: LayerCtx): number {
  const { b, name, ins } = l;
  let y = ins[0]!;
  for (let k = 1; k < ins.length; k++) {
    const out = b.add(k === ins.length - 1 ? name : `${name}/${k}`, [...b.tensors[ins[0]!]!.shape]);
    b.op('ADD', [y, ins[k]!], [out], 'AddOptions', { fusedActivationFunction: 'NONE', potScaleInt16: true });
    y = out;
  }
  return y;
}

export function concatenateLayer(l: LayerCtx): number {
  const { b, c, name, ins, xs } = l;
  const rank = xs.length;
  const axis = Number(c.axis ?? -1);
  const ax = axis < 0 ? axis + rank : axis;
  const shape = [...xs];
  shape[ax] = ins.reduce((a2, t) => a2 + b.tensors[t]!.shape[ax]!, 0);
  const y = b.add(name, shape);
  b.op('CONCATENATION', ins, [y], 'ConcatenationOptions', { axis: ax, fusedActivationFunction: 'NONE' });
  return y;
}

export function zeroPaddingLayer(l: LayerCtx): number {
  const { b, name, x, xs } = l;
  const p = l.c.padding as unknown;
  const [[t, bo], [le, ri]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : (() => {
    const [ph, pw] = pair(p, 1);
    return [[ph, ph], [pw, pw]] as [[number, number], [number, number]];
  })();
  const y = b.add(name, [1, xs[1]! + t + bo, xs[2]! + le + ri, xs[3]!]);
  b.op('PAD', [x, b.addInt(`${name}/paddings`, [0, 0, t, bo, le, ri, 0, 0])], [y], 'PadOptions', {});
  return y;
}

function softmax(b: Builder, x: number, name: string): number {
  const y = b.add(`${name}/softmax`, [...b.tensors[x]!.shape]);
  b.op('SOFTMAX', [x], [y], 'SoftmaxOptions', { beta: 1 });
  return y;
}

const FUSABLE = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD']);

/** Fuses RELU/RELU6 into the op producing x when it has no activation yet and x has no other use. */
function fuseOrAddActivation(b: Builder, x: number, fused: string, name: string): number {
  if (fused === 'NONE') return x;
  const producer = b.ops.find((o) => o.outputs[0] === x);
  const used = b.ops.some((o) => o.inputs.includes(x)) || !b.singleUse(x);
  if (producer && FUSABLE.has(producer.opcode) && (producer.options.fusedActivationFunction ?? 'NONE') === 'NONE' && !used) {
    producer.options.fusedActivationFunction = fused;
    b.tensors[x]!.name = name;
    return x;
  }
  const y = b.add(name, [...b.tensors[x]!.shape]);
  b.op(fused === 'RELU6' ? 'RELU6' : fused === 'TANH' ? 'TANH' : 'RELU', [x], [y], '', {});
  return y;
}

/** y = γ·(x − μ)/√(σ² + ε) + β folded into the producing conv/dense (per output channel). */
export function foldBatchNorm(b: Builder, x: number, name: string, c: Record<string, unknown>, weights: WeightSource, where: string): number {
  const producer = b.ops.find((o) => o.outputs[0] === x);
  const used = b.ops.some((o) => o.inputs.includes(x) && o !== producer) || !b.singleUse(x);
  if (!producer || !['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(producer.opcode) || (producer.options.fusedActivationFunction ?? 'NONE') !== 'NONE' || used) {
    fail('BatchNormalization can only be folded into a conv/dense with a linear activation whose output feeds nothing else', where);
  }
  const eps = Number(c.epsilon ?? 1e-3);
  const ch = b.tensors[x]!.shape[b.tensors[x]!.shape.length - 1]!;
  const get = (n: string, dflt: number): Float32Array => weights.get(name, n)?.values ?? new Float32Array(ch).fill(dflt);
  const gamma = c.scale === false ? new Float32Array(ch).fill(1) : get('gamma', 1);
  const beta = c.center === false ? new Float32Array(ch) : get('beta', 0);
  const mean = get('moving_mean', 0);
  const variance = get('moving_variance', 1);
  const wT = b.tensors[producer.inputs[1]!]!;
  const bT = b.tensors[producer.inputs[2]!]!;
  const w = new Float32Array(wT.data!.slice().buffer);
  const bias = new Float32Array(bT.data!.slice().buffer);
  const per = w.length / ch;
  const dw = producer.opcode === 'DEPTHWISE_CONV_2D';
  for (let o = 0; o < ch; o++) {
    const s = gamma[o]! / Math.sqrt(variance[o]! + eps);
    if (dw) for (let k = 0; k < per; k++) w[k * ch + o]! *= s;
    else for (let k = 0; k < per; k++) w[o * per + k]! *= s;
    bias[o] = (bias[o]! - mean[o]!) * s + beta[o]!;
  }
  wT.data = f32Bytes(w);
  bT.data = f32Bytes(bias);
  b.tensors[x]!.name = name;
  return x;
}

