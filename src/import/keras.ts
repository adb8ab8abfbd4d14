/**
 * Keras model config (the JSON in a Keras .h5 file's `model_config` attribute, and in a TF.js
 * layers model.json's `modelTopology`) + weights → a float32 ModelGraph (batch 1, TFLite
 * layouts). BatchNormalization is folded into the preceding conv/dense; ReLU/ReLU6 activations
 * are fused into the op before them, as the TFLite converter does.
 *
 * Supported layers: InputLayer, Conv2D, DepthwiseConv2D, SeparableConv2D, Dense,
 * BatchNormalization (folded), Activation/ReLU, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D, Flatten, Reshape, Add, Concatenate, ZeroPadding2D, Dropout and other
 * inference-time identities.
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Op, OptionValue, Tensor } from '../ir/graph.js';
import { f32Bytes } from '../train/tensor_data.js';

export interface WeightArray {
  shape: number[];
  values: Float32Array;
}

/** Where a layer's weights come from: (layer name, short name such as 'kernel') → array. */
export interface WeightSource {
  get(layer: string, name: string): WeightArray | undefined;
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

interface KerasModelConfig {
  class_name: string;
  config: { name?: string; layers: KerasLayer[]; input_layers?: unknown[]; output_layers?: unknown[] } | KerasLayer[];
}

const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'ActivityRegularization', 'Activation:linear']);

function fail(msg: string, where?: string, hint?: string): never {
  throw new TinypruneError('E_IMPORT', msg, { ...(where ? { where } : {}), ...(hint ? { hint } : {}) });
}

class Builder {
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

/** Inbound layer names of a functional layer (first node only: shared layers are not supported). */
function inboundNames(l: KerasLayer): string[] {
  const nodes = l.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) fail(`layer '${l.config.name}' is applied ${nodes.length} times (shared layers are not supported)`);
  const node = nodes[0] as unknown;
  // Keras 2: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3: {args: [...]} — handle the former.
  if (Array.isArray(node)) return node.map((e) => String((e as unknown[])[0]));
  const args = (node as { args?: unknown[] }).args ?? [];
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (v && typeof v === 'object') {
      const hist = (v as { config?: { keras_history?: unknown[] } }).config?.keras_history;
      if (Array.isArray(hist)) names.push(String(hist[0]));
      else if (Array.isArray(v)) v.forEach(walk);
    }
  };
  walk(args);
  return names;
}

export function kerasToGraph(modelConfig: KerasModelConfig, weights: WeightSource, description = 'imported Keras model'): ModelGraph {
  const b = new Builder();
  const cfg = modelConfig.config;
  const layers: KerasLayer[] = Array.isArray(cfg) ? cfg : cfg.layers;
  const sequential = modelConfig.class_name === 'Sequential';
  const inputs: number[] = [];
  let prev: number | undefined;
  layers.forEach((l, i) => {
    const names = sequential ? (i > 0 ? [String(layers[i - 1]!.config.name)] : []) : inboundNames(l);
    for (const n of names) b.consumers.set(n, (b.consumers.get(n) ?? 0) + 1);
  });
  if (!sequential && !Array.isArray(cfg)) for (const o of cfg.output_layers ?? []) b.consumers.set(String((o as unknown[])[0]), 99);
  const need = (layer: string, name: string): WeightArray => weights.get(layer, name) ?? fail(`weight '${name}' of layer '${layer}' is missing`, layer);

  for (const l of layers) {
    const c = l.config;
    const name = String(c.name ?? l.name);
    const where = `layer '${name}' (${l.class_name})`;
    let ins: number[];
    if (sequential) ins = prev === undefined ? [] : [prev];
    else ins = inboundNames(l).map((n) => b.byLayer.get(n) ?? fail(`input '${n}' is not defined before it is used`, where));
    if (sequential && prev === undefined && l.class_name !== 'InputLayer') {
      const shape = (c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined;
      if (!shape) fail('a Sequential model needs an input shape on its first layer', where);
      const x = b.add('input', [1, ...shape.slice(1).map(Number)]);
      inputs.push(x);
      ins = [x];
    }
    const x = ins[0]!;
    const xs = x === undefined ? [] : b.tensors[x]!.shape;
    let y: number;
    const cls = l.class_name === 'Activation' && c.activation === 'linear' ? 'Activation:linear' : l.class_name;
    switch (cls) {
      case 'InputLayer': {
        const shape = (c.batch_input_shape ?? c.batch_shape) as (number | null)[];
        y = b.add(name, [1, ...shape.slice(1).map(Number)]);
        inputs.push(y);
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        if (c.data_format && c.data_format !== 'channels_last') fail('only channels_last is supported', where);
        if (Number(c.groups ?? 1) !== 1) fail('grouped convolutions are not supported', where);
        const [kh, kw] = pair(c.kernel_size, 1);
        const [sh, sw] = pair(c.strides, 1);
        const [dh, dw] = pair(c.dilation_rate, 1);
        const pad = String(c.padding ?? 'valid');
        const [, h, w, cin] = xs as [number, number, number, number];
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
          if (cls === 'DepthwiseConv2D') {
            y = dy;
            if (act.softmax) y = softmax(b, y, name);
            break;
          }
          input = dy;
        }
        const k = need(name, cls === 'Conv2D' ? 'kernel' : 'pointwise_kernel');
        const [khh, kww, ci, co] = k.shape as [number, number, number, number];
        const ohwi = new Float32Array(k.values.length);
        for (let i = 0; i < khh; i++) for (let j = 0; j < kww; j++) for (let p = 0; p < ci; p++) for (let o = 0; o < co; o++) ohwi[((o * khh + i) * kww + j) * ci + p] = k.values[((i * kww + j) * ci + p) * co + o]!;
        const wt = b.add(`${name}/weights`, [co, khh, kww, ci], ohwi);
        const bias = b.add(`${name}/bias`, [co], c.use_bias !== false ? need(name, 'bias').values : new Float32Array(co));
        const pw = cls === 'Conv2D' ? conv : { padding: 'VALID', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1 };
        const [ph, pwid] = cls === 'Conv2D' ? [oh, ow] : [oh, ow];
        y = b.add(name, [1, ph, pwid, co]);
        b.op('CONV_2D', [input, wt, bias], [y], 'Conv2DOptions', { ...pw, fusedActivationFunction: act.fused });
        if (act.softmax) y = softmax(b, y, name);
        break;
      }
      case 'Dense': {
        if (xs.length !== 2) fail(`Dense on a rank-${xs.length} input is not supported (add a Flatten)`, where);
        const k = need(name, 'kernel');
        const [inF, outF] = k.shape as [number, number];
        const t = new Float32Array(k.values.length);
        for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) t[o * inF + i] = k.values[i * outF + o]!;
        const act = activationOf(c.activation, where);
        const wt = b.add(`${name}/weights`, [outF, inF], t);
        const bias = b.add(`${name}/bias`, [outF], c.use_bias !== false ? need(name, 'bias').values : new Float32Array(outF));
        y = b.add(name, [1, outF]);
        b.op('FULLY_CONNECTED', [x, wt, bias], [y], 'FullyConnectedOptions', { fusedActivationFunction: act.fused, weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false });
        if (act.softmax) y = softmax(b, y, name);
        break;
      }
      case 'BatchNormalization': {
        y = foldBatchNorm(b, x, name, c, weights, where);
        break;
      }
      case 'Activation':
      case 'ReLU':
      case 'Softmax': {
        const a = cls === 'ReLU' ? (Number(c.max_value ?? 0) === 6 ? 'relu6' : c.max_value ? 'unsupported' : 'relu') : cls === 'Softmax' ? 'softmax' : String(c.activation);
        if (cls === 'ReLU' && (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0)) fail('leaky/thresholded ReLU is not supported', where);
        const act = activationOf(a, where);
        if (act.softmax) y = softmax(b, x, name);
        else y = fuseOrAddActivation(b, x, act.fused, name);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const [ph, pw] = pair(c.pool_size, 2);
        const [sh, sw] = pair(c.strides ?? c.pool_size, 2);
        const pad = String(c.padding ?? 'valid');
        const [, h, w, ch] = xs as [number, number, number, number];
        y = b.add(name, [1, outSize(h, ph, sh, 1, pad), outSize(w, pw, sw, 1, pad), ch]);
        b.op(cls === 'MaxPooling2D' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [x], [y], 'Pool2DOptions', { padding: pad === 'same' ? 'SAME' : 'VALID', strideW: sw, strideH: sh, filterWidth: pw, filterHeight: ph, fusedActivationFunction: 'NONE' });
        break;
      }
      case 'GlobalAveragePooling2D': {
        const keep = c.keepdims === true;
        const ch = xs[3]!;
        y = b.add(name, keep ? [1, 1, 1, ch] : [1, ch]);
        b.op('MEAN', [x, b.addInt(`${name}/axes`, [1, 2])], [y], 'ReducerOptions', { keepDims: keep });
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        const shape = cls === 'Flatten' ? [1, xs.slice(1).reduce((a2, d) => a2 * d, 1)] : [1, ...(c.target_shape as number[]).map(Number)];
        if (shape.includes(-1)) {
          const known = shape.filter((d) => d !== -1).reduce((a2, d) => a2 * d, 1);
          shape[shape.indexOf(-1)] = xs.reduce((a2, d) => a2 * d, 1) / known;
        }
        y = b.add(name, shape);
        b.op('RESHAPE', [x, b.addInt(`${name}/shape`, shape)], [y], 'ReshapeOptions', { newShape: shape });
        break;
      }
      case 'Add': {
        y = ins[0]!;
        for (let k = 1; k < ins.length; k++) {
          const out = b.add(k === ins.length - 1 ? name : `${name}/${k}`, [...b.tensors[ins[0]!]!.shape]);
          b.op('ADD', [y, ins[k]!], [out], 'AddOptions', { fusedActivationFunction: 'NONE', potScaleInt16: true });
          y = out;
        }
        break;
      }
      case 'Concatenate': {
        const rank = xs.length;
        const axis = Number(c.axis ?? -1);
        const ax = axis < 0 ? axis + rank : axis;
        const shape = [...xs];
        shape[ax] = ins.reduce((a2, t) => a2 + b.tensors[t]!.shape[ax]!, 0);
        y = b.add(name, shape);
        b.op('CONCATENATION', ins, [y], 'ConcatenationOptions', { axis: ax, fusedActivationFunction: 'NONE' });
        break;
      }
      case 'ZeroPadding2D': {
        const p = c.padding as unknown;
        const [[t, bo], [le, ri]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : (() => {
          const [ph, pw] = pair(p, 1);
          return [[ph, ph], [pw, pw]] as [[number, number], [number, number]];
        })();
        y = b.add(name, [1, xs[1]! + t + bo, xs[2]! + le + ri, xs[3]!]);
        b.op('PAD', [x, b.addInt(`${name}/paddings`, [0, 0, t, bo, le, ri, 0, 0])], [y], 'PadOptions', {});
        break;
      }
      default:
        if (IDENTITY.has(cls)) {
          y = x;
          break;
        }
        fail(`Keras layer ${l.class_name} is not supported`, where, 'supported: Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization, Activation/ReLU, pooling, Flatten/Reshape, Add, Concatenate, ZeroPadding2D, Dropout');
    }
    b.byLayer.set(name, y);
    prev = y;
  }
  let outputs: number[];
  if (sequential || Array.isArray(cfg)) outputs = [prev!];
  else outputs = (cfg.output_layers ?? []).map((o) => b.byLayer.get(String((o as unknown[])[0]))!);
  return compact({ schemaVersion: 3, description, name: 'main', tensors: b.tensors, ops: b.ops, inputs, outputs, metadata: [] });
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
function foldBatchNorm(b: Builder, x: number, name: string, c: Record<string, unknown>, weights: WeightSource, where: string): number {
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

/** Drops tensors no op or graph input/output references, renumbering the rest. */
function compact(g: ModelGraph): ModelGraph {
  const used = new Set<number>([...g.inputs, ...g.outputs]);
  for (const op of g.ops) for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) used.add(t);
  const map = new Map<number, number>();
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => {
    if (!used.has(i)) return;
    map.set(i, tensors.length);
    tensors.push(t);
  });
  const m = (i: number): number => (i < 0 ? i : map.get(i)!);
  return { ...g, tensors, ops: g.ops.map((o) => ({ ...o, inputs: o.inputs.map(m), outputs: o.outputs.map(m) })), inputs: g.inputs.map(m), outputs: g.outputs.map(m) };
}
