import type { AddParams } from '../../interp/kernels/add.js';
import type { MulParams } from '../../interp/kernels/mul.js';
import type { CInit } from '../types.js';
import { f32, i32, shapeInit, suffixOf, type LowerContext, type OpLowering, type LoweredCall } from './context.js';

function shapes(ctx: LowerContext): Record<string, CInit> {
  const t = (i: number): number[] => ctx.graph.tensors[i]!.shape;
  const [a, b] = ctx.op.inputs;
  return {
    input1: shapeInit(ctx, t(a!), 'input 1'),
    input2: shapeInit(ctx, t(b!), 'input 2'),
    output: shapeInit(ctx, t(ctx.op.outputs[0]!), 'the output'),
  };
}

function args(ctx: LowerContext, ctype: 'float' | 'int8_t'): string[] {
  const [a, b] = ctx.op.inputs;
  return [ctx.ptr(a!, ctype), ctx.ptr(b!, ctype), ctx.ptr(ctx.op.outputs[0]!, ctype, true)];
}

/** ADD → tp_add_{s8,f32} (broadcasting as TFLM). */
export const lowerAdd: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as AddParams;
  const s = suffixOf(p.kind);
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_add_f32',
      paramsType: 'tp_binary_f32_params',
      params: { ...shapes(ctx), activation_min: f32(p.activationMin), activation_max: f32(p.activationMax) },
      args: args(ctx, 'float'),
    };
  }
  return {
    kernel: `tp_add_${s}`,
    paramsType: 'tp_add_s8_params',
    params: {
      ...shapes(ctx),
      input1_offset: i32(p.input1Offset),
      input2_offset: i32(p.input2Offset),
      output_offset: i32(p.outputOffset),
      left_shift: i32(p.leftShift),
      input1_multiplier: i32(p.input1Multiplier),
      input1_shift: i32(p.input1Shift),
      input2_multiplier: i32(p.input2Multiplier),
      input2_shift: i32(p.input2Shift),
      output_multiplier: i32(p.outputMultiplier),
      output_shift: i32(p.outputShift),
      activation_min: i32(p.activationMin),
      activation_max: i32(p.activationMax),
    },
    args: args(ctx, 'int8_t'),
  };
};

/** MUL → tp_mul_{s8,f32}. */
export const lowerMul: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as MulParams;
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_mul_f32',
      paramsType: 'tp_binary_f32_params',
      params: { ...shapes(ctx), activation_min: f32(p.activationMin), activation_max: f32(p.activationMax) },
      args: args(ctx, 'float'),
    };
  }
  return {
    kernel: 'tp_mul_s8',
    paramsType: 'tp_mul_s8_params',
    params: {
      ...shapes(ctx),
      input1_offset: i32(p.input1Offset),
      input2_offset: i32(p.input2Offset),
      output_offset: i32(p.outputOffset),
      output_multiplier: i32(p.outputMultiplier),
      output_shift: i32(p.outputShift),
      activation_min: i32(p.activationMin),
      activation_max: i32(p.activationMax),
    },
    args: args(ctx, 'int8_t'),
  };
};
