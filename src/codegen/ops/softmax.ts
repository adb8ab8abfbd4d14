import type { SoftmaxParams } from '../../interp/kernels/softmax.js';
import { f32, i32, unsupported, type OpLowering, type LoweredCall } from './context.js';

/** SOFTMAX → tp_softmax_{s8,f32} over the last dimension. */
export const lowerSoftmax: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as SoftmaxParams;
  const input = ctx.op.inputs[0]!;
  const out = ctx.op.outputs[0]!;
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_softmax_f32',
      paramsType: 'tp_softmax_f32_params',
      params: { outer_size: i32(p.outerSize), depth: i32(p.depth), beta: f32(p.beta) },
      args: [ctx.ptr(input, 'float'), ctx.ptr(out, 'float', true)],
    };
  }
  if (p.outputType !== 'int8') unsupported(ctx, 'int8 → int16 SOFTMAX has no C kernel yet');
  return {
    kernel: 'tp_softmax_s8',
    paramsType: 'tp_softmax_s8_params',
    params: {
      outer_size: i32(p.outerSize),
      depth: i32(p.depth),
      input_multiplier: i32(p.inputMultiplier),
      input_left_shift: i32(p.inputLeftShift),
      diff_min: i32(p.diffMin),
    },
    args: [ctx.ptr(input, 'int8_t'), ctx.ptr(out, 'int8_t', true)],
  };
};
