import type { AffineQuantizeParams, RequantizeParams } from '../../interp/kernels/quantize.js';
import type { DequantizeParams } from '../../interp/kernels/dequantize.js';
import { tensorElements } from '../../ir/graph.js';
import { f32, i32, unsupported, type OpLowering, type LoweredCall } from './context.js';

/** QUANTIZE: float32 → int8 (tp_quantize_f32) or int8 → int8 requantisation (tp_quantize_s8). */
export const lowerQuantize: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as AffineQuantizeParams | RequantizeParams;
  const input = ctx.op.inputs[0]!;
  const out = ctx.op.outputs[0]!;
  const size = i32(tensorElements(ctx.graph.tensors[out]!));
  if (p.kind === 'affine') {
    if (p.outputType !== 'int8') unsupported(ctx, `QUANTIZE to ${p.outputType} has no C kernel`);
    return {
      kernel: 'tp_quantize_f32',
      paramsType: 'tp_quantize_f32_params',
      params: { size, scale: f32(p.scale), zero_point: i32(p.zeroPoint) },
      args: [ctx.ptr(input, 'float'), ctx.ptr(out, 'int8_t', true)],
    };
  }
  if (p.inputType !== 'int8' || p.outputType !== 'int8') unsupported(ctx, `QUANTIZE ${p.inputType} → ${p.outputType} has no C kernel`);
  return {
    kernel: 'tp_quantize_s8',
    paramsType: 'tp_quantize_s8_params',
    params: {
      size,
      input_zero_point: i32(p.inputZeroPoint),
      output_zero_point: i32(p.outputZeroPoint),
      multiplier: i32(p.multiplier),
      shift: i32(p.shift),
    },
    args: [ctx.ptr(input, 'int8_t'), ctx.ptr(out, 'int8_t', true)],
  };
};

/** DEQUANTIZE: int8 → float32 (tp_dequantize_s8). */
export const lowerDequantize: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as DequantizeParams;
  if (p.inputType !== 'int8') unsupported(ctx, `DEQUANTIZE from ${p.inputType} has no C kernel`);
  const out = ctx.op.outputs[0]!;
  return {
    kernel: 'tp_dequantize_s8',
    paramsType: 'tp_dequantize_s8_params',
    params: { size: i32(tensorElements(ctx.graph.tensors[out]!)), scale: f32(p.scale), zero_point: i32(p.zeroPoint) },
    args: [ctx.ptr(ctx.op.inputs[0]!, 'int8_t'), ctx.ptr(out, 'float', true)],
  };
};
