/**
 * ModelGraph: the model IR every stage works on. Plain data (no classes, no methods) so that
 * any stage's output can be dumped as JSON and compared.
 *
 * Semantics are TFLite's: NHWC activations, OHWI conv filters, 1HWO depthwise filters,
 * [out, in] fully-connected weights, int8 asymmetric activations, symmetric (per-channel)
 * int8 weights, int32 biases with scale = input_scale * weight_scale.
 */

/** Tensor element types, named after TFLite's TensorType enum (lower case). */
export type DType =
  | 'float32'
  | 'float16'
  | 'int32'
  | 'uint8'
  | 'int64'
  | 'string'
  | 'bool'
  | 'int16'
  | 'complex64'
  | 'int8'
  | 'float64'
  | 'complex128'
  | 'uint64'
  | 'resource'
  | 'variant'
  | 'uint32'
  | 'uint16'
  | 'int4'
  | 'bfloat16';

/** Bytes per element; 0 where the element has no fixed size (string, resource, variant). */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  int32: 4,
  uint8: 1,
  int64: 8,
  string: 0,
  bool: 1,
  int16: 2,
  complex64: 8,
  int8: 1,
  float64: 8,
  complex128: 16,
  uint64: 8,
  resource: 0,
  variant: 0,
  uint32: 4,
  uint16: 2,
  int4: 1, // TFLite stores int4 constants packed two per byte; unpacked size is 1
  bfloat16: 2,
};

/**
 * Affine quantization: real = scale * (q - zeroPoint).
 * Per-tensor when scale.length === 1; per-channel along `axis` otherwise.
 */
export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** TFLite's quantized_dimension (0 when per-tensor). */
  axis: number;
  /** Calibration ranges, when the file carries them (kept for round-trip). */
  min?: number[];
  max?: number[];
}

/** TFLite SparsityParameters, kept as read so that the writer can write them back. */
export interface DimensionMetadata {
  format: 'DENSE' | 'SPARSE_CSR';
  denseSize: number;
  arraySegments?: { type: 'int32' | 'uint16' | 'uint8'; values: number[] };
  arrayIndices?: { type: 'int32' | 'uint16' | 'uint8'; values: number[] };
}

export interface SparsityParameters {
  traversalOrder: number[];
  blockMap: number[];
  dimMetadata: DimensionMetadata[];
}

export interface Tensor {
  name: string;
  shape: number[];
  /** Shape with -1 for dynamic dimensions, when the file carries it. */
  shapeSignature?: number[];
  dtype: DType;
  quant?: Quantization;
  /** Constant data: raw little-endian bytes as stored in the model's buffer. */
  data?: Uint8Array;
  /** Variable (state) tensor, e.g. an LSTM's state. */
  isVariable: boolean;
  sparsity?: SparsityParameters;
}

/** Value of a field of a builtin-options table. Enums are stored by their schema name. */
export type OptionValue = number | boolean | string | number[];

export interface Op {
  /** Builtin operator name as in TFLite's BuiltinOperator enum, e.g. 'CONV_2D', or 'CUSTOM'. */
  opcode: string;
  /** For CUSTOM ops: the custom code string. */
  customCode?: string;
  /** Operator version from the operator-code table. */
  version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  intermediates?: number[];
  /** Name of the BuiltinOptions union member, e.g. 'Conv2DOptions'; absent when none. */
  optionsType?: string;
  /** Parsed builtin options with camelCase field names, e.g. { padding: 'SAME', strideW: 2 }. */
  options: Record<string, OptionValue>;
  /** Raw custom options bytes (flexbuffer), kept opaque. */
  customOptions?: Uint8Array;
}

export interface Metadata {
  name: string;
  data: Uint8Array;
}

/**
 * A SignatureDef (what LiteRT's signature runner calls the model by): names for the model's
 * inputs and outputs, by position in ModelGraph.inputs / outputs, so that a stage that
 * renumbers tensors keeps it valid (the writer turns positions back into tensor indices).
 */
export interface Signature {
  key: string;
  inputs: { name: string; position: number }[];
  outputs: { name: string; position: number }[];
}

export interface ModelGraph {
  /** TFLite schema version of the source file (3 today). */
  schemaVersion: number;
  description: string;
  /** Subgraph name (often empty). */
  name: string;
  tensors: Tensor[];
  ops: Op[];
  inputs: number[];
  outputs: number[];
  metadata: Metadata[];
  /** The source model's SignatureDefs (absent when it had none). */
  signatures?: Signature[];
}

export function tensorElements(t: Pick<Tensor, 'shape'>): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  return n;
}

export function tensorBytes(t: Pick<Tensor, 'shape' | 'dtype'>): number {
  return tensorElements(t) * DTYPE_BYTES[t.dtype];
}

export function isConstant(t: Tensor): boolean {
  return t.data !== undefined;
}
