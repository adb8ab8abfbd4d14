import type { DepthwiseConv2DParams } from '../../interp/kernels/depthwise_conv_2d.js';
import { dims4, f32, i32, perChannelQuantParams, type OpLowering, type LoweredCall } from './context.js';
import { constBias, constInt8, lowerSmallConv, smallConvFits, type SmallConvLayer } from './conv_small.js';

/**
 * DEPTHWISE_CONV_2D → tp_depthwise_conv_2d_{s8,f32}; filter 1HWO, any depth multiplier.
 * int8 with one input channel (a first layer: a CONV_2D with C_in = 1 and the filter 1HWO)
 * and a small window → tp_conv_2d_s8_small.
 */
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
  const w = constInt8(ctx, filter);
  if (w && p.inputDepth === 1) {
    const outC = p.outputDepth;
    const layer: SmallConvLayer = {
      outC,
      taps: p.filterHeight * p.filterWidth,
      window: p.filterHeight * p.filterWidth,
      outputMultiplier: Array.from(p.outputMultiplier),
      outputShift: Array.from(p.outputShift),
      outputOffset: p.outputOffset,
      weight: (oc, k) => w[k * outC + oc]!,
      bias: constBias(ctx, bias),
    };
    if (smallConvFits(layer)) {
      const { depth_multiplier: _m, ...convGeometry } = geometry;
      return lowerSmallConv(
        ctx,
        layer,
        {
          ...convGeometry,
          filter: dims4([outC, p.filterHeight, p.filterWidth, 1]),
          ...perChannelQuantParams(ctx, p),
        },
        { input: ctx.ptr(input!, 'int8_t'), output: ctx.ptr(out, 'int8_t', true) },
      );
    }
  }
  return {
    kernel: 'tp_depthwise_conv_2d_s8',
    paramsType: 'tp_dwconv_s8_params',
    params: { ...geometry, ...perChannelQuantParams(ctx, p) },
    args: [ctx.ptr(input!, 'int8_t'), ctx.ptr(filter!, 'int8_t'), hasBias ? ctx.ptr(bias, 'int32_t') : 'NULL', ctx.ptr(out, 'int8_t', true), 'scratch'],
  };
};
