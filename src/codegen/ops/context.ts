/**
 * What an operator's lowering sees: its prepared parameters (the very numbers the reference
 * interpreter computes with) and helpers to name tensors and constant arrays in C.
 */
import type { ModelGraph } from '../../ir/graph.js';
import type { FullyConnectedInt8Params } from '../../interp/kernels/fully_connected.js';
import type { PlannedOp } from '../../interp/prepare.js';
import { cFloat, cInt } from '../cgen.js';
import type { CExpr, CInit, CType } from '../types.js';
import { TinypruneError } from '../../errors.js';

export interface LowerContext {
  graph: ModelGraph;
  op: PlannedOp;
  /** Pointer expression for a tensor, typed as `ctype *` (const for constants and inputs). */
  ptr(tensorIndex: number, ctype: CType, writable?: boolean): CExpr;
  /** Registers a constant array for this operator and returns its symbol. */
  array(suffix: string, ctype: CType, values: ArrayLike<number>, comment: string): CExpr;
  /** Registers a constant array that counts as weights (or bias) in reports; returns its symbol. */
  weights(suffix: string, ctype: CType, values: ArrayLike<number>, comment: string, role: 'weights' | 'bias'): CExpr;
  /** dsp cores: pack int8 weights in row / channel pairs where the layer gains ('gain'), wherever it fits ('all', tests), or never (ops/fc_pairs.ts, ops/conv_pairs.ts). */
  packPairs?: 'gain' | 'all' | false;
  /** This operator runs band by band, as a streamed producer or consumer (its weights stay as the model has them). */
  streamed?: boolean;
}

export interface LoweredCall {
  kernel: string;
  paramsType: string;
  params: CInit;
  /** Arguments after `&params`. */
  args: CExpr[];
  scratchBytes?: number;
}

/** An operator lowering: a kernel call, or 'alias' when the output shares the input's bytes. */
export type OpLowering = (ctx: LowerContext) => LoweredCall | 'alias';

export const i32 = (v: number): CExpr => cInt(v, 'int32_t');

/** The int8 per-channel requantisation fields of tp_conv_s8_params / tp_dwconv_s8_params. */
export function perChannelQuantParams(
  ctx: LowerContext,
  p: { inputOffset: number; outputOffset: number; outputMultiplier: ArrayLike<number>; outputShift: ArrayLike<number>; activationMin: number; activationMax: number },
): Record<string, CInit> {
  return {
    input_offset: i32(p.inputOffset),
    output_offset: i32(p.outputOffset),
    output_multiplier: ctx.array('multiplier', 'int32_t', p.outputMultiplier, 'per-channel output multipliers (Q31)'),
    output_shift: ctx.array('shift', 'int32_t', p.outputShift, 'per-channel output shifts'),
    activation_min: i32(p.activationMin),
    activation_max: i32(p.activationMax),
  };
}
export const f32 = (v: number): CExpr => cFloat(v);

/** tp_dims4 from an NHWC (or OHWI / 1HWO) shape; lower ranks are padded with leading 1s. */
export function dims4(shape: readonly number[]): CInit {
  const s = [1, 1, 1, 1, ...shape].slice(-4);
  return { n: i32(s[0]!), h: i32(s[1]!), w: i32(s[2]!), c: i32(s[3]!) };
}

/** Maximum rank of tp_shape (TP_MAX_DIMS in tp_types.h). */
export const TP_MAX_DIMS = 6;

export function shapeInit(ctx: LowerContext, shape: readonly number[], what: string): CInit {
  if (shape.length > TP_MAX_DIMS) {
    throw new TinypruneError('E_CODEGEN', `${what} has rank ${shape.length}; the runtime kernels take at most ${TP_MAX_DIMS}`, {
      where: `operator ${ctx.op.index} (${ctx.op.opcode})`,
    });
  }
  const dims = [...shape.map(i32)];
  while (dims.length < TP_MAX_DIMS) dims.push('0');
  return { rank: i32(shape.length), dims };
}

/** A list padded with zeros to TP_MAX_DIMS entries. */
export function padList(values: readonly number[]): CInit {
  const out = values.map(i32);
  while (out.length < TP_MAX_DIMS) out.push('0');
  return out;
}

export function suffixOf(kind: string): 's8' | 'f32' {
  return kind === 'float32' ? 'f32' : 's8';
}

export function unsupported(ctx: LowerContext, why: string): never {
  throw new TinypruneError('E_UNSUPPORTED_TYPE', `operator ${ctx.op.index} (${ctx.op.opcode}): ${why}`, {
    where: `operator ${ctx.op.index} (${ctx.op.opcode})`,
    hint: 'the C runtime covers int8 and float32 models; quantize the model fully to int8',
  });
}

/** tp_fc_s8_params of an int8 FULLY_CONNECTED, with this input offset (0 where the bias has it folded in). */
export function fcS8Params(ctx: LowerContext, p: FullyConnectedInt8Params, inputOffset: number): Record<string, CInit> {
  return {
    batches: i32(p.batches),
    input_depth: i32(p.accumDepth),
    output_depth: i32(p.outputDepth),
    input_offset: i32(inputOffset),
    filter_offset: i32(p.weightsOffset),
    output_offset: i32(p.outputOffset),
    per_channel: '1',
    output_multiplier: ctx.array('multiplier', 'int32_t', p.outputMultiplier, 'output multipliers (Q31)'),
    output_shift: ctx.array('shift', 'int32_t', p.outputShift, 'output shifts'),
    activation_min: i32(p.activationMin),
    activation_max: i32(p.activationMax),
  };
}
