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
  /** The call runs band by band into a streamed FULLY_CONNECTED (src/codegen/stream.ts). */
  bands?: BandLoop;
}

/**
 * The loop generated around a streamed producer's kernel call: for each band of
 * `rowsPerBand` output rows, the kernel on the band's input rows (tp_band_input), then
 * tp_fully_connected_s8_stream on the band. The geometry is the producer's, as literals.
 */
export interface BandLoop {
  /** The static function in the generated source that runs the loop. */
  fn: string;
  consumer: number;
  rowsPerBand: number;
  outputHeight: number;
  inputHeight: number;
  strideH: number;
  padH: number;
  filterHeight: number;
  dilationH: number;
  /** Elements of one input row (width x channels). */
  inputRowElements: number;
  /** Elements of one output row, i.e. FULLY_CONNECTED input columns per band row. */
  rowElements: number;
  /** The producer's first argument (its input) and the others after it, `&params` excluded. */
  input: CExpr;
  rest: CExpr[];
  /** tp_fully_connected_s8_stream's operands: the consumer's params, weights, bias, the band, the accumulators. */
  fcParams: CExpr;
  fcFilter: CExpr;
  fcBias: CExpr;
  band: CExpr;
  acc: CExpr;
}

/** A producer → FULLY_CONNECTED pair the arena planner streams (report: bytes saved). */
export interface StreamedPair {
  producer: number;
  consumer: number;
  rowsPerBand: number;
  outputHeight: number;
  bandBytes: number;
  /** Bytes of the producer's whole output, which never exists. */
  fullBytes: number;
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
  /** `streams`: layers run band by band into a FULLY_CONNECTED (src/codegen/stream.ts). */
  arena: { bytes: number; lowerBound: number; entries: ArenaEntry[]; scratchOffset: number; scratchBytes: number; inPlace: InPlaceOverlap[]; streams: StreamedPair[] };
  inputs: IoTensor[];
  outputs: IoTensor[];
  /** Runtime kernel functions used, sorted: only their sources are compiled. */
  kernels: string[];
  /** Runtime headers model.c needs beyond tp_kernels.h (tp_sparse.h when a layer is sparse). */
  includes?: string[];
  dtype: 'int8' | 'float32' | 'mixed';
}
