/**
 * The weight matrix of a prunable operator, and back: FULLY_CONNECTED [out, in] is the matrix
 * itself; CONV_2D OHWI [O, KH, KW, I] is O rows of KH*KW*I columns (tap-major, the same
 * bytes); DEPTHWISE_CONV_2D 1HWO [1, KH, KW, O] is O rows of KH*KW taps (transposed).
 */
import type { ModelGraph, Op, Tensor } from '../ir/graph.js';
import type { SparseOp } from './formats/index.js';
import type { WeightMatrix } from './types.js';

export interface LayerWeights {
  op: SparseOp;
  /** Index of the weight tensor in the graph. */
  tensor: number;
  matrix: WeightMatrix;
  /** Real-valued scale of each row (per-channel quantization), 1 for float weights. */
  rowScale: number[];
}

const SPARSE_OPS: Readonly<Record<string, SparseOp>> = { FULLY_CONNECTED: 'fc', CONV_2D: 'conv', DEPTHWISE_CONV_2D: 'dw' };

export function sparseOpOf(opcode: string): SparseOp | undefined {
  return SPARSE_OPS[opcode];
}

function readValues(t: Tensor): Int8Array | Float32Array {
  const d = t.data!;
  if (t.dtype === 'int8') return new Int8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  const out = new Float32Array(d.byteLength / 4);
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

/** The weights of a FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D as a matrix, or undefined. */
export function layerWeights(graph: ModelGraph, op: Op): LayerWeights | undefined {
  const kind = sparseOpOf(op.opcode);
  const ti = op.inputs[1];
  if (!kind || ti === undefined || ti < 0) return undefined;
  const t = graph.tensors[ti];
  if (!t?.data || (t.dtype !== 'int8' && t.dtype !== 'float32')) return undefined;
  const flat = readValues(t);
  const dtype = t.dtype;
  let rows: number;
  let taps: number;
  let values: Int8Array | Float32Array = flat;
  if (kind === 'fc') {
    if (t.shape.length !== 2) return undefined;
    rows = t.shape[0]!;
    taps = 1;
  } else if (kind === 'conv') {
    if (t.shape.length !== 4) return undefined;
    rows = t.shape[0]!;
    taps = t.shape[1]! * t.shape[2]!;
  } else {
    if (t.shape.length !== 4 || t.shape[0] !== 1) return undefined;
    rows = t.shape[3]!;
    taps = t.shape[1]! * t.shape[2]!;
    values = dtype === 'int8' ? new Int8Array(flat.length) : new Float32Array(flat.length);
    for (let tap = 0; tap < taps; tap++) for (let o = 0; o < rows; o++) values[o * taps + tap] = flat[tap * rows + o]!;
  }
  const cols = flat.length / rows;
  if (!Number.isInteger(cols) || rows < 1 || cols < 1) return undefined;
  const scale = t.quant?.scale ?? [];
  const rowScale = Array.from({ length: rows }, (_, r) => (dtype === 'float32' ? 1 : Math.abs(scale.length === rows ? scale[r]! : (scale[0] ?? 1))));
  return { op: kind, tensor: ti, matrix: { rows, cols, taps, dtype, values }, rowScale };
}

/** The tensor bytes (the op's own layout) of a matrix: the inverse of layerWeights. */
export function matrixBytes(op: SparseOp, m: WeightMatrix): Uint8Array {
  let flat = m.values;
  if (op === 'dw') {
    flat = m.dtype === 'int8' ? new Int8Array(m.values.length) : new Float32Array(m.values.length);
    for (let tap = 0; tap < m.taps; tap++) for (let o = 0; o < m.rows; o++) flat[tap * m.rows + o] = m.values[o * m.taps + tap]!;
  }
  if (flat instanceof Int8Array) return new Uint8Array(flat.buffer.slice(flat.byteOffset, flat.byteOffset + flat.byteLength));
  const out = new Uint8Array(flat.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < flat.length; i++) dv.setFloat32(i * 4, flat[i]!, true);
  return out;
}
