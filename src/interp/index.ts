/**
 * The bit-exact reference interpreter (TFLite Micro reference-kernel semantics).
 *
 *   prepare(graph)               validate + compute per-op constants -> ExecutionPlan
 *   interpret(graphOrPlan, ins)  run -> { outputs, tensors? }
 *   compute*Params(graph, op)    the exact numbers (multipliers, shifts, padding…) C codegen emits
 *   kernels: conv2dInt8(params, input, filter, bias, output) … pure functions on typed arrays
 */
export { interpret, runPlan, checkInputs } from './interpret.js';
export type { InterpretOptions, InterpretResult, OpEvent } from './interpret.js';
export { prepare } from './prepare.js';
export type { ExecutionPlan, PlannedOp } from './prepare.js';
export type { PreparedOp, OpKernel } from './kernel.js';
export {
  activationRangeFloat,
  activationRangeQuantized,
  computeOutSize,
  computePadding,
  FLT_MAX,
  type FusedActivation,
  type Padding,
} from './common.js';
export * from './fixedpoint.js';
export * from './kernels/index.js';
