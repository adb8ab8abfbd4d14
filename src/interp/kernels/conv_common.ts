/**
 * Shared by CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the hybrid-model rejection and the
 * per-channel requantization constants of tflite::PopulateConvolutionQuantizationParams; by
 * CONV_2D and DEPTHWISE_CONV_2D: their operand checks and window geometry.
 */
import {
  activationRangeQuantized,
  expectCounts,
  expectDType,
  expectRank,
  fusedActivation,
  inputTensor,
  opError,
  optionalInputTensor,
  optNumber,
  outputTensor,
  paddingOption,
  scaleOf,
  zeroPointOf,
  negatedZeroPoint,
  type FusedActivation,
  type PrepareContext,
  type TensorRef,
  windowPadding,
} from '../common.js';
import { quantizeMultiplier } from '../fixedpoint.js';
import type { TinypruneError } from '../../errors.js';

/** Float activations with integer weights: TFLM refuses these ("Hybrid models are not supported"). */
export function hybridError(ctx: PrepareContext, filterIndex: number): TinypruneError {
  const f = ctx.graph.tensors[filterIndex];
  return opError(
    ctx,
    'E_UNSUPPORTED_TYPE',
    `hybrid model: float32 activations with ${f?.dtype ?? '?'} weights (dynamic-range quantization) are not supported by TensorFlow Lite Micro nor by tinyprune's reference interpreter`,
    {
      tensor: filterIndex,
      allowed: 'float32 activations with float32 weights, or int8 activations with int8 weights',
      hint: 'convert the model with full-integer quantization (int8 activations and weights, using a representative dataset), or keep it entirely float32',
    },
  );
}

export interface PerChannelQuant {
  /** -input zero point. */
  inputOffset: number;
  /** Output zero point. */
  outputOffset: number;
  /** One Q0.31 multiplier and shift per output channel. */
  outputMultiplier: number[];
  outputShift: number[];
  activationMin: number;
  activationMax: number;
}

/**
 * PopulateConvolutionQuantizationParams: for every output channel,
 * QuantizeMultiplier(double(input_scale) * double(filter_scale[c]) / double(output_scale)),
 * a per-tensor filter scale being broadcast to all channels.
 */
export function perChannelQuant(
  ctx: PrepareContext,
  a: { input: TensorRef; filter: TensorRef; output: TensorRef; act: FusedActivation; channels: number; quantizedDimension: number },
): PerChannelQuant {
  const inScale = scaleOf(ctx, a.input, 'input');
  const outScale = scaleOf(ctx, a.output, 'output');
  scaleOf(ctx, a.filter, 'filter');
  const fq = a.filter.tensor.quant!;
  const perChannel = fq.scale.length > 1;
  if (perChannel && (fq.scale.length !== a.channels || fq.axis !== a.quantizedDimension)) {
    throw opError(
      ctx,
      'E_UNSUPPORTED_TYPE',
      `filter has ${fq.scale.length} scales on axis ${fq.axis}; expected 1 or ${a.channels} on axis ${a.quantizedDimension}`,
      { tensor: a.filter.index },
    );
  }
  const outputMultiplier: number[] = [];
  const outputShift: number[] = [];
  for (let c = 0; c < a.channels; c++) {
    const filterScale = (perChannel ? fq.scale[c] : fq.scale[0]) as number;
    const q = quantizeMultiplier((inScale * filterScale) / outScale);
    outputMultiplier.push(q.multiplier);
    outputShift.push(q.shift);
  }
  const outZp = zeroPointOf(a.output.tensor);
  const r = activationRangeQuantized(a.act, outScale, outZp, a.output.tensor.dtype);
  return {
    inputOffset: negatedZeroPoint(a.input.tensor),
    outputOffset: outZp,
    outputMultiplier,
    outputShift,
    activationMin: r.min,
    activationMax: r.max,
  };
}

export interface ConvOperands {
  input: TensorRef;
  filter: TensorRef;
  bias: TensorRef | undefined;
  output: TensorRef;
  act: FusedActivation;
}

/**
 * The operands of a 2-D convolution: rank-4 input, filter and output, all int8 or all float32;
 * an optional bias of the accumulator type (int32 or float32); the fused activation.
 */
export function convOperands(ctx: PrepareContext): ConvOperands {
  expectCounts(ctx, [2, 3], 1);
  const input = inputTensor(ctx, 0);
  const filter = inputTensor(ctx, 1);
  const bias = optionalInputTensor(ctx, 2);
  const output = outputTensor(ctx, 0);
  expectRank(ctx, input, 4);
  expectRank(ctx, filter, 4);
  expectRank(ctx, output, 4);
  if (input.tensor.dtype === 'float32' && filter.tensor.dtype !== 'float32') throw hybridError(ctx, filter.index);
  expectDType(ctx, input, ['int8', 'float32'], 'input');
  expectDType(ctx, output, [input.tensor.dtype], 'output');
  expectDType(ctx, filter, [input.tensor.dtype], 'filter');
  if (bias) expectDType(ctx, bias, [input.tensor.dtype === 'int8' ? 'int32' : 'float32'], 'bias');
  const act = fusedActivation(ctx);
  return { input, filter, bias, output, act };
}

export interface ConvWindow {
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  padW: number;
  padH: number;
}

/** Strides and dilations from the options, and the padding they give (checked against the output extent). */
export function convWindow(
  ctx: PrepareContext,
  a: { inH: number; inW: number; filterH: number; filterW: number; outH: number; outW: number; outputIndex: number },
): ConvWindow {
  const strideW = optNumber(ctx.op, 'strideW', 0);
  const strideH = optNumber(ctx.op, 'strideH', 0);
  const dilationW = optNumber(ctx.op, 'dilationWFactor', 1);
  const dilationH = optNumber(ctx.op, 'dilationHFactor', 1);
  const { padW, padH } = windowPadding(ctx, { padding: paddingOption(ctx), strideW, strideH, dilationW, dilationH, ...a });
  return { strideW, strideH, dilationW, dilationH, padW, padH };
}
