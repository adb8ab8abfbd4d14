import type { Conv2DParams } from '../../interp/kernels/conv_2d.js';
import { dims4, f32, i32, perChannelQuantParams, type OpLowering, type LoweredCall } from './context.js';
import { constBias, constInt8, lowerSmallConv, smallConvFits, type SmallConvLayer } from './conv_small.js';
import { lowerPwPairs } from './conv_pairs.js';

/**
 * CONV_2D → tp_conv_2d_{s8,f32}; filter OHWI, grouped convolution when Cin/filter depth > 1.
 * int8 layers with a small patch and no groups (first layers) → tp_conv_2d_s8_small.
 */
export const lowerConv2d: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as Conv2DParams;
  const [input, filter, bias] = ctx.op.inputs;
  const out = ctx.op.outputs[0]!;
  const geometry = {
    input: dims4([p.batches, p.inputHeight, p.inputWidth, p.inputDepth]),
    filter: dims4([p.outputDepth, p.filterHeight, p.filterWidth, p.filterInputDepth]),
    output: dims4([p.batches, p.outputHeight, p.outputWidth, p.outputDepth]),
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
      kernel: 'tp_conv_2d_f32',
      paramsType: 'tp_conv_f32_params',
      params: { ...geometry, activation_min: f32(p.activationMin), activation_max: f32(p.activationMax) },
      args: [ctx.ptr(input!, 'float'), ctx.ptr(filter!, 'float'), hasBias ? ctx.ptr(bias, 'float') : 'NULL', ctx.ptr(out, 'float', true)],
    };
  }
  const params = { ...geometry, ...perChannelQuantParams(ctx, p) };
  const w = constInt8(ctx, filter);
  if (w && p.filterInputDepth === p.inputDepth) {
    const taps = p.filterHeight * p.filterWidth * p.inputDepth;
    const layer: SmallConvLayer = {
      outC: p.outputDepth,
      taps,
      window: p.filterHeight * p.filterWidth,
      outputMultiplier: Array.from(p.outputMultiplier),
      outputShift: Array.from(p.outputShift),
      outputOffset: p.outputOffset,
      weight: (oc, k) => w[oc * taps + k]!,
      bias: constBias(ctx, bias),
    };
    if (smallConvFits(layer)) {
      return lowerSmallConv(ctx, layer, params, {
        input: ctx.ptr(input!, 'int8_t'),
        output: ctx.ptr(out, 'int8_t', true),
      });
    }
  }
  const pairs = lowerPwPairs(ctx, p, params, { input: ctx.ptr(input!, 'int8_t'), output: ctx.ptr(out, 'int8_t', true) });
  if (pairs) return pairs;
  return {
    kernel: 'tp_conv_2d_s8',
    paramsType: 'tp_conv_s8_params',
    params,
    args: [ctx.ptr(input!, 'int8_t'), ctx.ptr(filter!, 'int8_t'), hasBias ? ctx.ptr(bias, 'int32_t') : 'NULL', ctx.ptr(out, 'int8_t', true), 'scratch'],
  };
};
