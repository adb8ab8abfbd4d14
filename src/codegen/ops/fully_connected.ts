import type { FullyConnectedParams } from '../../interp/kernels/fully_connected.js';
import { f32, fcS8Params, i32, type OpLowering, type LoweredCall } from './context.js';
import { lowerFcPairs } from './fc_pairs.js';

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
  const pairs = lowerFcPairs(ctx, p);
  if (pairs) return pairs;
  return {
    kernel: 'tp_fully_connected_s8',
    paramsType: 'tp_fc_s8_params',
    params: fcS8Params(ctx, p, p.inputOffset),
    args: [ctx.ptr(input!, 'int8_t'), ctx.ptr(filter!, 'int8_t'), bias !== undefined && bias >= 0 ? ctx.ptr(bias, 'int32_t') : 'NULL', ctx.ptr(out, 'int8_t', true), 'scratch'],
  };
};
