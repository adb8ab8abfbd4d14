import type { MeanParams } from '../../interp/kernels/mean.js';
import { f32, i32, shapeInit, type OpLowering, type LoweredCall } from './context.js';

/** MEAN → tp_mean_{s8,f32}; the reduced axes as a bit mask. */
export const lowerMean: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as MeanParams;
  let mask = 0;
  for (const a of p.axes) mask |= 1 << a;
  const common = { input: shapeInit(ctx, p.inputShape, 'the input'), axis_mask: `${mask >>> 0}u` };
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_mean_f32',
      paramsType: 'tp_mean_f32_params',
      params: common,
      args: [ctx.ptr(ctx.op.inputs[0]!, 'float'), ctx.ptr(ctx.op.outputs[0]!, 'float', true)],
    };
  }
  const input = ctx.graph.tensors[ctx.op.inputs[0]!]!;
  const output = ctx.graph.tensors[ctx.op.outputs[0]!]!;
  return {
    kernel: 'tp_mean_s8',
    paramsType: 'tp_mean_s8_params',
    params: {
      ...common,
      // The interpreter's two int8 modes are the runtime's SAME_QUANT and FOLDED methods.
      method: p.mode === 'same-quant' ? 'TP_MEAN_S8_SAME_QUANT' : 'TP_MEAN_S8_FOLDED',
      input_zero_point: i32(p.inputZeroPoint),
      output_zero_point: i32(p.outputZeroPoint),
      input_scale: f32(input.quant?.scale[0] ?? 1),
      output_scale: f32(output.quant?.scale[0] ?? 1),
      multiplier: i32(p.multiplier),
      shift: i32(p.shift),
    },
    args: [ctx.ptr(ctx.op.inputs[0]!, 'int8_t'), ctx.ptr(ctx.op.outputs[0]!, 'int8_t', true)],
  };
};
