/**
 * CONV_2D — TFLM reference: kernels/internal/reference/conv.h (float) and
 * reference/integer_ops/conv.h ConvPerChannel (int8), prepared as micro/kernels/conv_common.cc.
 *
 * Layouts: input NHWC, filter OHWI, output NHWC. Grouped convolution (filter input depth
 * dividing the input depth) is supported like TFLM does. Points outside the image are skipped
 * (zero padding in real terms: the input offset is never added for them).
 */
import { activationRangeFloat, elementCount, opError, type PrepareContext } from '../common.js';
import { multiplyByQuantizedMultiplier } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { convOperands, convWindow, perChannelQuant, type ConvWindow, type PerChannelQuant } from './conv_common.js';

/** Geometry shared by the float and int8 variants (strides, dilations and padding: ConvWindow). */
export interface Conv2DGeometry extends ConvWindow {
  batches: number;
  inputHeight: number;
  inputWidth: number;
  inputDepth: number;
  filterHeight: number;
  filterWidth: number;
  /** Filter dim 3; less than inputDepth for grouped convolution. */
  filterInputDepth: number;
  outputHeight: number;
  outputWidth: number;
  outputDepth: number;
}

export interface Conv2DInt8Params extends Conv2DGeometry, PerChannelQuant {
  kind: 'int8';
}

export interface Conv2DFloatParams extends Conv2DGeometry {
  kind: 'float32';
  activationMin: number;
  activationMax: number;
}

export type Conv2DParams = Conv2DInt8Params | Conv2DFloatParams;

/** reference_integer_ops::ConvPerChannel for int8 activations, int8 filter, int32 bias. */
export function conv2dInt8(p: Conv2DInt8Params, input: Int8Array, filter: Int8Array, bias: Int32Array | null, output: Int8Array): void {
  const { inputHeight: inH, inputWidth: inW, inputDepth: inD, filterHeight: fH, filterWidth: fW } = p;
  const { filterInputDepth: fD, outputHeight: outH, outputWidth: outW, outputDepth: outD } = p;
  const { inputOffset, outputOffset, activationMin, activationMax } = p;
  const filtersPerGroup = outD / (inD / fD);
  let o = 0;
  for (let b = 0; b < p.batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const inYOrigin = oy * p.strideH - p.padH;
      for (let ox = 0; ox < outW; ox++) {
        const inXOrigin = ox * p.strideW - p.padW;
        for (let oc = 0; oc < outD; oc++) {
          const groupBase = Math.trunc(oc / filtersPerGroup) * fD;
          let acc = 0;
          for (let fy = 0; fy < fH; fy++) {
            const inY = inYOrigin + p.dilationH * fy;
            if (inY < 0 || inY >= inH) continue;
            for (let fx = 0; fx < fW; fx++) {
              const inX = inXOrigin + p.dilationW * fx;
              if (inX < 0 || inX >= inW) continue;
              const inBase = ((b * inH + inY) * inW + inX) * inD + groupBase;
              const fBase = ((oc * fH + fy) * fW + fx) * fD;
              for (let ic = 0; ic < fD; ic++) {
                acc += (filter[fBase + ic] as number) * ((input[inBase + ic] as number) + inputOffset);
              }
            }
          }
          if (bias) acc += bias[oc] as number;
          acc = multiplyByQuantizedMultiplier(acc | 0, p.outputMultiplier[oc] as number, p.outputShift[oc] as number);
          acc += outputOffset;
          if (acc < activationMin) acc = activationMin;
          if (acc > activationMax) acc = activationMax;
          output[o++] = acc;
        }
      }
    }
  }
}

/** reference_ops::Conv (float): products and sums rounded to float32 in TFLM's loop order. */
export function conv2dFloat32(
  p: Conv2DFloatParams,
  input: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null,
  output: Float32Array,
): void {
  const { inputHeight: inH, inputWidth: inW, inputDepth: inD, filterHeight: fH, filterWidth: fW } = p;
  const { filterInputDepth: fD, outputHeight: outH, outputWidth: outW, outputDepth: outD } = p;
  const { activationMin, activationMax } = p;
  const fround = Math.fround;
  const filtersPerGroup = outD / (inD / fD);
  let o = 0;
  for (let b = 0; b < p.batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const inYOrigin = oy * p.strideH - p.padH;
      for (let ox = 0; ox < outW; ox++) {
        const inXOrigin = ox * p.strideW - p.padW;
        for (let oc = 0; oc < outD; oc++) {
          const groupBase = Math.trunc(oc / filtersPerGroup) * fD;
          let total = 0;
          for (let fy = 0; fy < fH; fy++) {
            const inY = inYOrigin + p.dilationH * fy;
            if (inY < 0 || inY >= inH) continue;
            for (let fx = 0; fx < fW; fx++) {
              const inX = inXOrigin + p.dilationW * fx;
              if (inX < 0 || inX >= inW) continue;
              const inBase = ((b * inH + inY) * inW + inX) * inD + groupBase;
              const fBase = ((oc * fH + fy) * fW + fx) * fD;
              for (let ic = 0; ic < fD; ic++) {
                total = fround(total + fround((input[inBase + ic] as number) * (filter[fBase + ic] as number)));
              }
            }
          }
          const biasValue = bias ? (bias[oc] as number) : 0;
          let v = fround(total + biasValue);
          if (v < activationMin) v = activationMin;
          if (activationMax < v) v = activationMax;
          output[o++] = v;
        }
      }
    }
  }
}

function prepareConv2d(ctx: PrepareContext): PreparedOp<Conv2DParams> {
  const { input, filter, bias, output, act } = convOperands(ctx);

  const [batches, inH, inW, inD] = input.tensor.shape as [number, number, number, number];
  const [outD, fH, fW, fD] = filter.tensor.shape as [number, number, number, number];
  const [oB, outH, outW, oD] = output.tensor.shape as [number, number, number, number];
  if (oB !== batches || oD !== outD) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] does not match batch ${batches} / filter count ${outD}`, {
      tensor: output.index,
    });
  }
  if (fD <= 0 || inD % fD !== 0 || outD % (inD / fD) !== 0) {
    throw opError(ctx, 'E_IR_INVALID', `filter input depth ${fD} does not divide input depth ${inD} into groups of the ${outD} filters`, {
      tensor: filter.index,
    });
  }
  if (bias && elementCount(bias.tensor.shape) !== outD) {
    throw opError(ctx, 'E_IR_INVALID', `bias has ${elementCount(bias.tensor.shape)} elements; expected ${outD}`, { tensor: bias.index });
  }
  const window = convWindow(ctx, { inH, inW, filterH: fH, filterW: fW, outH, outW, outputIndex: output.index });
  const geometry: Conv2DGeometry = {
    batches,
    inputHeight: inH,
    inputWidth: inW,
    inputDepth: inD,
    filterHeight: fH,
    filterWidth: fW,
    filterInputDepth: fD,
    outputHeight: outH,
    outputWidth: outW,
    outputDepth: outD,
    ...window,
  };
  const [ii, fi, oi] = [input.index, filter.index, output.index];
  const bi = bias ? bias.index : -1;
  if (input.tensor.dtype === 'float32') {
    const r = activationRangeFloat(act);
    const params: Conv2DFloatParams = { kind: 'float32', ...geometry, activationMin: r.min, activationMax: r.max };
    return { params, run: (s) => conv2dFloat32(params, s.f32(ii), s.f32(fi), bi >= 0 ? s.f32(bi) : null, s.f32(oi)) };
  }
  const quant = perChannelQuant(ctx, { input, filter, output, act, channels: outD, quantizedDimension: 0 });
  const params: Conv2DInt8Params = { kind: 'int8', ...geometry, ...quant };
  return { params, run: (s) => conv2dInt8(params, s.i8(ii), s.i8(fi), bi >= 0 ? s.i32(bi) : null, s.i8(oi)) };
}

export const conv2dKernel: OpKernel = { opcode: 'CONV_2D', prepare: prepareConv2d };

/** The exact parameters TFLM computes for a CONV_2D operator (padding, per-channel multipliers/shifts, …). */
export function computeConvQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): Conv2DParams {
  return prepareConv2d({ graph, op, index, warnings: [] }).params;
}
