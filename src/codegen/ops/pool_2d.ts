import type { PoolParams } from '../../interp/kernels/pool_common.js';
import { dims4, f32, i32, suffixOf, type OpLowering, type LoweredCall } from './context.js';

function lowerPool(name: 'average' | 'max'): OpLowering {
  return (ctx): LoweredCall => {
    const p = ctx.op.params as PoolParams;
    const s = suffixOf(p.kind);
    const ctype = s === 'f32' ? 'float' : 'int8_t';
    const act = s === 'f32' ? f32 : i32;
    return {
      kernel: `tp_${name}_pool_2d_${s}`,
      paramsType: `tp_pool_${s}_params`,
      params: {
        input: dims4([p.batches, p.inputHeight, p.inputWidth, p.depth]),
        output: dims4([p.batches, p.outputHeight, p.outputWidth, p.depth]),
        filter_h: i32(p.filterHeight),
        filter_w: i32(p.filterWidth),
        stride_h: i32(p.strideH),
        stride_w: i32(p.strideW),
        pad_h: i32(p.padH),
        pad_w: i32(p.padW),
        activation_min: act(p.activationMin),
        activation_max: act(p.activationMax),
      },
      args: [ctx.ptr(ctx.op.inputs[0]!, ctype), ctx.ptr(ctx.op.outputs[0]!, ctype, true)],
    };
  };
}

export const lowerAveragePool2d = lowerPool('average');
export const lowerMaxPool2d = lowerPool('max');
