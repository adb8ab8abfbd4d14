/**
 * Shared by CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the hybrid-model rejection and the
 * per-channel requantization constants of tflite::PopulateConvolutionQuantizationParams.
 */
import {
  activationRangeQuantized,
  opError,
  scaleOf,
  zeroPointOf,
  negatedZeroPoint,
  type FusedActivation,
  type PrepareContext,
  type TensorRef,
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
