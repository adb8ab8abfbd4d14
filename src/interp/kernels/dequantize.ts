/**
 * DEQUANTIZE — TFLM reference: reference/dequantize.h: float32(scale) * (q - zero_point),
 * one float32 multiplication (no rounding beyond that).
 */
import {
  expectCounts,
  expectDType,
  inputTensor,
  opError,
  outputTensor,
  sameShape,
  scaleOf,
  zeroPointOf,
  type PrepareContext,
} from '../common.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { TensorStore } from '../tensor_store.js';
import type { ModelGraph, Op } from '../../ir/graph.js';

export interface DequantizeParams {
  kind: 'dequantize';
  inputType: 'int8' | 'uint8' | 'int16';
  scale: number;
  zeroPoint: number;
}

export function dequantize(p: DequantizeParams, input: Int8Array | Uint8Array | Int16Array, output: Float32Array): void {
  const scale = Math.fround(p.scale);
  for (let i = 0; i < input.length; i++) {
    output[i] = Math.fround(scale * ((input[i] as number) - p.zeroPoint));
  }
}

function prepareDequantize(ctx: PrepareContext): PreparedOp<DequantizeParams> {
  expectCounts(ctx, [1], 1);
  const input = inputTensor(ctx, 0);
  const output = outputTensor(ctx, 0);
  expectDType(ctx, input, ['int8', 'uint8', 'int16'], 'input');
  expectDType(ctx, output, ['float32'], 'output');
  if (!sameShape(input.tensor.shape, output.tensor.shape)) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] differs from input [${input.tensor.shape.join(', ')}]`, {
      tensor: output.index,
    });
  }
  if ((input.tensor.quant?.scale.length ?? 0) > 1) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', 'per-channel dequantization is not supported by TFLite Micro', { tensor: input.index });
  }
  const params: DequantizeParams = {
    kind: 'dequantize',
    inputType: input.tensor.dtype as DequantizeParams['inputType'],
    scale: scaleOf(ctx, input, 'input'),
    zeroPoint: zeroPointOf(input.tensor),
  };
  const [ii, oi] = [input.index, output.index];
  const view =
    params.inputType === 'int8'
      ? (s: TensorStore) => s.i8(ii)
      : params.inputType === 'uint8'
        ? (s: TensorStore) => s.u8(ii)
        : (s: TensorStore) => s.i16(ii);
  return { params, run: (s) => dequantize(params, view(s), s.f32(oi)) };
}

export const dequantizeKernel: OpKernel = { opcode: 'DEQUANTIZE', prepare: prepareDequantize };

export function computeDequantizeParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): DequantizeParams {
  return prepareDequantize({ graph, op, index, warnings: [] }).params;
}
