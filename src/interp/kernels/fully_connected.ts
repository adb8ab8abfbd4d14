/**
 * FULLY_CONNECTED — TFLM reference: kernels/internal/reference/fully_connected.h (float) and
 * reference/integer_ops/fully_connected.h (int8), parameters from
 * micro/kernels/fully_connected_common.cc.
 *
 * Weights are [outputDepth, accumDepth] (only the last two dims count); the batch count is the
 * output's flat size without its last dim.
 */
import {
  activationRangeFloat,
  activationRangeQuantized,
  elementCount,
  expectCounts,
  expectDType,
  fusedActivation,
  inputTensor,
  opError,
  optionalInputTensor,
  optString,
  outputTensor,
  scaleOf,
  zeroPointOf,
  negatedZeroPoint,
  type FusedActivation,
  type PrepareContext,
  type TensorRef,
} from '../common.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { hybridError } from './conv_common.js';

export interface FullyConnectedInt8Params {
  kind: 'int8';
  batches: number;
  outputDepth: number;
  accumDepth: number;
  /** -input zero point. */
  inputOffset: number;
  /** -filter zero point (0 for symmetric weights; only the per-tensor path applies it). */
  weightsOffset: number;
  /** Output zero point. */
  outputOffset: number;
  /** True when the weights carry one scale per output channel. */
  perChannel: boolean;
  /** One multiplier/shift per output channel (the per-tensor value repeated when !perChannel). */
  outputMultiplier: number[];
  outputShift: number[];
  activationMin: number;
  activationMax: number;
}

export interface FullyConnectedFloatParams {
  kind: 'float32';
  batches: number;
  outputDepth: number;
  accumDepth: number;
  activationMin: number;
  activationMax: number;
}

export type FullyConnectedParams = FullyConnectedInt8Params | FullyConnectedFloatParams;

/** reference_integer_ops::FullyConnected / FullyConnectedPerChannel (int8 in, int8 weights, int32 bias). */
export function fullyConnectedInt8(
  p: FullyConnectedInt8Params,
  input: Int8Array,
  filter: Int8Array,
  bias: Int32Array | null,
  output: Int8Array,
): void {
  const { batches, outputDepth, accumDepth, inputOffset, weightsOffset, outputOffset } = p;
  for (let b = 0; b < batches; b++) {
    const inBase = b * accumDepth;
    for (let oc = 0; oc < outputDepth; oc++) {
      const fBase = oc * accumDepth;
      let acc = 0;
      for (let d = 0; d < accumDepth; d++) {
        acc += ((filter[fBase + d] as number) + weightsOffset) * ((input[inBase + d] as number) + inputOffset);
      }
      if (bias) acc += bias[oc] as number;
      acc = multiplyByQuantizedMultiplier(acc | 0, p.outputMultiplier[oc] as number, p.outputShift[oc] as number);
      acc += outputOffset;
      if (acc < p.activationMin) acc = p.activationMin;
      if (acc > p.activationMax) acc = p.activationMax;
      output[oc + outputDepth * b] = acc;
    }
  }
}

/** reference_ops::FullyConnected (float): each product and sum rounded to float32, bias added last. */
export function fullyConnectedFloat32(
  p: FullyConnectedFloatParams,
  input: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null,
  output: Float32Array,
): void {
  const { batches, outputDepth, accumDepth, activationMin, activationMax } = p;
  const fround = Math.fround;
  for (let b = 0; b < batches; b++) {
    const inBase = b * accumDepth;
    for (let oc = 0; oc < outputDepth; oc++) {
      const fBase = oc * accumDepth;
      let total = 0;
      for (let d = 0; d < accumDepth; d++) {
        total = fround(total + fround((input[inBase + d] as number) * (filter[fBase + d] as number)));
      }
      const biasValue = bias ? (bias[oc] as number) : 0;
      let v = fround(total + biasValue);
      if (v < activationMin) v = activationMin;
      if (activationMax < v) v = activationMax;
      output[oc + outputDepth * b] = v;
    }
  }
}

function prepareFullyConnected(ctx: PrepareContext): PreparedOp<FullyConnectedParams> {
  expectCounts(ctx, [2, 3], 1);
  const input = inputTensor(ctx, 0);
  const filter = inputTensor(ctx, 1);
  const bias = optionalInputTensor(ctx, 2);
  const output = outputTensor(ctx, 0);
  const weightsFormat = optString(ctx.op, 'weightsFormat', 'DEFAULT');
  if (weightsFormat !== 'DEFAULT') {
    throw opError(ctx, 'E_UNSUPPORTED_OP', `weights format ${weightsFormat} is not supported`, { allowed: 'DEFAULT' });
  }
  const act = fusedActivation(ctx);

  if (input.tensor.dtype === 'float32' && filter.tensor.dtype !== 'float32') throw hybridError(ctx, filter.index);
  expectDType(ctx, input, ['int8', 'float32'], 'input');
  if (output.tensor.dtype !== input.tensor.dtype) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `input is ${input.tensor.dtype} but output is ${output.tensor.dtype}`, {
      tensor: output.index,
      allowed: 'the same type for input and output',
    });
  }
  expectDType(ctx, filter, [input.tensor.dtype], 'weights');
  if (bias) expectDType(ctx, bias, [input.tensor.dtype === 'int8' ? 'int32' : 'float32'], 'bias');

  const fShape = filter.tensor.shape;
  if (fShape.length < 2) throw opError(ctx, 'E_IR_INVALID', `weights must have rank >= 2`, { tensor: filter.index });
  const accumDepth = fShape[fShape.length - 1] as number;
  const oShape = output.tensor.shape;
  if (oShape.length < 1) throw opError(ctx, 'E_IR_INVALID', `output must have rank >= 1`, { tensor: output.index });
  const outputDepth = oShape[oShape.length - 1] as number;
  const batches = elementCount(oShape.slice(0, -1));
  if (outputDepth > (fShape[fShape.length - 2] as number)) {
    throw opError(ctx, 'E_IR_INVALID', `output depth ${outputDepth} exceeds the weights' ${fShape[fShape.length - 2]} rows`, {
      tensor: output.index,
    });
  }
  if (elementCount(input.tensor.shape) !== batches * accumDepth) {
    throw opError(
      ctx,
      'E_IR_INVALID',
      `input has ${elementCount(input.tensor.shape)} elements; expected batches (${batches}) x depth (${accumDepth})`,
      { tensor: input.index },
    );
  }
  if (bias && elementCount(bias.tensor.shape) < outputDepth) {
    throw opError(ctx, 'E_IR_INVALID', `bias has fewer than ${outputDepth} elements`, { tensor: bias.index });
  }
  const [ii, fi, oi] = [input.index, filter.index, output.index];
  const bi = bias ? bias.index : -1;

  if (input.tensor.dtype === 'float32') {
    const r = activationRangeFloat(act);
    const params: FullyConnectedFloatParams = {
      kind: 'float32',
      batches,
      outputDepth,
      accumDepth,
      activationMin: r.min,
      activationMax: r.max,
    };
    return {
      params,
      run: (s) => fullyConnectedFloat32(params, s.f32(ii), s.f32(fi), bi >= 0 ? s.f32(bi) : null, s.f32(oi)),
    };
  }

  const params = fullyConnectedInt8QuantParams(ctx, { input, filter, output, act, batches, outputDepth, accumDepth });
  return {
    params,
    run: (s) => fullyConnectedInt8(params, s.i8(ii), s.i8(fi), bi >= 0 ? s.i32(bi) : null, s.i8(oi)),
  };
}

function fullyConnectedInt8QuantParams(
  ctx: PrepareContext,
  a: {
    input: TensorRef;
    filter: TensorRef;
    output: TensorRef;
    act: FusedActivation;
    batches: number;
    outputDepth: number;
    accumDepth: number;
  },
): FullyConnectedInt8Params {
  const inScale = scaleOf(ctx, a.input, 'input');
  const outScale = scaleOf(ctx, a.output, 'output');
  scaleOf(ctx, a.filter, 'weights');
  const fq = a.filter.tensor.quant!;
  const perChannel = fq.scale.length > 1;
  const outputMultiplier: number[] = [];
  const outputShift: number[] = [];
  if (perChannel) {
    const rows = a.filter.tensor.shape[fq.axis];
    if (fq.scale.length !== rows) {
      throw opError(ctx, 'E_UNSUPPORTED_TYPE', `weights have ${fq.scale.length} scales for ${rows} channels on axis ${fq.axis}`, {
        tensor: a.filter.index,
      });
    }
    for (let i = 0; i < a.outputDepth; i++) {
      // double(input_scale) * double(filter_scale[i]) / double(output_scale)
      const q = quantizeMultiplier((inScale * (fq.scale[i] as number)) / outScale);
      outputMultiplier.push(q.multiplier);
      outputShift.push(q.shift);
    }
  } else {
    // GetQuantizedConvolutionMultipler: the scale product is formed in float, then widened.
    const q = quantizeMultiplier(Math.fround(inScale * (fq.scale[0] as number)) / outScale);
    for (let i = 0; i < a.outputDepth; i++) {
      outputMultiplier.push(q.multiplier);
      outputShift.push(q.shift);
    }
  }
  const outZp = zeroPointOf(a.output.tensor);
  const r = activationRangeQuantized(a.act, outScale, outZp, 'int8');
  return {
    kind: 'int8',
    batches: a.batches,
    outputDepth: a.outputDepth,
    accumDepth: a.accumDepth,
    inputOffset: negatedZeroPoint(a.input.tensor),
    weightsOffset: perChannel ? 0 : negatedZeroPoint(a.filter.tensor),
    outputOffset: outZp,
    perChannel,
    outputMultiplier,
    outputShift,
    activationMin: r.min,
    activationMax: r.max,
  };
}

export const fullyConnectedKernel: OpKernel = { opcode: 'FULLY_CONNECTED', prepare: prepareFullyConnected };

/** The exact parameters TFLM computes for a FULLY_CONNECTED operator (for C code generation). */
export function computeFullyConnectedParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): FullyConnectedParams {
  return prepareFullyConnected({ graph, op, index, warnings: [] }).params;
}
