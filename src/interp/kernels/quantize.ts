/**
 * QUANTIZE — TFLM reference: micro/kernels/quantize_common.cc with reference/quantize.h
 * (AffineQuantize, float -> int) and reference/requantize.h (Requantize, int -> int).
 *
 * float -> int8/int16: q = round(x / scale) + zero_point with a float32 division and
 * TfLiteRound (half away from zero), clamped to the type. int -> int:
 * MultiplyByQuantizedMultiplier(x - zp_in, QuantizeMultiplier(s_in / s_out)) + zp_out, clamped.
 */
import {
  dtypeRange,
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
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAwayFromZero } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { TensorStore } from '../tensor_store.js';
import type { DType, ModelGraph, Op } from '../../ir/graph.js';

type IntArray = Int8Array | Uint8Array | Int16Array | Int32Array;

export interface AffineQuantizeParams {
  kind: 'affine';
  outputType: 'int8' | 'int16';
  /** float32 output scale. */
  scale: number;
  zeroPoint: number;
  min: number;
  max: number;
}

export interface RequantizeParams {
  kind: 'requantize';
  inputType: 'int8' | 'uint8' | 'int16' | 'int32';
  outputType: 'int8' | 'uint8' | 'int16' | 'int32';
  inputZeroPoint: number;
  outputZeroPoint: number;
  multiplier: number;
  shift: number;
  min: number;
  max: number;
}

export type QuantizeParams = AffineQuantizeParams | RequantizeParams;

/** reference_ops::AffineQuantize (float32 input). */
export function affineQuantize(p: AffineQuantizeParams, input: Float32Array, output: Int8Array | Int16Array): void {
  const scale = Math.fround(p.scale);
  for (let i = 0; i < input.length; i++) {
    let r = roundHalfAwayFromZero(Math.fround((input[i] as number) / scale));
    // static_cast<int32_t> of an out-of-range float is undefined in C; Arm's VCVT saturates
    // (NaN -> 0), which is what we do.
    if (Number.isNaN(r)) r = 0;
    else if (r > 2147483647) r = 2147483647;
    else if (r < -2147483648) r = -2147483648;
    let q = (r + p.zeroPoint) | 0;
    if (q < p.min) q = p.min;
    if (q > p.max) q = p.max;
    output[i] = q;
  }
}

/** reference_ops::Requantize (integer input). */
export function requantize(p: RequantizeParams, input: IntArray, output: IntArray): void {
  for (let i = 0; i < input.length; i++) {
    const x = ((input[i] as number) - p.inputZeroPoint) | 0;
    let q = (multiplyByQuantizedMultiplier(x, p.multiplier, p.shift) + p.outputZeroPoint) | 0;
    if (q > p.max) q = p.max;
    if (q < p.min) q = p.min;
    output[i] = q;
  }
}

/** Input -> output type pairs TFLM's reference QUANTIZE accepts. */
const REQUANTIZE_PAIRS: ReadonlyArray<readonly [DType, DType]> = [
  ['int16', 'int8'],
  ['int8', 'int8'],
  ['int8', 'uint8'],
  ['uint8', 'int8'],
  ['int8', 'int16'],
  ['int8', 'int32'],
  ['int16', 'int16'],
  ['int16', 'int32'],
  ['int32', 'int8'],
  ['int32', 'int16'],
];

function prepareQuantize(ctx: PrepareContext): PreparedOp<QuantizeParams> {
  expectCounts(ctx, [1], 1);
  const input = inputTensor(ctx, 0);
  const output = outputTensor(ctx, 0);
  if (!sameShape(input.tensor.shape, output.tensor.shape)) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] differs from input [${input.tensor.shape.join(', ')}]`, {
      tensor: output.index,
    });
  }
  const oq = output.tensor.quant;
  if (!oq || oq.scale.length !== 1) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', 'output must be quantized per tensor', {
      tensor: output.index,
      hint: 'TFLite Micro supports only per-tensor QUANTIZE outputs',
    });
  }
  const outScale = scaleOf(ctx, output, 'output');
  const outZp = zeroPointOf(output.tensor);
  const [ii, oi] = [input.index, output.index];

  if (input.tensor.dtype === 'float32') {
    expectDType(ctx, output, ['int8', 'int16'], 'output');
    const outputType = output.tensor.dtype as 'int8' | 'int16';
    const range = dtypeRange(outputType);
    const params: AffineQuantizeParams = { kind: 'affine', outputType, scale: outScale, zeroPoint: outZp, ...range };
    return outputType === 'int8'
      ? { params, run: (s) => affineQuantize(params, s.f32(ii), s.i8(oi)) }
      : { params, run: (s) => affineQuantize(params, s.f32(ii), s.i16(oi)) };
  }

  const pair = REQUANTIZE_PAIRS.find(([a, b]) => a === input.tensor.dtype && b === output.tensor.dtype);
  if (!pair) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `quantizing ${input.tensor.dtype} to ${output.tensor.dtype} is not supported`, {
      tensor: output.index,
      allowed: ['float32->int8', 'float32->int16', ...REQUANTIZE_PAIRS.map(([a, b]) => `${a}->${b}`)].join(', '),
    });
  }
  const inScale = scaleOf(ctx, input, 'input');
  const q = quantizeMultiplier(inScale / outScale);
  const params: RequantizeParams = {
    kind: 'requantize',
    inputType: input.tensor.dtype as RequantizeParams['inputType'],
    outputType: output.tensor.dtype as RequantizeParams['outputType'],
    inputZeroPoint: zeroPointOf(input.tensor),
    outputZeroPoint: outZp,
    multiplier: q.multiplier,
    shift: q.shift,
    ...dtypeRange(output.tensor.dtype),
  };
  const view = (s: TensorStore, t: number, d: DType): IntArray =>
    d === 'int8' ? s.i8(t) : d === 'uint8' ? s.u8(t) : d === 'int16' ? s.i16(t) : s.i32(t);
  return { params, run: (s) => requantize(params, view(s, ii, params.inputType), view(s, oi, params.outputType)) };
}

export const quantizeKernel: OpKernel = { opcode: 'QUANTIZE', prepare: prepareQuantize };

export function computeQuantizeParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): QuantizeParams {
  return prepareQuantize({ graph, op, index, warnings: [] }).params;
}
