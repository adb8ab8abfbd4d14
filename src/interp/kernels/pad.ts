/**
 * PAD and PADV2 — TFLM reference: reference/pad.h as used by micro/kernels/pad.cc.
 *
 * The pad value is 0 for float32 and the output zero point for int8 (real 0), unless PADV2
 * gives a constant_values scalar, which TFLM requires to share the output's quantization.
 * The paddings tensor ([rank, 2] int32/int64) must be constant.
 */
import {
  constantData,
  elementCount,
  expectCounts,
  expectDType,
  inputTensor,
  opError,
  optionalInputTensor,
  outputTensor,
  readInt32s,
  readInt64sAsNumbers,
  stridesOf,
  zeroPointOf,
  type PrepareContext,
} from '../common.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { TensorStore } from '../tensor_store.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { DTYPE_BYTES } from '../../ir/graph.js';

export interface PadParams {
  kind: 'int8' | 'float32' | 'int16' | 'int32';
  inputShape: number[];
  outputShape: number[];
  /** Elements added before / after each dim. */
  before: number[];
  after: number[];
  /**
   * Pad value when fixed at prepare time; null when PADV2 reads it from a non-constant tensor
   * at run time (constantValuesTensor).
   */
  padValue: number | null;
  constantValuesTensor: number;
}

type NumericArray = Int8Array | Int16Array | Int32Array | Float32Array;

/** reference_ops::Pad: fill with the pad value, then copy each input row into place. */
export function pad<T extends NumericArray>(p: PadParams, input: T, output: T, padValue: number): void {
  output.fill(padValue);
  const rank = p.inputShape.length;
  if (rank === 0) {
    output.set(input, 0);
    return;
  }
  const inStrides = stridesOf(p.inputShape);
  const outStrides = stridesOf(p.outputShape);
  const rowLen = p.inputShape[rank - 1] as number;
  const rows = elementCount(p.inputShape.slice(0, -1));
  const idx = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let inOff = 0;
    let outOff = p.before[rank - 1] as number;
    for (let d = 0; d < rank - 1; d++) {
      inOff += (idx[d] as number) * (inStrides[d] as number);
      outOff += ((idx[d] as number) + (p.before[d] as number)) * (outStrides[d] as number);
    }
    output.set(input.subarray(inOff, inOff + rowLen), outOff);
    for (let d = rank - 2; d >= 0; d--) {
      const next = (idx[d] as number) + 1;
      if (next < (p.inputShape[d] as number)) {
        idx[d] = next;
        break;
      }
      idx[d] = 0;
    }
  }
}

function preparePad(ctx: PrepareContext): PreparedOp<PadParams> {
  const isV2 = ctx.op.opcode === 'PADV2';
  expectCounts(ctx, isV2 ? [2, 3] : [2], 1);
  const input = inputTensor(ctx, 0);
  const paddings = inputTensor(ctx, 1);
  const constantValues = isV2 ? optionalInputTensor(ctx, 2) : undefined;
  const output = outputTensor(ctx, 0);
  expectDType(ctx, input, ['int8', 'float32', 'int16', 'int32'], 'input');
  expectDType(ctx, output, [input.tensor.dtype], 'output');
  expectDType(ctx, paddings, ['int32', 'int64'], 'paddings');
  const raw = constantData(ctx, paddings, 'paddings');
  const values = paddings.tensor.dtype === 'int32' ? readInt32s(raw) : readInt64sAsNumbers(raw);
  const rank = input.tensor.shape.length;
  if (values.length !== rank * 2 || output.tensor.shape.length !== rank) {
    throw opError(ctx, 'E_IR_INVALID', `paddings [${paddings.tensor.shape.join(', ')}] do not match input rank ${rank}`, {
      tensor: paddings.index,
    });
  }
  const before: number[] = [];
  const after: number[] = [];
  for (let d = 0; d < rank; d++) {
    const b = values[2 * d] as number;
    const a = values[2 * d + 1] as number;
    if (b < 0 || a < 0) throw opError(ctx, 'E_IR_INVALID', `negative padding on dim ${d}`, { tensor: paddings.index });
    if ((input.tensor.shape[d] as number) + b + a !== output.tensor.shape[d]) {
      throw opError(ctx, 'E_IR_INVALID', `output dim ${d} is ${output.tensor.shape[d]}; input ${input.tensor.shape[d]} + ${b} + ${a} expected`, {
        tensor: output.index,
      });
    }
    before.push(b);
    after.push(a);
  }
  const dtype = input.tensor.dtype as PadParams['kind'];
  let padValue: number | null = dtype === 'int8' || dtype === 'int16' ? zeroPointOf(output.tensor) : 0;
  let cvIndex = -1;
  if (constantValues) {
    expectDType(ctx, constantValues, [dtype], 'constant_values');
    if (elementCount(constantValues.tensor.shape) !== 1) {
      throw opError(ctx, 'E_IR_INVALID', 'constant_values must be a scalar', { tensor: constantValues.index });
    }
    if (dtype === 'int8' || dtype === 'int16') {
      const cq = constantValues.tensor.quant;
      const oq = output.tensor.quant;
      if (cq?.scale[0] !== oq?.scale[0] || (cq?.zeroPoint[0] ?? 0) !== (oq?.zeroPoint[0] ?? 0)) {
        throw opError(ctx, 'E_UNSUPPORTED_TYPE', 'constant_values must have the output scale and zero point', {
          tensor: constantValues.index,
        });
      }
    }
    if (constantValues.tensor.data) {
      const d = constantValues.tensor.data;
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      padValue =
        dtype === 'int8' ? view.getInt8(0) : dtype === 'int16' ? view.getInt16(0, true) : dtype === 'int32' ? view.getInt32(0, true) : view.getFloat32(0, true);
    } else {
      padValue = null;
      cvIndex = constantValues.index;
    }
  }
  if (DTYPE_BYTES[dtype] === 0) throw opError(ctx, 'E_UNSUPPORTED_TYPE', `type ${dtype} is not supported`);
  const params: PadParams = {
    kind: dtype,
    inputShape: [...input.tensor.shape],
    outputShape: [...output.tensor.shape],
    before,
    after,
    padValue,
    constantValuesTensor: cvIndex,
  };
  const [ii, oi] = [input.index, output.index];
  const view = (s: TensorStore, t: number): NumericArray =>
    dtype === 'int8' ? s.i8(t) : dtype === 'int16' ? s.i16(t) : dtype === 'int32' ? s.i32(t) : s.f32(t);
  return {
    params,
    run: (s) => pad(params, view(s, ii), view(s, oi), params.padValue ?? (view(s, cvIndex)[0] as number)),
  };
}

export const padKernel: OpKernel = { opcode: 'PAD', prepare: preparePad };
export const padV2Kernel: OpKernel = { opcode: 'PADV2', prepare: preparePad };

export function computePadParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): PadParams {
  return preparePad({ graph, op, index, warnings: [] }).params;
}
