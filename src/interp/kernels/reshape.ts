/**
 * RESHAPE — a byte copy (TFLM's reshape memcpy's when input and output buffers differ). The
 * output shape is the model's (static) output tensor shape; the optional shape input and the
 * new_shape option only have to agree on the element count.
 */
import { elementCount, expectCounts, inputTensor, opError, outputTensor, type PrepareContext } from '../common.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { DTYPE_BYTES } from '../../ir/graph.js';

export interface ReshapeParams {
  kind: 'copy';
  bytes: number;
}

export function reshape(p: ReshapeParams, input: Uint8Array, output: Uint8Array): void {
  output.set(input.subarray(0, p.bytes));
}

function prepareReshape(ctx: PrepareContext): PreparedOp<ReshapeParams> {
  expectCounts(ctx, [1, 2], 1);
  const input = inputTensor(ctx, 0);
  const output = outputTensor(ctx, 0);
  if (input.tensor.dtype !== output.tensor.dtype) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `input is ${input.tensor.dtype} but output is ${output.tensor.dtype}`, {
      tensor: output.index,
    });
  }
  const n = elementCount(input.tensor.shape);
  if (n !== elementCount(output.tensor.shape)) {
    throw opError(
      ctx,
      'E_IR_INVALID',
      `input [${input.tensor.shape.join(', ')}] and output [${output.tensor.shape.join(', ')}] have different element counts`,
      { tensor: output.index },
    );
  }
  const bytes = n * DTYPE_BYTES[input.tensor.dtype];
  if (bytes === 0 && n !== 0) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `tensors of type ${input.tensor.dtype} are not supported`, { tensor: input.index });
  }
  const params: ReshapeParams = { kind: 'copy', bytes };
  const [ii, oi] = [input.index, output.index];
  return { params, run: (s) => reshape(params, s.u8(ii), s.u8(oi)) };
}

export const reshapeKernel: OpKernel = { opcode: 'RESHAPE', prepare: prepareReshape };

export function computeReshapeParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): ReshapeParams {
  return prepareReshape({ graph, op, index, warnings: [] }).params;
}
