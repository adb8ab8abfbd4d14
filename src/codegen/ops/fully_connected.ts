import type { FullyConnectedParams } from '../../interp/kernels/fully_connected.js';
import { f32, i32, type OpLowering, type LoweredCall } from './context.js';

/** FULLY_CONNECTED → tp_fully_connected_{s8,f32}; inputs: input, weights [out, in], bias (optional). */
export const lowerFullyConnected: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as FullyConnectedParams;
  const [input, filter, bias] = ctx.op.inputs;
  const out = ctx.op.outputs[0]!;
  if (p.kind === 'float32') {
    return {
      kernel: 'tp_fully_connected_f32',
      paramsType: 'tp_fc_f32_params',
      params: {
        batches: i32(p.batches),
        input_depth: i32(p.accumDepth),
        output_depth: i32(p.outputDepth),
        activation_min: f32(p.activationMin),
        activation_max: f32(p.activationMax),
      },
      args: [ctx.ptr(input!, 'float'), ctx.ptr(filter!, 'float'), bias !== undefined && bias >= 0 ? ctx.ptr(bias, 'float') : 'NULL', ctx.ptr(out, 'float', true)],
    };
  }
  return {
    kernel: 'tp_fully_connected_s8',
    paramsType: 'tp_fc_s8_params',
    params: {
      batches: i32(p.batches),
      input_depth: i32(p.accumDepth),
      output_depth: i32(p.outputDepth),
      input_offset: i32(p.inputOffset),
      filter_offset: i32(p.weightsOffset),
      output_offset: i32(p.outputOffset),
      per_channel: '1',
      output_multiplier: ctx.array('multiplier', 'int32_t', p.outputMultiplier, 'output multipliers (Q31)'),
      output_shift: ctx.array('shift', 'int32_t', p.outputShift, 'output shifts'),
      activation_min: i32(p.activationMin),
      activation_max: i32(p.activationMax),
    },
    args: [ctx.ptr(input!, 'int8_t'), ctx.ptr(filter!, 'int8_t'), bias !== undefined && bias >= 0 ? ctx.ptr(bias, 'int32_t') : 'NULL', ctx.ptr(out, 'int8_t', true), 'scratch'],
  };
};
