/**
 * KernelPlan: what code generation emits, as plain data — the ordered kernel calls with
 * their parameter structs, the constant arrays, and the static arena plan. Lowering
 * (ModelGraph → KernelPlan) is pure; rendering (KernelPlan → C text) is templates.
 */

import type { InPlaceOverlap } from '../plan/arena.js';

/** A C expression, already formatted by the helpers in cgen.ts. */
export type CExpr = string;

/** A C initializer: an expression, a braced list, or a braced designated initializer. */
export type CInit = CExpr | CInit[] | { [field: string]: CInit };

export type CType = 'int8_t' | 'uint8_t' | 'int16_t' | 'uint16_t' | 'int32_t' | 'uint32_t' | 'float';

export interface ConstArray {
  symbol: string;
  ctype: CType;
  values: ArrayLike<number>;
  /** What it is, for the comment above it (tensor name, "per-channel multipliers" …). */
  comment: string;
  bytes: number;
  role: 'weights' | 'bias' | 'constant' | 'quant' | 'param';
}

export interface KernelCall {
  /** Operator index in the model. */
  index: number;
  opcode: string;
  /** C runtime function, e.g. tp_conv_2d_s8 (also its source file name); undefined for aliases. */
  kernel?: string;
  paramsType?: string;
  paramsSymbol?: string;
  params?: CInit;
  /** Every argument of the call, `&params` first. */
  args: CExpr[];
  /** Scratch bytes this call needs (placed in the arena while the call runs). */
  scratchBytes: number;
  /** The op is a no-op in generated code (e.g. RESHAPE whose output aliases its input). */
  alias: boolean;
  /** Output tensor name, for comments and reports. */
  name: string;
}

export interface IoTensor {
  tensor: number;
  name: string;
  ctype: CType;
  shape: number[];
  bytes: number;
  offset: number;
  scale: number;
  zeroPoint: number;
}

export interface ArenaEntry {
  tensor: number;
  offset: number;
  bytes: number;
}

export interface KernelPlan {
  prefix: string;
  /** Display name of the source model (file name). */
  source: string;
  calls: KernelCall[];
  consts: ConstArray[];
  /** `inPlace`: operators whose output overlaps their dying input (src/plan/overlap.ts). */
  arena: { bytes: number; lowerBound: number; entries: ArenaEntry[]; scratchOffset: number; scratchBytes: number; inPlace: InPlaceOverlap[] };
  inputs: IoTensor[];
  outputs: IoTensor[];
  /** Runtime kernel functions used, sorted: only their sources are compiled. */
  kernels: string[];
  /** Runtime headers model.c needs beyond tp_kernels.h (tp_sparse.h when a layer is sparse). */
  includes?: string[];
  dtype: 'int8' | 'float32' | 'mixed';
}
