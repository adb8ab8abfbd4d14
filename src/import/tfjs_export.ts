/**
 * A float32 ModelGraph → a TF.js layers model (model.json + one weight shard), the format
 * tf.loadLayersModel() reads: a Keras functional config plus a float32 weights manifest.
 * Fused activations become the layers' `activation`; SOFTMAX becomes a Softmax layer.
 * Layouts go back to Keras: OHWI → HWIO, 1HW(C·M) → HWCM, [out, in] → [in, out].
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { floatData, intData } from '../train/tensor_data.js';

export interface TfjsLayersFiles {
  modelJson: string;
  /** File name → bytes (one shard). */
  shards: Map<string, Uint8Array>;
}

const ACT: Record<string, string> = { NONE: 'linear', RELU: 'relu', RELU6: 'relu6', TANH: 'tanh' };

export function exportTfjsLayers(g: ModelGraph, shardName = 'group1-shard1of1.bin'): TfjsLayersFiles {
  if (g.inputs.length !== 1) throw new TinypruneError('E_OUTPUT', 'TF.js layers export needs a single-input model');
  if (g.tensors.some((t) => t.dtype !== 'float32' && t.dtype !== 'int32')) throw new TinypruneError('E_OUTPUT', 'TF.js layers export needs a float32 model (export before int8 quantization)');
  const layerOf = new Map<number, string>();
  const used = new Set<string>();
  const nameFor = (t: number): string => {
    let n = g.tensors[t]!.name.replace(/[^A-Za-z0-9_]/g, '_') || `t${t}`;
    while (used.has(n)) n = `${n}_`;
    used.add(n);
    return n;
  };
  const layers: Record<string, unknown>[] = [];
  const weights: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Float32Array[] = [];
  const addWeight = (layer: string, w: string, shape: number[], v: Float32Array): void => {
    weights.push({ name: `${layer}/${w}`, shape, dtype: 'float32' });
    chunks.push(v);
  };
  const inT = g.inputs[0]!;
  const inName = nameFor(inT);
  layers.push({ class_name: 'InputLayer', name: inName, inbound_nodes: [], config: { name: inName, batch_input_shape: [null, ...g.tensors[inT]!.shape.slice(1)], dtype: 'float32', sparse: false } });
  layerOf.set(inT, inName);
  const inbound = (ts: number[]): unknown[] => [ts.map((t) => [layerOf.get(t) ?? (() => { throw new TinypruneError('E_OUTPUT', `tensor ${t} is used before it is produced`); })(), 0, 0, {}])];
  for (const op of g.ops) {
    const y = op.outputs[0]!;
    const name = nameFor(y);
    const o = op.options;
    const act = ACT[String(o.fusedActivationFunction ?? 'NONE')];
    if (act === undefined) throw new TinypruneError('E_OUTPUT', `fused activation ${String(o.fusedActivationFunction)} has no Keras equivalent`);
    const pad = o.padding === 'VALID' ? 'valid' : 'same';
    let layer: Record<string, unknown>;
    switch (op.opcode) {
      case 'CONV_2D': {
        const w = g.tensors[op.inputs[1]!]!;
        const [co, kh, kw, ci] = w.shape as [number, number, number, number];
        const v = floatData(w);
        const hwio = new Float32Array(v.length);
        for (let oo = 0; oo < co; oo++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let p = 0; p < ci; p++) hwio[((i * kw + j) * ci + p) * co + oo] = v[((oo * kh + i) * kw + j) * ci + p]!;
        addWeight(name, 'kernel', [kh, kw, ci, co], hwio);
        addWeight(name, 'bias', [co], op.inputs[2]! >= 0 ? floatData(g.tensors[op.inputs[2]!]!) : new Float32Array(co));
        layer = { class_name: 'Conv2D', config: { name, filters: co, kernel_size: [kh, kw], strides: [o.strideH, o.strideW], padding: pad, dilation_rate: [o.dilationHFactor ?? 1, o.dilationWFactor ?? 1], activation: act, use_bias: true, data_format: 'channels_last' } };
        break;
      }
      case 'DEPTHWISE_CONV_2D': {
        const w = g.tensors[op.inputs[1]!]!;
        const [, kh, kw, cout] = w.shape as [number, number, number, number];
        const cin = g.tensors[op.inputs[0]!]!.shape[3]!;
        addWeight(name, 'depthwise_kernel', [kh, kw, cin, cout / cin], floatData(w));
        addWeight(name, 'bias', [cout], op.inputs[2]! >= 0 ? floatData(g.tensors[op.inputs[2]!]!) : new Float32Array(cout));
        layer = { class_name: 'DepthwiseConv2D', config: { name, kernel_size: [kh, kw], strides: [o.strideH, o.strideW], padding: pad, depth_multiplier: cout / cin, dilation_rate: [o.dilationHFactor ?? 1, o.dilationWFactor ?? 1], activation: act, use_bias: true, data_format: 'channels_last' } };
        break;
      }
      case 'FULLY_CONNECTED': {
        const w = g.tensors[op.inputs[1]!]!;
        const [out, inF] = w.shape as [number, number];
        const v = floatData(w);
        const t = new Float32Array(v.length);
        for (let oo = 0; oo < out; oo++) for (let i = 0; i < inF; i++) t[i * out + oo] = v[oo * inF + i]!;
        addWeight(name, 'kernel', [inF, out], t);
        addWeight(name, 'bias', [out], op.inputs[2]! >= 0 ? floatData(g.tensors[op.inputs[2]!]!) : new Float32Array(out));
        layer = { class_name: 'Dense', config: { name, units: out, activation: act, use_bias: true } };
        break;
      }
      case 'MAX_POOL_2D':
      case 'AVERAGE_POOL_2D':
        layer = { class_name: op.opcode === 'MAX_POOL_2D' ? 'MaxPooling2D' : 'AveragePooling2D', config: { name, pool_size: [o.filterHeight, o.filterWidth], strides: [o.strideH, o.strideW], padding: pad, data_format: 'channels_last' } };
        break;
      case 'RESHAPE':
        layer = { class_name: 'Reshape', config: { name, target_shape: g.tensors[y]!.shape.slice(1) } };
        break;
      case 'SOFTMAX':
        layer = { class_name: 'Softmax', config: { name, axis: -1 } };
        break;
      case 'ADD':
        layer = { class_name: 'Add', config: { name } };
        break;
      case 'CONCATENATION':
        layer = { class_name: 'Concatenate', config: { name, axis: Number(o.axis ?? -1) } };
        break;
      case 'MEAN': {
        const axes = intData(g.tensors[op.inputs[1]!]!);
        if (axes.join(',') !== '1,2') throw new TinypruneError('E_OUTPUT', `MEAN over axes [${axes.join(', ')}] has no Keras layer`);
        layer = { class_name: 'GlobalAveragePooling2D', config: { name, data_format: 'channels_last', keepdims: o.keepDims === true } };
        break;
      }
      case 'PAD': {
        const p = intData(g.tensors[op.inputs[1]!]!);
        layer = { class_name: 'ZeroPadding2D', config: { name, padding: [[p[2], p[3]], [p[4], p[5]]], data_format: 'channels_last' } };
        break;
      }
      case 'RELU':
      case 'RELU6':
        layer = { class_name: 'ReLU', config: { name, ...(op.opcode === 'RELU6' ? { max_value: 6 } : {}) } };
        break;
      default:
        throw new TinypruneError('E_OUTPUT', `${op.opcode} has no TF.js layers equivalent here`);
    }
    const dataInputs = op.opcode === 'CONCATENATION' || op.opcode === 'ADD' ? op.inputs : [op.inputs[0]!];
    // Fused activations on ADD/CONCATENATION: Keras has none there; add an Activation layer.
    const needsAct = (op.opcode === 'ADD' || op.opcode === 'CONCATENATION') && act !== 'linear';
    const lname = needsAct ? `${name}_pre` : name;
    (layer.config as Record<string, unknown>).name = lname;
    layers.push({ ...layer, name: lname, inbound_nodes: inbound(dataInputs) });
    layerOf.set(y, lname);
    if (needsAct) {
      layers.push({ class_name: act === 'relu6' ? 'ReLU' : 'Activation', name, inbound_nodes: [[[lname, 0, 0, {}]]], config: act === 'relu6' ? { name, max_value: 6 } : { name, activation: act } });
      layerOf.set(y, name);
    }
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const shard = new Uint8Array(total * 4);
  const dv = new DataView(shard.buffer);
  let off = 0;
  for (const c of chunks) for (const v of c) {
    dv.setFloat32(off, v, true);
    off += 4;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'tinyprune',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: 'tinyprune', layers, input_layers: [[inName, 0, 0]], output_layers: g.outputs.map((t) => [layerOf.get(t)!, 0, 0]) },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [shardName], weights }],
  };
  return { modelJson: JSON.stringify(modelJson), shards: new Map([[shardName, shard]]) };
}
