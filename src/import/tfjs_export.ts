/**
 * A float32 ModelGraph → a TF.js layers model (model.json + one weight shard), the format
 * tf.loadLayersModel() reads: a Keras functional config plus a float32 weights manifest.
 * Fused activations become the layers' `activation`; SOFTMAX becomes a Softmax layer.
 * Layouts go back to Keras: OHWI → HWIO, 1HW(C·M) → HWCM, [out, in] → [in, out].
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Op } from '../ir/graph.js';
import { floatData, intData } from '../train/tensor_data.js';

export interface TfjsLayersFiles {
  modelJson: string;
  /** File name → bytes (one shard). */
  shards: Map<string, Uint8Array>;
}

const ACT: Record<string, string> = { NONE: 'linear', RELU: 'relu', RELU6: 'relu6', TANH: 'tanh' };

type Layer = Record<string, unknown>;

/** The weights manifest and the float32 values of the shard, in the same order. */
class Weights {
  manifest: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  chunks: Float32Array[] = [];
  add(layer: string, w: string, shape: number[], v: Float32Array): void {
    this.manifest.push({ name: `${layer}/${w}`, shape, dtype: 'float32' });
    this.chunks.push(v);
  }
  /** The shard: every value, little-endian float32. */
  shard(): Uint8Array {
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const shard = new Uint8Array(total * 4);
    const dv = new DataView(shard.buffer);
    let off = 0;
    for (const c of this.chunks) for (const v of c) {
      dv.setFloat32(off, v, true);
      off += 4;
    }
    return shard;
  }
}

/** The bias of a conv/dense op: its tensor, or zeros when it has none. */
const biasOf = (g: ModelGraph, op: Op, n: number): Float32Array => (op.inputs[2]! >= 0 ? floatData(g.tensors[op.inputs[2]!]!) : new Float32Array(n));

const dilation = (o: Op['options']) => [o.dilationHFactor ?? 1, o.dilationWFactor ?? 1];

/** CONV_2D: OHWI weights → HWIO. */
function conv2dLayer(g: ModelGraph, op: Op, name: string, act: string, pad: string, weights: Weights): Layer {
  const o = op.options;
  const w = g.tensors[op.inputs[1]!]!;
  const [co, kh, kw, ci] = w.shape as [number, number, number, number];
  const v = floatData(w);
  const hwio = new Float32Array(v.length);
  for (let oo = 0; oo < co; oo++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let p = 0; p < ci; p++) hwio[((i * kw + j) * ci + p) * co + oo] = v[((oo * kh + i) * kw + j) * ci + p]!;
  weights.add(name, 'kernel', [kh, kw, ci, co], hwio);
  weights.add(name, 'bias', [co], biasOf(g, op, co));
  return { class_name: 'Conv2D', config: { name, filters: co, kernel_size: [kh, kw], strides: [o.strideH, o.strideW], padding: pad, dilation_rate: dilation(o), activation: act, use_bias: true, data_format: 'channels_last' } };
}

/** DEPTHWISE_CONV_2D: 1HW(C·M) weights are HWCM in the same memory order. */
function depthwiseLayer(g: ModelGraph, op: Op, name: string, act: string, pad: string, weights: Weights): Layer {
  const o = op.options;
  const w = g.tensors[op.inputs[1]!]!;
  const [, kh, kw, cout] = w.shape as [number, number, number, number];
  const cin = g.tensors[op.inputs[0]!]!.shape[3]!;
  weights.add(name, 'depthwise_kernel', [kh, kw, cin, cout / cin], floatData(w));
  weights.add(name, 'bias', [cout], biasOf(g, op, cout));
  return { class_name: 'DepthwiseConv2D', config: { name, kernel_size: [kh, kw], strides: [o.strideH, o.strideW], padding: pad, depth_multiplier: cout / cin, dilation_rate: dilation(o), activation: act, use_bias: true, data_format: 'channels_last' } };
}

/** FULLY_CONNECTED: [out, in] weights → [in, out]. */
function denseLayer(g: ModelGraph, op: Op, name: string, act: string, weights: Weights): Layer {
  const w = g.tensors[op.inputs[1]!]!;
  const [out, inF] = w.shape as [number, number];
  const v = floatData(w);
  const t = new Float32Array(v.length);
  for (let oo = 0; oo < out; oo++) for (let i = 0; i < inF; i++) t[i * out + oo] = v[oo * inF + i]!;
  weights.add(name, 'kernel', [inF, out], t);
  weights.add(name, 'bias', [out], biasOf(g, op, out));
  return { class_name: 'Dense', config: { name, units: out, activation: act, use_bias: true } };
}

/** The Keras layer of one op (its weights added to the shard). */
function layerOf(g: ModelGraph, op: Op, name: string, act: string, weights: Weights): Layer {
  const o = op.options;
  const pad = o.padding === 'VALID' ? 'valid' : 'same';
  switch (op.opcode) {
    case 'CONV_2D':
      return conv2dLayer(g, op, name, act, pad, weights);
    case 'DEPTHWISE_CONV_2D':
      return depthwiseLayer(g, op, name, act, pad, weights);
    case 'FULLY_CONNECTED':
      return denseLayer(g, op, name, act, weights);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D':
      return { class_name: op.opcode === 'MAX_POOL_2D' ? 'MaxPooling2D' : 'AveragePooling2D', config: { name, pool_size: [o.filterHeight, o.filterWidth], strides: [o.strideH, o.strideW], padding: pad, data_format: 'channels_last' } };
    case 'RESHAPE':
      return { class_name: 'Reshape', config: { name, target_shape: g.tensors[op.outputs[0]!]!.shape.slice(1) } };
    case 'SOFTMAX':
      return { class_name: 'Softmax', config: { name, axis: -1 } };
    case 'ADD':
      return { class_name: 'Add', config: { name } };
    case 'CONCATENATION':
      return { class_name: 'Concatenate', config: { name, axis: Number(o.axis ?? -1) } };
    case 'MEAN': {
      const axes = intData(g.tensors[op.inputs[1]!]!);
      if (axes.join(',') !== '1,2') throw new TinypruneError('E_OUTPUT', `MEAN over axes [${axes.join(', ')}] has no Keras layer`);
      return { class_name: 'GlobalAveragePooling2D', config: { name, data_format: 'channels_last', keepdims: o.keepDims === true } };
    }
    case 'PAD': {
      const p = intData(g.tensors[op.inputs[1]!]!);
      return { class_name: 'ZeroPadding2D', config: { name, padding: [[p[2], p[3]], [p[4], p[5]]], data_format: 'channels_last' } };
    }
    case 'RELU':
    case 'RELU6':
      return { class_name: 'ReLU', config: { name, ...(op.opcode === 'RELU6' ? { max_value: 6 } : {}) } };
    default:
      throw new TinypruneError('E_OUTPUT', `${op.opcode} has no TF.js layers equivalent here`);
  }
}

/** Layer names from tensor names: Keras-safe and unique. */
function uniqueNames(g: ModelGraph): (t: number) => string {
  const used = new Set<string>();
  return (t) => {
    let n = g.tensors[t]!.name.replace(/[^A-Za-z0-9_]/g, '_') || `t${t}`;
    while (used.has(n)) n = `${n}_`;
    used.add(n);
    return n;
  };
}

export function exportTfjsLayers(g: ModelGraph, shardName = 'group1-shard1of1.bin'): TfjsLayersFiles {
  if (g.inputs.length !== 1) throw new TinypruneError('E_OUTPUT', 'TF.js layers export needs a single-input model');
  if (g.tensors.some((t) => t.dtype !== 'float32' && t.dtype !== 'int32')) throw new TinypruneError('E_OUTPUT', 'TF.js layers export needs a float32 model (export before int8 quantization)');
  const layerOfTensor = new Map<number, string>();
  const nameFor = uniqueNames(g);
  const layers: Layer[] = [];
  const weights = new Weights();
  const inT = g.inputs[0]!;
  const inName = nameFor(inT);
  layers.push({ class_name: 'InputLayer', name: inName, inbound_nodes: [], config: { name: inName, batch_input_shape: [null, ...g.tensors[inT]!.shape.slice(1)], dtype: 'float32', sparse: false } });
  layerOfTensor.set(inT, inName);
  const inbound = (ts: number[]): unknown[] => [ts.map((t) => [layerOfTensor.get(t) ?? (() => { throw new TinypruneError('E_OUTPUT', `tensor ${t} is used before it is produced`); })(), 0, 0, {}])];
  for (const op of g.ops) {
    const y = op.outputs[0]!;
    const name = nameFor(y);
    const act = ACT[String(op.options.fusedActivationFunction ?? 'NONE')];
    if (act === undefined) throw new TinypruneError('E_OUTPUT', `fused activation ${String(op.options.fusedActivationFunction)} has no Keras equivalent`);
    const layer = layerOf(g, op, name, act, weights);
    const dataInputs = op.opcode === 'CONCATENATION' || op.opcode === 'ADD' ? op.inputs : [op.inputs[0]!];
    // Fused activations on ADD/CONCATENATION: Keras has none there; add an Activation layer.
    const needsAct = (op.opcode === 'ADD' || op.opcode === 'CONCATENATION') && act !== 'linear';
    const lname = needsAct ? `${name}_pre` : name;
    (layer.config as Record<string, unknown>).name = lname;
    layers.push({ ...layer, name: lname, inbound_nodes: inbound(dataInputs) });
    layerOfTensor.set(y, lname);
    if (needsAct) {
      layers.push({ class_name: act === 'relu6' ? 'ReLU' : 'Activation', name, inbound_nodes: [[[lname, 0, 0, {}]]], config: act === 'relu6' ? { name, max_value: 6 } : { name, activation: act } });
      layerOfTensor.set(y, name);
    }
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'tinyprune',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: 'tinyprune', layers, input_layers: [[inName, 0, 0]], output_layers: g.outputs.map((t) => [layerOfTensor.get(t)!, 0, 0]) },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [shardName], weights: weights.manifest }],
  };
  return { modelJson: JSON.stringify(modelJson), shards: new Map([[shardName, weights.shard()]]) };
}
