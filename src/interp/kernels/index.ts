/**
 * The kernel registry: TFLite builtin operator name -> kernel. Adding an operator means adding
 * one file in this folder and one line here.
 */
import type { OpKernel } from '../kernel.js';
import { addKernel } from './add.js';
import { averagePool2dKernel } from './average_pool_2d.js';
import { concatenationKernel } from './concatenation.js';
import { conv2dKernel } from './conv_2d.js';
import { depthwiseConv2dKernel } from './depthwise_conv_2d.js';
import { dequantizeKernel } from './dequantize.js';
import { fullyConnectedKernel } from './fully_connected.js';
import { maxPool2dKernel } from './max_pool_2d.js';
import { meanKernel } from './mean.js';
import { mulKernel } from './mul.js';
import { padKernel, padV2Kernel } from './pad.js';
import { quantizeKernel } from './quantize.js';
import { reshapeKernel } from './reshape.js';
import { softmaxKernel } from './softmax.js';

export const KERNELS = {
  ADD: addKernel,
  AVERAGE_POOL_2D: averagePool2dKernel,
  CONCATENATION: concatenationKernel,
  CONV_2D: conv2dKernel,
  DEPTHWISE_CONV_2D: depthwiseConv2dKernel,
  DEQUANTIZE: dequantizeKernel,
  FULLY_CONNECTED: fullyConnectedKernel,
  MAX_POOL_2D: maxPool2dKernel,
  MEAN: meanKernel,
  MUL: mulKernel,
  PAD: padKernel,
  PADV2: padV2Kernel,
  QUANTIZE: quantizeKernel,
  RESHAPE: reshapeKernel,
  SOFTMAX: softmaxKernel,
} as const satisfies Record<string, OpKernel>;

/** Operator names the reference interpreter executes. */
export type SupportedOp = keyof typeof KERNELS;

export const SUPPORTED_OPS: readonly SupportedOp[] = Object.keys(KERNELS).sort() as SupportedOp[];

export function isSupportedOp(opcode: string): opcode is SupportedOp {
  return Object.prototype.hasOwnProperty.call(KERNELS, opcode);
}

export { addInt8, addFloat32, addInt8Element, computeAddQuantParams } from './add.js';
export type { AddParams, AddInt8Params, AddFloatParams } from './add.js';
export { averagePool2dInt8, averagePool2dFloat32, computeAveragePoolParams } from './average_pool_2d.js';
export { maxPool2dInt8, maxPool2dFloat32, computeMaxPoolParams } from './max_pool_2d.js';
export type { PoolParams } from './pool_common.js';
export { concatenation, computeConcatenationParams } from './concatenation.js';
export type { ConcatenationParams } from './concatenation.js';
export { conv2dInt8, conv2dFloat32, computeConvQuantParams } from './conv_2d.js';
export type { Conv2DParams, Conv2DInt8Params, Conv2DFloatParams, Conv2DGeometry } from './conv_2d.js';
export { depthwiseConv2dInt8, depthwiseConv2dFloat32, computeDepthwiseConvQuantParams } from './depthwise_conv_2d.js';
export type {
  DepthwiseConv2DParams,
  DepthwiseConv2DInt8Params,
  DepthwiseConv2DFloatParams,
  DepthwiseConv2DGeometry,
} from './depthwise_conv_2d.js';
export { perChannelQuant, hybridError } from './conv_common.js';
export type { PerChannelQuant } from './conv_common.js';
export { dequantize, computeDequantizeParams } from './dequantize.js';
export type { DequantizeParams } from './dequantize.js';
export { fullyConnectedInt8, fullyConnectedFloat32, computeFullyConnectedParams } from './fully_connected.js';
export type { FullyConnectedParams, FullyConnectedInt8Params, FullyConnectedFloatParams } from './fully_connected.js';
export { meanInt8, meanFloat32, computeMeanQuantParams } from './mean.js';
export type { MeanParams, MeanInt8Params, MeanFloatParams } from './mean.js';
export { mulInt8, mulFloat32, mulInt8Element, computeMulQuantParams } from './mul.js';
export type { MulParams, MulInt8Params, MulFloatParams } from './mul.js';
export { pad, computePadParams } from './pad.js';
export type { PadParams } from './pad.js';
export { affineQuantize, requantize, computeQuantizeParams } from './quantize.js';
export type { QuantizeParams, AffineQuantizeParams, RequantizeParams } from './quantize.js';
export { reshape, computeReshapeParams } from './reshape.js';
export type { ReshapeParams } from './reshape.js';
export { softmaxInt8, softmaxFloat32, computeSoftmaxQuantParams } from './softmax.js';
export type { SoftmaxParams, SoftmaxQuantParams, SoftmaxFloatParams } from './softmax.js';
export type { BroadcastPlan } from './binary_common.js';
