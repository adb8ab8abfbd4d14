/**
 * CONCATENATION — TFLM reference: reference/concatenation.h (a strided copy) as used by
 * micro/kernels/concatenation.cc, which never requantizes: quantized inputs must share the
 * output's scale and zero point, and only a NONE activation is accepted.
 */
import {
  elementCount,
  expectDType,
  fusedActivation,
  inputTensor,
  opError,
  optNumber,
  outputTensor,
  type PrepareContext,
  type TensorRef,
} from '../common.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { DTYPE_BYTES } from '../../ir/graph.js';

export interface ConcatenationParams {
  kind: 'copy';
  /** Resolved (non-negative) axis. */
  axis: number;
  /** Product of the dims before the axis. */
  outerSize: number;
  /** Bytes each input contributes per outer step: dims[axis] * inner size * element size. */
  copyBytes: number[];
}

/** reference_ops::Concatenation on raw bytes. */
export function concatenation(p: ConcatenationParams, inputs: Uint8Array[], output: Uint8Array): void {
  let o = 0;
  for (let k = 0; k < p.outerSize; k++) {
    for (let i = 0; i < inputs.length; i++) {
      const n = p.copyBytes[i] as number;
      output.set((inputs[i] as Uint8Array).subarray(k * n, (k + 1) * n), o);
      o += n;
    }
  }
}

function prepareConcatenation(ctx: PrepareContext): PreparedOp<ConcatenationParams> {
  if (ctx.op.inputs.length < 1 || ctx.op.outputs.length !== 1) {
    throw opError(ctx, 'E_IR_INVALID', `needs at least one input and exactly one output`);
  }
  const inputs: TensorRef[] = ctx.op.inputs.map((_, i) => inputTensor(ctx, i));
  const output = outputTensor(ctx, 0);
  const first = inputs[0] as TensorRef;
  expectDType(ctx, first, ['float32', 'int8', 'int16', 'int32', 'int64', 'bool'], 'input');
  if (fusedActivation(ctx) !== 'NONE') {
    throw opError(ctx, 'E_UNSUPPORTED_OP', 'a fused activation on CONCATENATION is not supported by TFLite Micro', {
      allowed: 'NONE',
    });
  }
  const rank = output.tensor.shape.length;
  let axis = optNumber(ctx.op, 'axis', 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw opError(ctx, 'E_IR_INVALID', `axis ${optNumber(ctx.op, 'axis', 0)} is out of range for rank ${rank}`);
  const dtype = first.tensor.dtype;
  const quantized = dtype === 'int8' || dtype === 'int16';
  let axisTotal = 0;
  for (const t of [...inputs, output]) {
    expectDType(ctx, t, [dtype], t === output ? 'output' : 'input');
    if (t.tensor.shape.length !== rank) {
      throw opError(ctx, 'E_IR_INVALID', `tensor ${t.index} has rank ${t.tensor.shape.length}; expected ${rank}`, { tensor: t.index });
    }
    for (let d = 0; d < rank; d++) {
      if (d !== axis && t.tensor.shape[d] !== output.tensor.shape[d]) {
        throw opError(ctx, 'E_IR_INVALID', `tensor ${t.index} [${t.tensor.shape.join(', ')}] does not match output [${output.tensor.shape.join(', ')}] off the axis`, {
          tensor: t.index,
        });
      }
    }
    if (quantized && t !== output) {
      const s = t.tensor.quant?.scale[0];
      const z = t.tensor.quant?.zeroPoint[0] ?? 0;
      if (s !== output.tensor.quant?.scale[0] || z !== (output.tensor.quant?.zeroPoint[0] ?? 0)) {
        throw opError(ctx, 'E_UNSUPPORTED_TYPE', `input tensor ${t.index} is quantized differently from the output; TFLite Micro does not requantize in CONCATENATION`, {
          tensor: t.index,
          hint: 'give all inputs the output scale and zero point (insert QUANTIZE operators before the concatenation)',
        });
      }
    }
    if (t !== output) axisTotal += t.tensor.shape[axis] as number;
  }
  if (axisTotal !== output.tensor.shape[axis]) {
    throw opError(ctx, 'E_IR_INVALID', `inputs add up to ${axisTotal} along axis ${axis}; output has ${output.tensor.shape[axis]}`, {
      tensor: output.index,
    });
  }
  const outerSize = elementCount(output.tensor.shape.slice(0, axis));
  const inner = elementCount(output.tensor.shape.slice(axis + 1)) * DTYPE_BYTES[dtype];
  const params: ConcatenationParams = {
    kind: 'copy',
    axis,
    outerSize,
    copyBytes: inputs.map((t) => (t.tensor.shape[axis] as number) * inner),
  };
  const ins = inputs.map((t) => t.index);
  const oi = output.index;
  return { params, run: (s) => concatenation(params, ins.map((i) => s.u8(i)), s.u8(oi)) };
}

export const concatenationKernel: OpKernel = { opcode: 'CONCATENATION', prepare: prepareConcatenation };

export function computeConcatenationParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): ConcatenationParams {
  return prepareConcatenation({ graph, op, index, warnings: [] }).params;
}
