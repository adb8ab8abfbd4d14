/**
 * `tinyprune inspect`: a pure summary of a ModelGraph — per-layer shapes, parameters, MACs,
 * weight bytes and sparsity, and totals. The CLI renders it as a table or JSON.
 */
import type { DType, ModelGraph, Op, Quantization, Tensor } from '../ir/graph.js';
import { DTYPE_BYTES, tensorElements } from '../ir/graph.js';

export interface TensorRef {
  index: number;
  name: string;
  shape: number[];
  dtype: DType;
  constant: boolean;
  quantization?: QuantSummary;
}

export interface QuantSummary {
  /** 'per-tensor' or 'per-channel'. */
  kind: 'per-tensor' | 'per-channel';
  axis?: number;
  channels?: number;
  /** The scale (per-tensor) or the min/max of the scales (per-channel). */
  scale: number | [number, number];
  zeroPoint: number | [number, number];
}

export interface LayerSummary {
  index: number;
  op: string;
  version: number;
  inputs: TensorRef[];
  outputs: TensorRef[];
  /** Builtin options, enums by name. */
  options: Record<string, unknown>;
  /** Number of constant elements the layer owns (weights + biases). */
  params: number;
  /** Multiply-accumulates per inference (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED). */
  macs: number;
  /** Bytes of the layer's constant tensors as stored. */
  weightBytes: number;
  /** Fraction of exact zeros in the layer's weight tensor (first constant input), 0 when none. */
  sparsity: number;
}

export interface ModelSummary {
  description: string;
  inputs: TensorRef[];
  outputs: TensorRef[];
  layers: LayerSummary[];
  totals: {
    operators: number;
    params: number;
    macs: number;
    weightBytes: number;
    /** Sum of bytes of all non-constant tensors (an upper bound on the arena). */
    activationBytes: number;
  };
}

export function summarizeModel(g: ModelGraph): ModelSummary {
  const ref = (i: number): TensorRef => tensorRef(g, i);
  const layers = g.ops.map((op, index): LayerSummary => {
    const consts = op.inputs.filter((i) => i >= 0 && g.tensors[i]?.data !== undefined);
    const owned = [...new Set(consts)];
    const weight = owned[0] === undefined ? undefined : g.tensors[owned[0]];
    return {
      index,
      op: op.opcode === 'CUSTOM' ? `CUSTOM(${op.customCode ?? ''})` : op.opcode,
      version: op.version,
      inputs: op.inputs.filter((i) => i >= 0).map(ref),
      outputs: op.outputs.map(ref),
      options: { ...op.options },
      params: isShapeOperand(op) ? 0 : owned.reduce((s, i) => s + tensorElements(g.tensors[i]!), 0),
      macs: macsOf(g, op),
      weightBytes: owned.reduce((s, i) => s + (g.tensors[i]!.data?.length ?? 0), 0),
      sparsity: weight && !isShapeOperand(op) ? zeroFraction(weight) : 0,
    };
  });
  const constantBytes = new Set<number>();
  let weightBytes = 0;
  for (const op of g.ops) {
    for (const i of op.inputs) {
      const t = i >= 0 ? g.tensors[i] : undefined;
      if (t?.data && !constantBytes.has(i)) {
        constantBytes.add(i);
        weightBytes += t.data.length;
      }
    }
  }
  let activationBytes = 0;
  for (const t of g.tensors) if (!t.data) activationBytes += tensorElements(t) * DTYPE_BYTES[t.dtype];
  return {
    description: g.description,
    inputs: g.inputs.map(ref),
    outputs: g.outputs.map(ref),
    layers,
    totals: {
      operators: g.ops.length,
      params: layers.reduce((s, l) => s + l.params, 0),
      macs: layers.reduce((s, l) => s + l.macs, 0),
      weightBytes,
      activationBytes,
    },
  };
}

/** RESHAPE's second input is a shape, not a parameter. */
function isShapeOperand(op: Op): boolean {
  return op.opcode === 'RESHAPE';
}

function tensorRef(g: ModelGraph, index: number): TensorRef {
  const t = g.tensors[index];
  if (!t) return { index, name: '?', shape: [], dtype: 'int8', constant: false };
  const r: TensorRef = { index, name: t.name, shape: [...t.shape], dtype: t.dtype, constant: t.data !== undefined };
  const q = quantSummary(t.quant);
  if (q) r.quantization = q;
  return r;
}

export function quantSummary(q: Quantization | undefined): QuantSummary | undefined {
  if (!q || q.scale.length === 0) return undefined;
  if (q.scale.length === 1) {
    return { kind: 'per-tensor', scale: q.scale[0]!, zeroPoint: q.zeroPoint[0] ?? 0 };
  }
  return {
    kind: 'per-channel',
    axis: q.axis,
    channels: q.scale.length,
    scale: [Math.min(...q.scale), Math.max(...q.scale)],
    zeroPoint: [Math.min(...q.zeroPoint), Math.max(...q.zeroPoint)],
  };
}

function dims(g: ModelGraph, i: number | undefined): number[] {
  return i === undefined || i < 0 ? [] : (g.tensors[i]?.shape ?? []);
}

/** MACs of the layers that multiply by weights; other ops are counted as 0. */
export function macsOf(g: ModelGraph, op: Op): number {
  const out = dims(g, op.outputs[0]);
  const w = dims(g, op.inputs[1]);
  const prod = (a: number[]): number => a.reduce((s, d) => s * d, 1);
  switch (op.opcode) {
    case 'CONV_2D':
      // output [N,H,W,Cout] x filter [Cout,Kh,Kw,Cin]: each output element takes Kh*Kw*Cin MACs.
      return w.length === 4 ? prod(out) * w[1]! * w[2]! * w[3]! : 0;
    case 'DEPTHWISE_CONV_2D':
      // filter [1,Kh,Kw,Cout]: each output element takes Kh*Kw MACs.
      return w.length === 4 ? prod(out) * w[1]! * w[2]! : 0;
    case 'FULLY_CONNECTED':
      // weights [units, depth]: each output element takes `depth` MACs.
      return w.length === 2 ? prod(out) * w[1]! : 0;
    default:
      return 0;
  }
}

/** Fraction of elements whose stored value is exactly zero (any fixed-size dtype). */
export function zeroFraction(t: Tensor): number {
  const data = t.data;
  const size = DTYPE_BYTES[t.dtype];
  if (!data || size === 0 || data.length === 0) return 0;
  const n = Math.floor(data.length / size);
  let zeros = 0;
  for (let e = 0; e < n; e++) {
    let z = true;
    for (let b = 0; b < size; b++) {
      const v = data[e * size + b]!;
      // float -0.0 (sign bit only) is a zero weight too
      if (v !== 0 && !(t.dtype.startsWith('float') && b === size - 1 && v === 0x80)) {
        z = false;
        break;
      }
    }
    if (z) zeros++;
  }
  return n === 0 ? 0 : zeros / n;
}
