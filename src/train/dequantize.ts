/**
 * An int8 (or mixed) graph → its float32 equivalent, the starting point for training:
 * constants dequantized (per-channel weights, int32 biases with their scales), activations
 * float32 without quantization, QUANTIZE/DEQUANTIZE ops removed (their output is their input).
 */
import type { ModelGraph, Tensor } from '../ir/graph.js';
import { f32Bytes, floatData } from './tensor_data.js';

/** Constants that are indices/shapes, not values: they keep their integer type. */
const INDEX_INPUTS: Record<string, number[]> = {
  RESHAPE: [1],
  PAD: [1],
  PADV2: [1],
  MEAN: [1],
  SUM: [1],
  SQUEEZE: [],
  TRANSPOSE: [1],
  STRIDED_SLICE: [1, 2, 3],
};

export function dequantizeGraph(g: ModelGraph): ModelGraph {
  const keepInt = new Set<number>();
  for (const op of g.ops) for (const k of INDEX_INPUTS[op.opcode] ?? []) if (op.inputs[k] !== undefined && op.inputs[k]! >= 0) keepInt.add(op.inputs[k]!);
  // Alias the outputs of QUANTIZE/DEQUANTIZE to their inputs.
  const alias = new Map<number, number>();
  const resolveT = (i: number): number => {
    let j = i;
    while (alias.has(j)) j = alias.get(j)!;
    return j;
  };
  for (const op of g.ops) if (op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE') alias.set(op.outputs[0]!, resolveT(op.inputs[0]!));
  const tensors: Tensor[] = g.tensors.map((t, i) => {
    if (keepInt.has(i) || t.dtype === 'int64' || t.dtype === 'bool' || t.dtype === 'string') return { ...t, shape: [...t.shape] };
    const out: Tensor = { name: t.name, shape: [...t.shape], dtype: 'float32', isVariable: t.isVariable };
    if (t.data) out.data = f32Bytes(floatData(t));
    return out;
  });
  const ops = g.ops
    .filter((op) => op.opcode !== 'QUANTIZE' && op.opcode !== 'DEQUANTIZE')
    .map((op) => ({ ...op, inputs: op.inputs.map((i) => (i < 0 ? i : resolveT(i))), outputs: [...op.outputs], options: { ...op.options } }));
  return {
    ...g,
    description: g.description,
    tensors,
    ops,
    inputs: g.inputs.map(resolveT),
    outputs: g.outputs.map(resolveT),
    metadata: [...g.metadata],
  };
}
