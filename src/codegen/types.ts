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
  /** The call runs band by band into the next layer (src/codegen/stream.ts). */
  bands?: BandLoop;
  /** The call runs inside operator `inBandsOf`'s band loop: no code at its own place. */
  inBandsOf?: number;
}

/** The row geometry of a banded kernel call (tp_band_input's arguments), as literals. */
export interface BandRows {
  strideH: number;
  padH: number;
  filterHeight: number;
  dilationH: number;
  inputHeight: number;
}

/** A kernel call inside a band loop: its params copied to a local, input rows moved per band. */
export interface BandCall {
  kernel: string;
  paramsType: string;
  paramsSymbol: string;
  rows: BandRows;
  /** Elements of one input row (width x channels): the input pointer moves by these per row. */
  inputRowElements: number;
  /** Its first argument (the input) and the others after it, `&params` excluded; `r0` is the band's first row. */
  input: CExpr;
  rest: CExpr[];
}

/**
 * The loop generated for a streamed pair (src/codegen/stream.ts), rendered by the template:
 * for each band of `rowsPerBand` rows of `height`, the producer on the band's input rows
 * (tp_band_input), then either tp_fully_connected_s8_stream on the band (`fc`) or the
 * consumer's kernel on the band, writing its output rows [r0, r1) (`window`).
 */
export interface BandLoop {
  /** The static function in the generated source that runs the loop. */
  fn: string;
  consumer: number;
  rowsPerBand: number;
  height: number;
  producer: BandCall;
  fc?: { params: CExpr; filter: CExpr; bias: CExpr; band: CExpr; acc: CExpr; rowElements: number };
  window?: BandCall;
}

/** A pair the arena planner streams (report: bytes saved). */
export interface StreamedPair {
  producer: number;
  consumer: number;
  rowsPerBand: number;
  /** Rows the bands step through: the producer's output rows (into a FULLY_CONNECTED) or the consumer's. */
  height: number;
  /** Arena bytes of the band (the producer's output rows one band holds). */
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
