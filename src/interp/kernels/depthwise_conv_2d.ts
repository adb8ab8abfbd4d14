/**
 * DEPTHWISE_CONV_2D — TFLM reference: reference/depthwiseconv_float.h (float) and
 * reference/integer_ops/depthwise_conv.h DepthwiseConvPerChannel (int8), prepared as
 * micro/kernels/depthwise_conv_common.cc.
 *
 * Filter layout [1, H, W, inputDepth * depthMultiplier]; output channel oc = ic * m + k reads
 * input channel ic. Any depth multiplier, stride, dilation, SAME/VALID padding.
 */
import {
  activationRangeFloat,
  elementCount,
  opError,
  optNumber,
  type PrepareContext,
} from '../common.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { convOperands, convWindow, perChannelQuant, type ConvWindow, type PerChannelQuant } from './conv_common.js';

/** Geometry shared by the float and int8 variants (strides, dilations and padding: ConvWindow). */
export interface DepthwiseConv2DGeometry extends ConvWindow {
  batches: number;
  inputHeight: number;
  inputWidth: number;
  inputDepth: number;
  filterHeight: number;
  filterWidth: number;
  outputHeight: number;
  outputWidth: number;
  /** inputDepth * depthMultiplier. */
  outputDepth: number;
  depthMultiplier: number;
}

export interface DepthwiseConv2DInt8Params extends DepthwiseConv2DGeometry, PerChannelQuant {
  kind: 'int8';
}

export interface DepthwiseConv2DFloatParams extends DepthwiseConv2DGeometry {
  kind: 'float32';
  activationMin: number;
  activationMax: number;
}

export type DepthwiseConv2DParams = DepthwiseConv2DInt8Params | DepthwiseConv2DFloatParams;

/** reference_integer_ops::DepthwiseConvPerChannel (int8 activations, int8 filter, int32 bias). */
export function depthwiseConv2dInt8(
  p: DepthwiseConv2DInt8Params,
  input: Int8Array,
  filter: Int8Array,
  bias: Int32Array | null,
  output: Int8Array,
): void {
  const { inputHeight: inH, inputWidth: inW, inputDepth: inD, filterHeight: fH, filterWidth: fW } = p;
  const { outputHeight: outH, outputWidth: outW, outputDepth: outD, depthMultiplier: dm } = p;
  const { inputOffset, outputOffset, activationMin, activationMax } = p;
  for (let b = 0; b < p.batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const inYOrigin = oy * p.strideH - p.padH;
      for (let ox = 0; ox < outW; ox++) {
        const inXOrigin = ox * p.strideW - p.padW;
        const outBase = ((b * outH + oy) * outW + ox) * outD;
        for (let ic = 0; ic < inD; ic++) {
          for (let m = 0; m < dm; m++) {
            const oc = m + ic * dm;
            let acc = 0;
            for (let fy = 0; fy < fH; fy++) {
              const inY = inYOrigin + p.dilationH * fy;
              if (inY < 0 || inY >= inH) continue;
              for (let fx = 0; fx < fW; fx++) {
                const inX = inXOrigin + p.dilationW * fx;
                if (inX < 0 || inX >= inW) continue;
                const inputVal = input[((b * inH + inY) * inW + inX) * inD + ic] as number;
                const filterVal = filter[(fy * fW + fx) * outD + oc] as number;
                acc += filterVal * (inputVal + inputOffset);
              }
            }
            if (bias) acc += bias[oc] as number;
            acc = multiplyByQuantizedMultiplier(acc | 0, p.outputMultiplier[oc] as number, p.outputShift[oc] as number);
            acc += outputOffset;
            if (acc < activationMin) acc = activationMin;
            if (acc > activationMax) acc = activationMax;
            output[outBase + oc] = acc;
          }
        }
      }
    }
  }
}

/** reference_ops::DepthwiseConv (float): float32 rounding after every multiply and add. */
export function depthwiseConv2dFloat32(
  p: DepthwiseConv2DFloatParams,
  input: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null,
  output: Float32Array,
): void {
  const { inputHeight: inH, inputWidth: inW, inputDepth: inD, filterHeight: fH, filterWidth: fW } = p;
  const { outputHeight: outH, outputWidth: outW, outputDepth: outD, depthMultiplier: dm } = p;
  const { activationMin, activationMax } = p;
  const fround = Math.fround;
  for (let b = 0; b < p.batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const inYOrigin = oy * p.strideH - p.padH;
      for (let ox = 0; ox < outW; ox++) {
        const inXOrigin = ox * p.strideW - p.padW;
        const outBase = ((b * outH + oy) * outW + ox) * outD;
        for (let ic = 0; ic < inD; ic++) {
          for (let m = 0; m < dm; m++) {
            const oc = m + ic * dm;
            let total = 0;
            for (let fy = 0; fy < fH; fy++) {
              const inY = inYOrigin + p.dilationH * fy;
              if (inY < 0 || inY >= inH) continue;
              for (let fx = 0; fx < fW; fx++) {
                const inX = inXOrigin + p.dilationW * fx;
                if (inX < 0 || inX >= inW) continue;
                const inputVal = input[((b * inH + inY) * inW + inX) * inD + ic] as number;
                const filterVal = filter[(fy * fW + fx) * outD + oc] as number;
                total = fround(total + fround(inputVal * filterVal));
              }
            }
            const biasValue = bias ? (bias[oc] as number) : 0;
            let v = fround(total + biasValue);
            if (v < activationMin) v = activationMin;
            if (activationMax < v) v = activationMax;
            output[outBase + oc] = v;
          }
        }
      }
    }
  }
}

function prepareDepthwiseConv2d(ctx: PrepareContext): PreparedOp<DepthwiseConv2DParams> {
  const { input, filter, bias, output, act } = convOperands(ctx);

  const [batches, inH, inW, inD] = input.tensor.shape as [number, number, number, number];
  const [f0, fH, fW, outD] = filter.tensor.shape as [number, number, number, number];
  const [oB, outH, outW, oD] = output.tensor.shape as [number, number, number, number];
  if (f0 !== 1) throw opError(ctx, 'E_IR_INVALID', `filter dim 0 is ${f0}; expected 1`, { tensor: filter.index });
  if (oB !== batches || oD !== outD) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] does not match batch ${batches} / ${outD} filter channels`, {
      tensor: output.index,
    });
  }
  // TFLM takes depth_multiplier from the options; a converter that left it unset (0) still
  // produced shapes that determine it.
  let depthMultiplier = optNumber(ctx.op, 'depthMultiplier', 0);
  if (depthMultiplier === 0 && inD > 0 && outD % inD === 0) depthMultiplier = outD / inD;
  if (depthMultiplier * inD !== outD) {
    throw opError(ctx, 'E_IR_INVALID', `output depth ${outD} != input depth ${inD} x depth multiplier ${depthMultiplier}`, {
      tensor: output.index,
    });
  }
  if (bias && elementCount(bias.tensor.shape) !== outD) {
    throw opError(ctx, 'E_IR_INVALID', `bias has ${elementCount(bias.tensor.shape)} elements; expected ${outD}`, { tensor: bias.index });
  }
  const window = convWindow(ctx, { inH, inW, filterH: fH, filterW: fW, outH, outW, outputIndex: output.index });
  const geometry: DepthwiseConv2DGeometry = {
    batches,
    inputHeight: inH,
    inputWidth: inW,
    inputDepth: inD,
    filterHeight: fH,
    filterWidth: fW,
    outputHeight: outH,
    outputWidth: outW,
    outputDepth: outD,
    depthMultiplier,
    ...window,
  };
  const [ii, fi, oi] = [input.index, filter.index, output.index];
  const bi = bias ? bias.index : -1;
  if (input.tensor.dtype === 'float32') {
    const r = activationRangeFloat(act);
    const params: DepthwiseConv2DFloatParams = { kind: 'float32', ...geometry, activationMin: r.min, activationMax: r.max };
    return { params, run: (s) => depthwiseConv2dFloat32(params, s.f32(ii), s.f32(fi), bi >= 0 ? s.f32(bi) : null, s.f32(oi)) };
  }
  const quant = perChannelQuant(ctx, { input, filter, output, act, channels: outD, quantizedDimension: 3 });
  const params: DepthwiseConv2DInt8Params = { kind: 'int8', ...geometry, ...quant };
  return { params, run: (s) => depthwiseConv2dInt8(params, s.i8(ii), s.i8(fi), bi >= 0 ? s.i32(bi) : null, s.i8(oi)) };
}

export const depthwiseConv2dKernel: OpKernel = { opcode: 'DEPTHWISE_CONV_2D', prepare: prepareDepthwiseConv2d };

/** The exact parameters TFLM computes for a DEPTHWISE_CONV_2D operator. */
export function computeDepthwiseConvQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): DepthwiseConv2DParams {
  return prepareDepthwiseConv2d({ graph, op, index, warnings: [] }).params;
}
