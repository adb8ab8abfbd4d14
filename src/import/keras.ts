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
import type { ModelGraph, Tensor } from '../ir/graph.js';
import {
  activationLayer,
  addLayer,
  Builder,
  concatenateLayer,
  convLayer,
  denseLayer,
  fail,
  foldBatchNorm,
  poolLayer,
  reshapeLayer,
  zeroPaddingLayer,
  type LayerCtx,
  type WeightArray,
  type WeightSource,
} from './keras_layers.js';

export type { WeightArray, WeightSource } from './keras_layers.js';

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

/** How many layers consume each layer's output (graph outputs count as many). */
function countConsumers(b: Builder, modelConfig: KerasModelConfig, layers: KerasLayer[], sequential: boolean): void {
  const cfg = modelConfig.config;
  layers.forEach((l, i) => {
    const names = sequential ? (i > 0 ? [String(layers[i - 1]!.config.name)] : []) : inboundNames(l);
    for (const n of names) b.consumers.set(n, (b.consumers.get(n) ?? 0) + 1);
  });
  if (!sequential && !Array.isArray(cfg)) for (const o of cfg.output_layers ?? []) b.consumers.set(String((o as unknown[])[0]), 99);
}

export function kerasToGraph(modelConfig: KerasModelConfig, weights: WeightSource, description = 'imported Keras model'): ModelGraph {
  const b = new Builder();
  const cfg = modelConfig.config;
  const layers: KerasLayer[] = Array.isArray(cfg) ? cfg : cfg.layers;
  const sequential = modelConfig.class_name === 'Sequential';
  const inputs: number[] = [];
  let prev: number | undefined;
  countConsumers(b, modelConfig, layers, sequential);
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
    const cls = l.class_name === 'Activation' && c.activation === 'linear' ? 'Activation:linear' : l.class_name;
    const y = convertLayer({ b, cls, c, name, where, ins, x, xs, weights, need }, l.class_name, inputs);
    b.byLayer.set(name, y);
    prev = y;
  }
  let outputs: number[];
  if (sequential || Array.isArray(cfg)) outputs = [prev!];
  else outputs = (cfg.output_layers ?? []).map((o) => b.byLayer.get(String((o as unknown[])[0]))!);
  return compact({ schemaVersion: 3, description, name: 'main', tensors: b.tensors, ops: b.ops, inputs, outputs, metadata: [] });
}

/** Adds one layer's ops; returns the tensor that is its output. */
function convertLayer(l: LayerCtx, className: string, inputs: number[]): number {
  const { b, cls, c, name, where, x } = l;
  switch (cls) {
    case 'InputLayer': {
      const shape = (c.batch_input_shape ?? c.batch_shape) as (number | null)[];
      const y = b.add(name, [1, ...shape.slice(1).map(Number)]);
      inputs.push(y);
      return y;
    }
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return convLayer(l);
    case 'Dense':
      return denseLayer(l);
    case 'BatchNormalization':
      return foldBatchNorm(b, x, name, c, l.weights, where);
    case 'Activation':
    case 'ReLU':
    case 'Softmax':
      return activationLayer(l);
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return poolLayer(l);
    case 'GlobalAveragePooling2D': {
      const keep = c.keepdims === true;
      const ch = l.xs[3]!;
      const y = b.add(name, keep ? [1, 1, 1, ch] : [1, ch]);
      b.op('MEAN', [x, b.addInt(`${name}/axes`, [1, 2])], [y], 'ReducerOptions', { keepDims: keep });
      return y;
    }
    case 'Flatten':
    case 'Reshape':
      return reshapeLayer(l);
    case 'Add':
      return addLayer(l);
    case 'Concatenate':
      return concatenateLayer(l);
    case 'ZeroPadding2D':
      return zeroPaddingLayer(l);
    default:
      if (IDENTITY.has(cls)) return x;
      return fail(`Keras layer ${className} is not supported`, where, 'supported: Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization, Activation/ReLU, pooling, Flatten/Reshape, Add, Concatenate, ZeroPadding2D, Dropout');
  }
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
