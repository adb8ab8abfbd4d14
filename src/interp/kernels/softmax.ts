/**
 * SOFTMAX — TFLM reference: reference/softmax.h, parameters from micro/kernels/softmax_common.cc.
 *
 * int8 input uses gemmlowp fixed point exactly like TFLM: the input difference to the row max
 * is scaled to Q5.26 (PreprocessSoftmaxScaling), exp() is gemmlowp's exp_on_negative_values,
 * the sum is accumulated in Q12.19, its reciprocal comes from one_over_one_plus_x_for_x_in_0_1
 * (GetReciprocal), and differences below diff_min (CalculateInputRadius) give exactly zero.
 *
 * float32 uses std::exp: the result here is exp() correctly rounded to float32, while glibc's
 * and newlib's expf may differ by 1 ulp — the one place where float outputs are compared with
 * a tolerance.
 */
import {
  elementCount,
  expectCounts,
  expectDType,
  inputTensor,
  opError,
  optNumber,
  outputTensor,
  sameShape,
  scaleOf,
  zeroPointOf,
  type PrepareContext,
} from '../common.js';
import {
  expOnNegativeValues,
  getReciprocal,
  multiplyByQuantizedMultiplierGreaterThanOne,
  quantizeMultiplierGreaterThanOne,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';

/** Q5.26 for the scaled input differences (room for differences down to -32). */
export const SOFTMAX_SCALED_DIFF_INTEGER_BITS = 5;
/** Q12.19 for the sum of exponentials. */
export const SOFTMAX_ACCUMULATION_INTEGER_BITS = 12;

export interface SoftmaxQuantParams {
  kind: 'int8';
  /** int8 (zero point -128, scale 1/256) or int16 (zero point -32768, scale 1/65536). */
  outputType: 'int8' | 'int16';
  outerSize: number;
  depth: number;
  inputMultiplier: number;
  inputLeftShift: number;
  /** Differences to the row max below this give an output of exactly the type minimum. */
  diffMin: number;
}

export interface SoftmaxFloatParams {
  kind: 'float32';
  outerSize: number;
  depth: number;
  beta: number;
}

export type SoftmaxParams = SoftmaxQuantParams | SoftmaxFloatParams;

/** reference_ops::Softmax<int8_t, int8_t|int16_t>. */
export function softmaxInt8(p: SoftmaxQuantParams, input: Int8Array, output: Int8Array | Int16Array): void {
  const { depth, inputMultiplier, inputLeftShift, diffMin } = p;
  const outBits = p.outputType === 'int8' ? 8 : 16;
  const outMin = p.outputType === 'int8' ? -128 : -32768;
  const outMax = p.outputType === 'int8' ? 127 : 32767;
  for (let i = 0; i < p.outerSize; i++) {
    const base = i * depth;
    let maxInRow = -128;
    for (let c = 0; c < depth; c++) {
      const v = input[base + c] as number;
      if (v > maxInRow) maxInRow = v;
    }
    let sumOfExps = 0; // raw Q12.19
    for (let c = 0; c < depth; c++) {
      const diff = (input[base + c] as number) - maxInRow;
      if (diff >= diffMin) {
        const scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
        const e = expOnNegativeValues(scaled, SOFTMAX_SCALED_DIFF_INTEGER_BITS);
        // Rescale<12>(Q0.31) is a rounding right shift by 12; plain (wrapping) int32 add.
        sumOfExps = (sumOfExps + roundingDivideByPOT(e, SOFTMAX_ACCUMULATION_INTEGER_BITS)) | 0;
      }
    }
    const { reciprocal, numBitsOverUnit } = getReciprocal(sumOfExps, SOFTMAX_ACCUMULATION_INTEGER_BITS);
    const exponent = numBitsOverUnit + 31 - outBits;
    for (let c = 0; c < depth; c++) {
      const diff = (input[base + c] as number) - maxInRow;
      if (diff >= diffMin) {
        const scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, inputMultiplier, inputLeftShift);
        const e = expOnNegativeValues(scaled, SOFTMAX_SCALED_DIFF_INTEGER_BITS);
        const unsat = roundingDivideByPOT(saturatingRoundingDoublingHighMul(reciprocal, e), exponent);
        let out = unsat + outMin;
        if (out > outMax) out = outMax;
        if (out < outMin) out = outMin;
        output[base + c] = out;
      } else {
        output[base + c] = outMin;
      }
    }
  }
}

/** reference_ops::Softmax (float), each operation rounded to float32. */
export function softmaxFloat32(p: SoftmaxFloatParams, input: Float32Array, output: Float32Array): void {
  const fround = Math.fround;
  const beta = fround(p.beta);
  const { depth } = p;
  for (let i = 0; i < p.outerSize; i++) {
    const base = i * depth;
    let max = -3.4028234663852886e38;
    for (let c = 0; c < depth; c++) {
      const v = input[base + c] as number;
      if (max < v) max = v;
    }
    let sum = 0;
    for (let c = 0; c < depth; c++) {
      const e = fround(Math.exp(fround(fround((input[base + c] as number) - max) * beta)));
      output[base + c] = e;
      sum = fround(sum + e);
    }
    for (let c = 0; c < depth; c++) {
      output[base + c] = fround((output[base + c] as number) / sum);
    }
  }
}

function prepareSoftmax(ctx: PrepareContext): PreparedOp<SoftmaxParams> {
  expectCounts(ctx, [1], 1);
  const input = inputTensor(ctx, 0);
  const output = outputTensor(ctx, 0);
  expectDType(ctx, input, ['int8', 'float32'], 'input');
  const shape = input.tensor.shape;
  if (shape.length < 1) throw opError(ctx, 'E_IR_INVALID', 'input must have rank >= 1', { tensor: input.index });
  if (!sameShape(shape, output.tensor.shape)) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] differs from input [${shape.join(', ')}]`, {
      tensor: output.index,
    });
  }
  const depth = shape[shape.length - 1] as number;
  const outerSize = elementCount(shape.slice(0, -1));
  const beta = optNumber(ctx.op, 'beta', 0);
  const [ii, oi] = [input.index, output.index];

  if (input.tensor.dtype === 'float32') {
    expectDType(ctx, output, ['float32'], 'output');
    const params: SoftmaxFloatParams = { kind: 'float32', outerSize, depth, beta };
    return { params, run: (s) => softmaxFloat32(params, s.f32(ii), s.f32(oi)) };
  }

  expectDType(ctx, output, ['int8', 'int16'], 'output');
  const outScale = scaleOf(ctx, output, 'output');
  const outZp = zeroPointOf(output.tensor);
  if (output.tensor.dtype === 'int8') {
    if (outZp !== -128 || outScale !== 1 / 256) {
      throw opError(ctx, 'E_UNSUPPORTED_TYPE', `int8 output must have zero point -128 and scale 1/256 (has ${outZp}, ${outScale})`, {
        tensor: output.index,
        hint: 'the TFLite converter always emits these for int8 softmax; re-convert the model',
      });
    }
  } else if (outZp !== -32768 || Math.abs(outScale - 1 / 65536) > 0.001 / 65536) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `int16 output must have zero point -32768 and scale 1/65536 (has ${outZp}, ${outScale})`, {
      tensor: output.index,
    });
  }
  const inScale = scaleOf(ctx, input, 'input');
  // PreprocessSoftmaxScaling(beta, input_scale, 5): min(beta * scale * 2^(31-5), 2^31 - 1).
  const realMultiplier = Math.min(beta * inScale * 2 ** (31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  if (!(realMultiplier > 1)) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `beta ${beta} x input scale ${inScale} is too small for TFLite Micro's softmax`, {
      tensor: input.index,
    });
  }
  const q = quantizeMultiplierGreaterThanOne(realMultiplier);
  // CalculateInputRadius(5, left_shift, 31): floor((2^5 - 1) * 2^26 / 2^left_shift).
  const radius = Math.floor(
    ((2 ** SOFTMAX_SCALED_DIFF_INTEGER_BITS - 1) * 2 ** (31 - SOFTMAX_SCALED_DIFF_INTEGER_BITS)) / 2 ** q.shift,
  );
  const params: SoftmaxQuantParams = {
    kind: 'int8',
    outputType: output.tensor.dtype as 'int8' | 'int16',
    outerSize,
    depth,
    inputMultiplier: q.multiplier,
    inputLeftShift: q.shift,
    diffMin: -radius,
  };
  return params.outputType === 'int8'
    ? { params, run: (s) => softmaxInt8(params, s.i8(ii), s.i8(oi)) }
    : { params, run: (s) => softmaxInt8(params, s.i8(ii), s.i16(oi)) };
}

export const softmaxKernel: OpKernel = { opcode: 'SOFTMAX', prepare: prepareSoftmax };

/** The exact parameters TFLM computes for a SOFTMAX operator. */
export function computeSoftmaxQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): SoftmaxParams {
  return prepareSoftmax({ graph, op, index, warnings: [] }).params;
}
