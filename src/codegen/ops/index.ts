/** Operator → lowering, one file per operator. */
import type { OpLowering } from './context.js';
import { lowerAdd, lowerMul } from './binary.js';
import { lowerConcatenation } from './concatenation.js';
import { lowerConv2d } from './conv_2d.js';
import { lowerDepthwiseConv2d } from './depthwise_conv_2d.js';
import { lowerFullyConnected } from './fully_connected.js';
import { lowerMean } from './mean.js';
import { lowerPad } from './pad.js';
import { lowerAveragePool2d, lowerMaxPool2d } from './pool_2d.js';
import { lowerDequantize, lowerQuantize } from './quantize.js';
import { lowerReshape } from './reshape.js';
import { lowerSoftmax } from './softmax.js';

export const LOWERINGS: Readonly<Record<string, OpLowering>> = {
  FULLY_CONNECTED: lowerFullyConnected,
  CONV_2D: lowerConv2d,
  DEPTHWISE_CONV_2D: lowerDepthwiseConv2d,
  AVERAGE_POOL_2D: lowerAveragePool2d,
  MAX_POOL_2D: lowerMaxPool2d,
  ADD: lowerAdd,
  MUL: lowerMul,
  RESHAPE: lowerReshape,
  SOFTMAX: lowerSoftmax,
  QUANTIZE: lowerQuantize,
  DEQUANTIZE: lowerDequantize,
  CONCATENATION: lowerConcatenation,
  PAD: lowerPad,
  PADV2: lowerPad,
  MEAN: lowerMean,
};
