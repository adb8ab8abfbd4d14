import type { DepthwiseConv2DParams } from '../../interp/kernels/depthwise_conv_2d.js';
import { dims4, f32, i32, type OpLowering, type LoweredCall } from './context.js';

/** DEPTHWISE_CONV_2D → tp_depthwise_conv_2d_{s8,f32}; filter 1HWO, any depth multiplier. */
export const lowerDepthwiseConv2d: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as DepthwiseConv2DParams;
  const [input, filter, bias] = ctx.op.inputs;
  const out = ctx.op.outputs[0]!;
  const geometry = {
    input: dims4([p.batches, p.inputHeight, p.inputWidth, p.inputDepth]),
    filter: dims4([1, p.filterHeight, p.filterWidth, p.outputDepth]),
    output: dims4([p.batches, p.outputHeight, p.outputWidth, p.outputDepth]),
    depth_multiplier: i32(p.depthMultiplier),
    stride_h: i32(p.strideH),
    stride_w: i32(p.strideW),
    dilation_h: i32(p.dilationH),
    dilation_w: i32(p.dilationW),
    pad_h: i32(p.padH),
    pad_w: i32(p.padW),
  };
  const hasBias = bias !== undefined && bias >= 0;
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_depthwise_conv_2d_f32',
      paramsType: 'tp_dwconv_f32_params',
      params: { ...geometry, activation_min: f32(p.activationMin), activation_max: f32(p.activationMax) },
      args: [ctx.ptr(input!, 'float'), ctx.ptr(filter!, 'float'), hasBias ? ctx.ptr(bias, 'float') : 'NULL', ctx.ptr(out, 'float', true)],
    };
  }
  return {
    kernel: 'tp_depthwise_conv_2d_s8',
    paramsType: 'tp_dwconv_s8_params',
    params: {
      ...geometry,
      input_offset: i32(p.inputOffset),
      output_offset: i32(p.outputOffset),
      output_multiplier: ctx.array('multiplier', 'int32_t', p.outputMultiplier, 'per-channel output multipliers (Q31)'),
      output_shift: ctx.array('shift', 'int32_t', p.outputShift, 'per-channel output shifts'),
      activation_min: i32(p.activationMin),
      activation_max: i32(p.activationMax),
    },
    args: [ctx.ptr(input!, 'int8_t'), ctx.ptr(filter!, 'int8_t'), hasBias ? ctx.ptr(bias, 'int32_t') : 'NULL', ctx.ptr(out, 'int8_t', true), 'scratch'],
  };
};
