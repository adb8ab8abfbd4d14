/**
 * The facts of TFLite's flatbuffer schema (tensorflow/compiler/mlir/lite/schema/schema.fbs in
 * tensorflow/tflite-micro), written down as data so that one description drives both the
 * reader (read.ts) and the writer (write.ts).
 *
 * Flatbuffer field ids are positional: the n-th field declared in a table has id n, a union
 * field takes two ids (its `_type` byte first, then the value offset), and a deprecated field
 * keeps its id. A field with id i lives at vtable offset 4 + 2*i.
 */

/** Schema version this reader/writer understands (Model.version). */
export const TFLITE_SCHEMA_VERSION = 3;
/** file_identifier "TFL3", stored at bytes 4..7. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** vtable offset of field id `id`. */
export function vtableOffset(id: number): number {
  return 4 + 2 * id;
}

// ---------------------------------------------------------------------------------------------
// Field ids of the structural tables.
// ---------------------------------------------------------------------------------------------

export const MODEL = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
  externalBufferGroups: 8,
  externalBuffers: 9,
  NUM_FIELDS: 10,
} as const;

export const OPERATOR_CODE = {
  deprecatedBuiltinCode: 0,
  customCode: 1,
  version: 2,
  builtinCode: 3,
  NUM_FIELDS: 4,
} as const;

export const SUBGRAPH = {
  tensors: 0,
  inputs: 1,
  outputs: 2,
  operators: 3,
  name: 4,
  debugMetadataIndex: 5,
  NUM_FIELDS: 6,
} as const;

export const TENSOR = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  isVariable: 5,
  sparsity: 6,
  shapeSignature: 7,
  hasRank: 8,
  variantTensors: 9,
  externalBuffer: 10,
  NUM_FIELDS: 11,
} as const;

export const BUFFER = {
  data: 0,
  /** Offset of the data from the start of the file, for data stored after the flatbuffer (> 1 when used). */
  offset: 1,
  size: 2,
  NUM_FIELDS: 3,
} as const;

export const OPERATOR = {
  opcodeIndex: 0,
  inputs: 1,
  outputs: 2,
  builtinOptionsType: 3,
  builtinOptions: 4,
  customOptions: 5,
  customOptionsFormat: 6,
  mutatingVariableInputs: 7,
  intermediates: 8,
  largeCustomOptionsOffset: 9,
  largeCustomOptionsSize: 10,
  builtinOptions2Type: 11,
  builtinOptions2: 12,
  debugMetadataIndex: 13,
  NUM_FIELDS: 14,
} as const;

export const QUANTIZATION_PARAMETERS = {
  min: 0,
  max: 1,
  scale: 2,
  zeroPoint: 3,
  detailsType: 4,
  details: 5,
  quantizedDimension: 6,
  NUM_FIELDS: 7,
} as const;

export const SPARSITY_PARAMETERS = {
  traversalOrder: 0,
  blockMap: 1,
  dimMetadata: 2,
  NUM_FIELDS: 3,
} as const;

export const DIMENSION_METADATA = {
  format: 0,
  denseSize: 1,
  arraySegmentsType: 2,
  arraySegments: 3,
  arrayIndicesType: 4,
  arrayIndices: 5,
  NUM_FIELDS: 6,
} as const;

/** Int32Vector, Uint16Vector and Uint8Vector all have one field. */
export const INDEX_VECTOR = { values: 0, NUM_FIELDS: 1 } as const;

export const METADATA = { name: 0, buffer: 1, NUM_FIELDS: 2 } as const;

export const SIGNATURE_DEF = {
  inputs: 0,
  outputs: 1,
  signatureKey: 2,
  deprecatedTag: 3,
  subgraphIndex: 4,
  NUM_FIELDS: 5,
} as const;

export const TENSOR_MAP = { name: 0, tensorIndex: 1, NUM_FIELDS: 2 } as const;

// ---------------------------------------------------------------------------------------------
// Enums. Arrays are indexed by value (every one of these enums is dense from 0).
// ---------------------------------------------------------------------------------------------

/** TensorType by value. */
export const TENSOR_TYPES = [
  'FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64',
  'INT8', 'FLOAT64', 'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4',
  'BFLOAT16', 'INT2', 'UINT4', 'FLOAT8_E4M3FN', 'FLOAT8_E5M2',
] as const;

/** BuiltinOperator by value (0..209, dense). */
export const BUILTIN_OPERATORS = [
  'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTH_TO_SPACE',
  'DEQUANTIZE', 'EMBEDDING_LOOKUP', 'FLOOR', 'FULLY_CONNECTED', // 0-9
  'HASHTABLE_LOOKUP', 'L2_NORMALIZATION', 'L2_POOL_2D', 'LOCAL_RESPONSE_NORMALIZATION', 'LOGISTIC',
  'LSH_PROJECTION', 'LSTM', 'MAX_POOL_2D', 'MUL', 'RELU', // 10-19
  'RELU_N1_TO_1', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RNN', 'SOFTMAX', 'SPACE_TO_DEPTH', 'SVDF',
  'TANH', 'CONCAT_EMBEDDINGS', // 20-29
  'SKIP_GRAM', 'CALL', 'CUSTOM', 'EMBEDDING_LOOKUP_SPARSE', 'PAD', 'UNIDIRECTIONAL_SEQUENCE_RNN',
  'GATHER', 'BATCH_TO_SPACE_ND', 'SPACE_TO_BATCH_ND', 'TRANSPOSE', // 30-39
  'MEAN', 'SUB', 'DIV', 'SQUEEZE', 'UNIDIRECTIONAL_SEQUENCE_LSTM', 'STRIDED_SLICE',
  'BIDIRECTIONAL_SEQUENCE_RNN', 'EXP', 'TOPK_V2', 'SPLIT', // 40-49
  'LOG_SOFTMAX', 'DELEGATE', 'BIDIRECTIONAL_SEQUENCE_LSTM', 'CAST', 'PRELU', 'MAXIMUM', 'ARG_MAX',
  'MINIMUM', 'LESS', 'NEG', // 50-59
  'PADV2', 'GREATER', 'GREATER_EQUAL', 'LESS_EQUAL', 'SELECT', 'SLICE', 'SIN', 'TRANSPOSE_CONV',
  'SPARSE_TO_DENSE', 'TILE', // 60-69
  'EXPAND_DIMS', 'EQUAL', 'NOT_EQUAL', 'LOG', 'SUM', 'SQRT', 'RSQRT', 'SHAPE', 'POW', 'ARG_MIN', // 70-79
  'FAKE_QUANT', 'REDUCE_PROD', 'REDUCE_MAX', 'PACK', 'LOGICAL_OR', 'ONE_HOT', 'LOGICAL_AND',
  'LOGICAL_NOT', 'UNPACK', 'REDUCE_MIN', // 80-89
  'FLOOR_DIV', 'REDUCE_ANY', 'SQUARE', 'ZEROS_LIKE', 'FILL', 'FLOOR_MOD', 'RANGE',
  'RESIZE_NEAREST_NEIGHBOR', 'LEAKY_RELU', 'SQUARED_DIFFERENCE', // 90-99
  'MIRROR_PAD', 'ABS', 'SPLIT_V', 'UNIQUE', 'CEIL', 'REVERSE_V2', 'ADD_N', 'GATHER_ND', 'COS',
  'WHERE', // 100-109
  'RANK', 'ELU', 'REVERSE_SEQUENCE', 'MATRIX_DIAG', 'QUANTIZE', 'MATRIX_SET_DIAG', 'ROUND',
  'HARD_SWISH', 'IF', 'WHILE', // 110-119
  'NON_MAX_SUPPRESSION_V4', 'NON_MAX_SUPPRESSION_V5', 'SCATTER_ND', 'SELECT_V2', 'DENSIFY',
  'SEGMENT_SUM', 'BATCH_MATMUL', 'PLACEHOLDER_FOR_GREATER_OP_CODES', 'CUMSUM', 'CALL_ONCE', // 120-129
  'BROADCAST_TO', 'RFFT2D', 'CONV_3D', 'IMAG', 'REAL', 'COMPLEX_ABS', 'HASHTABLE', 'HASHTABLE_FIND',
  'HASHTABLE_IMPORT', 'HASHTABLE_SIZE', // 130-139
  'REDUCE_ALL', 'CONV_3D_TRANSPOSE', 'VAR_HANDLE', 'READ_VARIABLE', 'ASSIGN_VARIABLE',
  'BROADCAST_ARGS', 'RANDOM_STANDARD_NORMAL', 'BUCKETIZE', 'RANDOM_UNIFORM', 'MULTINOMIAL', // 140-149
  'GELU', 'DYNAMIC_UPDATE_SLICE', 'RELU_0_TO_1', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX',
  'UNSORTED_SEGMENT_SUM', 'ATAN2', 'UNSORTED_SEGMENT_MIN', 'SIGN', 'BITCAST', // 150-159
  'BITWISE_XOR', 'RIGHT_SHIFT', 'STABLEHLO_LOGISTIC', 'STABLEHLO_ADD', 'STABLEHLO_DIVIDE',
  'STABLEHLO_MULTIPLY', 'STABLEHLO_MAXIMUM', 'STABLEHLO_RESHAPE', 'STABLEHLO_CLAMP',
  'STABLEHLO_CONCATENATE', // 160-169
  'STABLEHLO_BROADCAST_IN_DIM', 'STABLEHLO_CONVOLUTION', 'STABLEHLO_SLICE', 'STABLEHLO_CUSTOM_CALL',
  'STABLEHLO_REDUCE', 'STABLEHLO_ABS', 'STABLEHLO_AND', 'STABLEHLO_COSINE', 'STABLEHLO_EXPONENTIAL',
  'STABLEHLO_FLOOR', // 170-179
  'STABLEHLO_LOG', 'STABLEHLO_MINIMUM', 'STABLEHLO_NEGATE', 'STABLEHLO_OR', 'STABLEHLO_POWER',
  'STABLEHLO_REMAINDER', 'STABLEHLO_RSQRT', 'STABLEHLO_SELECT', 'STABLEHLO_SUBTRACT',
  'STABLEHLO_TANH', // 180-189
  'STABLEHLO_SCATTER', 'STABLEHLO_COMPARE', 'STABLEHLO_CONVERT', 'STABLEHLO_DYNAMIC_SLICE',
  'STABLEHLO_DYNAMIC_UPDATE_SLICE', 'STABLEHLO_PAD', 'STABLEHLO_IOTA', 'STABLEHLO_DOT_GENERAL',
  'STABLEHLO_REDUCE_WINDOW', 'STABLEHLO_SORT', // 190-199
  'STABLEHLO_WHILE', 'STABLEHLO_GATHER', 'STABLEHLO_TRANSPOSE', 'DILATE',
  'STABLEHLO_RNG_BIT_GENERATOR', 'REDUCE_WINDOW', 'STABLEHLO_COMPOSITE', 'STABLEHLO_SHIFT_LEFT',
  'STABLEHLO_CBRT', 'STABLEHLO_CASE', // 200-209
] as const;

export type BuiltinOperatorName = (typeof BUILTIN_OPERATORS)[number];

const BUILTIN_OPERATOR_VALUE: ReadonlyMap<string, number> = new Map(
  BUILTIN_OPERATORS.map((name, value) => [name, value]),
);

/** Value of a BuiltinOperator name, or undefined when the name is not in the schema. */
export function builtinOperatorValue(name: string): number | undefined {
  return BUILTIN_OPERATOR_VALUE.get(name);
}

/**
 * The old OperatorCode.deprecated_builtin_code is a byte; codes that do not fit are written as
 * PLACEHOLDER_FOR_GREATER_OP_CODES (127) there and in full in builtin_code.
 */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** Enums that builtin-options fields use, by value. */
export const ENUMS = {
  TensorType: TENSOR_TYPES,
  Padding: ['SAME', 'VALID'],
  ActivationFunctionType: ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'],
  DimensionType: ['DENSE', 'SPARSE_CSR'],
  LSHProjectionType: ['UNKNOWN', 'SPARSE', 'DENSE'],
  FullyConnectedOptionsWeightsFormat: ['DEFAULT', 'SHUFFLED4x16INT8'],
  LSTMKernelType: ['FULL', 'BASIC'],
  CombinerType: ['SUM', 'MEAN', 'SQRTN'],
  MirrorPadMode: ['REFLECT', 'SYMMETRIC'],
  CustomOptionsFormat: ['FLEXBUFFERS'],
  RngAlgorithm: ['DEFAULT', 'PHILOX', 'THREEFRY'],
  ReduceWindowFunction: ['UNSUPPORTED', 'ADD', 'MUL', 'MINIMUM', 'MAXIMUM', 'ALL', 'ANY'],
  StablehloPrecisionConfig: ['DEFAULT', 'HIGH', 'HIGHEST'],
  StablehloComparisonDirection: [
    'STABLEHLO_COMPARISON_DIRECTION_EQ', 'STABLEHLO_COMPARISON_DIRECTION_NE',
    'STABLEHLO_COMPARISON_DIRECTION_GE', 'STABLEHLO_COMPARISON_DIRECTION_GT',
    'STABLEHLO_COMPARISON_DIRECTION_LE', 'STABLEHLO_COMPARISON_DIRECTION_LT',
  ],
  StablehloComparisonType: [
    'STABLEHLO_COMPARISON_TYPE_NOTYPE', 'STABLEHLO_COMPARISON_TYPE_FLOAT',
    'STABLEHLO_COMPARISON_TYPE_FLOAT_TOTAL_ORDER', 'STABLEHLO_COMPARISON_TYPE_SIGNED',
    'STABLEHLO_COMPARISON_TYPE_UNSIGNED',
  ],
} as const;

export type EnumName = keyof typeof ENUMS;

/** Underlying scalar type of each enum (as declared: `enum X : byte`, `: uint`, `: int`). */
export const ENUM_SCALAR: Readonly<Record<EnumName, ScalarType>> = {
  TensorType: 'int8',
  Padding: 'int8',
  ActivationFunctionType: 'int8',
  DimensionType: 'int8',
  LSHProjectionType: 'int8',
  FullyConnectedOptionsWeightsFormat: 'int8',
  LSTMKernelType: 'int8',
  CombinerType: 'int8',
  MirrorPadMode: 'int8',
  CustomOptionsFormat: 'int8',
  RngAlgorithm: 'int8',
  ReduceWindowFunction: 'int32',
  StablehloPrecisionConfig: 'uint32',
  StablehloComparisonDirection: 'uint32',
  StablehloComparisonType: 'uint32',
};

/** SparseIndexVector union members, by value (0 = NONE). */
export const SPARSE_INDEX_VECTOR = [null, 'int32', 'uint16', 'uint8'] as const;

// ---------------------------------------------------------------------------------------------
// Builtin options: the two unions and a data-driven description of every member table.
// ---------------------------------------------------------------------------------------------

/** BuiltinOptions union members by value (0 = NONE). */
export const BUILTIN_OPTIONS = [
  null,
  'Conv2DOptions', 'DepthwiseConv2DOptions', 'ConcatEmbeddingsOptions', 'LSHProjectionOptions',
  'Pool2DOptions', 'SVDFOptions', 'RNNOptions', 'FullyConnectedOptions', 'SoftmaxOptions', // 1-9
  'ConcatenationOptions', 'AddOptions', 'L2NormOptions', 'LocalResponseNormalizationOptions',
  'LSTMOptions', 'ResizeBilinearOptions', 'CallOptions', 'ReshapeOptions', 'SkipGramOptions',
  'SpaceToDepthOptions', // 10-19
  'EmbeddingLookupSparseOptions', 'MulOptions', 'PadOptions', 'GatherOptions',
  'BatchToSpaceNDOptions', 'SpaceToBatchNDOptions', 'TransposeOptions', 'ReducerOptions',
  'SubOptions', 'DivOptions', // 20-29
  'SqueezeOptions', 'SequenceRNNOptions', 'StridedSliceOptions', 'ExpOptions', 'TopKV2Options',
  'SplitOptions', 'LogSoftmaxOptions', 'CastOptions', 'DequantizeOptions',
  'MaximumMinimumOptions', // 30-39
  'ArgMaxOptions', 'LessOptions', 'NegOptions', 'PadV2Options', 'GreaterOptions',
  'GreaterEqualOptions', 'LessEqualOptions', 'SelectOptions', 'SliceOptions',
  'TransposeConvOptions', // 40-49
  'SparseToDenseOptions', 'TileOptions', 'ExpandDimsOptions', 'EqualOptions', 'NotEqualOptions',
  'ShapeOptions', 'PowOptions', 'ArgMinOptions', 'FakeQuantOptions', 'PackOptions', // 50-59
  'LogicalOrOptions', 'OneHotOptions', 'LogicalAndOptions', 'LogicalNotOptions', 'UnpackOptions',
  'FloorDivOptions', 'SquareOptions', 'ZerosLikeOptions', 'FillOptions',
  'BidirectionalSequenceLSTMOptions', // 60-69
  'BidirectionalSequenceRNNOptions', 'UnidirectionalSequenceLSTMOptions', 'FloorModOptions',
  'RangeOptions', 'ResizeNearestNeighborOptions', 'LeakyReluOptions', 'SquaredDifferenceOptions',
  'MirrorPadOptions', 'AbsOptions', 'SplitVOptions', // 70-79
  'UniqueOptions', 'ReverseV2Options', 'AddNOptions', 'GatherNdOptions', 'CosOptions',
  'WhereOptions', 'RankOptions', 'ReverseSequenceOptions', 'MatrixDiagOptions',
  'QuantizeOptions', // 80-89
  'MatrixSetDiagOptions', 'HardSwishOptions', 'IfOptions', 'WhileOptions', 'DepthToSpaceOptions',
  'NonMaxSuppressionV4Options', 'NonMaxSuppressionV5Options', 'ScatterNdOptions',
  'SelectV2Options', 'DensifyOptions', // 90-99
  'SegmentSumOptions', 'BatchMatMulOptions', 'CumsumOptions', 'CallOnceOptions',
  'BroadcastToOptions', 'Rfft2dOptions', 'Conv3DOptions', 'HashtableOptions',
  'HashtableFindOptions', 'HashtableImportOptions', // 100-109
  'HashtableSizeOptions', 'VarHandleOptions', 'ReadVariableOptions', 'AssignVariableOptions',
  'RandomOptions', 'BucketizeOptions', 'GeluOptions', 'DynamicUpdateSliceOptions',
  'UnsortedSegmentProdOptions', 'UnsortedSegmentMaxOptions', // 110-119
  'UnsortedSegmentMinOptions', 'UnsortedSegmentSumOptions', 'ATan2Options', 'SignOptions',
  'BitcastOptions', 'BitwiseXorOptions', 'RightShiftOptions', // 120-126
] as const;

/**
 * BuiltinOptions2 union members by value (0 = NONE). The names do not overlap with
 * BUILTIN_OPTIONS, so an Op's `optionsType` alone says which union it belongs to.
 */
export const BUILTIN_OPTIONS_2 = [
  null,
  'StablehloConcatenateOptions', 'StablehloBroadcastInDimOptions', 'StablehloSliceOptions',
  'StablehloConvolutionOptions', 'StablehloCustomCallOptions', 'StablehloReduceOptions',
  'StablehloScatterOptions', 'StablehloCompareOptions', 'StablehloDynamicSliceOptions',
  'StablehloPadOptions', // 1-10
  'StablehloIotaOptions', 'StablehloDotGeneralOptions', 'StablehloReduceWindowOptions',
  'StablehloSortOptions', 'StablehloWhileOptions', 'StablehloGatherOptions',
  'StablehloTransposeOptions', 'DilateOptions', 'StablehloRngBitGeneratorOptions',
  'ReduceWindowOptions', // 11-20
  'StableHLOCompositeOptions', 'StablehloShiftLeftOptions', 'StablehloCaseOptions', // 21-23
] as const;

export type ScalarType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

export const SCALAR_BYTES: Readonly<Record<ScalarType, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

/** One field of an options table. */
export type OptionFieldType =
  | { kind: 'scalar'; scalar: ScalarType; default: number | boolean }
  /** Stored in the IR by the enum's schema name; `default` is the numeric value. */
  | { kind: 'enum'; scalar: ScalarType; enumName: EnumName; default: number }
  | { kind: 'string' }
  /** Vectors of scalars (or of enum values, kept as numbers). */
  | { kind: 'vector'; scalar: ScalarType };

export interface OptionField {
  /** camelCase name as used in Op.options, e.g. 'strideW'. */
  name: string;
  /** snake_case name as in schema.fbs. */
  schemaName: string;
  /** Flatbuffer field id (positional, deprecated fields keep their id). */
  id: number;
  type: OptionFieldType;
}

export interface OptionsTable {
  name: string;
  /** Which union holds it: 1 = builtin_options, 2 = builtin_options_2. */
  union: 1 | 2;
  /** Value of the member in its union. */
  unionValue: number;
  /** Live fields in id order (deprecated ones omitted; they still use up their ids). */
  fields: OptionField[];
  /** Number of field ids (including deprecated ones): the vtable size to write. */
  numFieldIds: number;
}

/**
 * Each options table as a compact transcription of its schema.fbs declaration: fields in
 * declaration order, `name:type` or `name:type=default`; `[type]` is a vector; a leading `~`
 * marks a deprecated field (it keeps its id but is neither read nor written). Scalar type names
 * are the schema's (byte, ubyte, short, ushort, int, uint, long, ulong, float, double, bool);
 * anything else is an enum from ENUMS. Defaults are the schema's (0 / false / first enum
 * value unless given).
 */
const OPTIONS_DECLARATIONS: Readonly<Record<string, string>> = {
  // ---- BuiltinOptions ----
  Conv2DOptions:
    'padding:Padding, stride_w:int, stride_h:int, fused_activation_function:ActivationFunctionType, ' +
    'dilation_w_factor:int=1, dilation_h_factor:int=1, quantized_bias_type:TensorType',
  DepthwiseConv2DOptions:
    'padding:Padding, stride_w:int, stride_h:int, depth_multiplier:int, ' +
    'fused_activation_function:ActivationFunctionType, dilation_w_factor:int=1, dilation_h_factor:int=1',
  ConcatEmbeddingsOptions: 'num_channels:int, num_columns_per_channel:[int], embedding_dim_per_channel:[int]',
  LSHProjectionOptions: 'type:LSHProjectionType',
  Pool2DOptions:
    'padding:Padding, stride_w:int, stride_h:int, filter_width:int, filter_height:int, ' +
    'fused_activation_function:ActivationFunctionType',
  SVDFOptions: 'rank:int, fused_activation_function:ActivationFunctionType, asymmetric_quantize_inputs:bool',
  RNNOptions: 'fused_activation_function:ActivationFunctionType, asymmetric_quantize_inputs:bool',
  FullyConnectedOptions:
    'fused_activation_function:ActivationFunctionType, weights_format:FullyConnectedOptionsWeightsFormat=DEFAULT, ' +
    'keep_num_dims:bool, asymmetric_quantize_inputs:bool, quantized_bias_type:TensorType',
  SoftmaxOptions: 'beta:float',
  ConcatenationOptions: 'axis:int, fused_activation_function:ActivationFunctionType',
  AddOptions: 'fused_activation_function:ActivationFunctionType, pot_scale_int16:bool=true',
  L2NormOptions: 'fused_activation_function:ActivationFunctionType',
  LocalResponseNormalizationOptions: 'radius:int, bias:float, alpha:float, beta:float',
  LSTMOptions:
    'fused_activation_function:ActivationFunctionType, cell_clip:float, proj_clip:float, ' +
    'kernel_type:LSTMKernelType=FULL, asymmetric_quantize_inputs:bool',
  ResizeBilinearOptions: '~new_height:int, ~new_width:int, align_corners:bool, half_pixel_centers:bool',
  CallOptions: 'subgraph:uint',
  ReshapeOptions: 'new_shape:[int]',
  SkipGramOptions: 'ngram_size:int, max_skip_size:int, include_all_ngrams:bool',
  SpaceToDepthOptions: 'block_size:int',
  EmbeddingLookupSparseOptions: 'combiner:CombinerType',
  MulOptions: 'fused_activation_function:ActivationFunctionType',
  PadOptions: '',
  GatherOptions: 'axis:int, batch_dims:int=0',
  BatchToSpaceNDOptions: '',
  SpaceToBatchNDOptions: '',
  TransposeOptions: '',
  ReducerOptions: 'keep_dims:bool',
  SubOptions: 'fused_activation_function:ActivationFunctionType, pot_scale_int16:bool=true',
  DivOptions: 'fused_activation_function:ActivationFunctionType',
  SqueezeOptions: 'squeeze_dims:[int]',
  SequenceRNNOptions:
    'time_major:bool, fused_activation_function:ActivationFunctionType, asymmetric_quantize_inputs:bool',
  StridedSliceOptions:
    'begin_mask:int, end_mask:int, ellipsis_mask:int, new_axis_mask:int, shrink_axis_mask:int, offset:bool',
  ExpOptions: '',
  TopKV2Options: '',
  SplitOptions: 'num_splits:int',
  LogSoftmaxOptions: '',
  CastOptions: 'in_data_type:TensorType, out_data_type:TensorType',
  DequantizeOptions: '',
  MaximumMinimumOptions: '',
  ArgMaxOptions: 'output_type:TensorType',
  LessOptions: '',
  NegOptions: '',
  PadV2Options: '',
  GreaterOptions: '',
  GreaterEqualOptions: '',
  LessEqualOptions: '',
  SelectOptions: '',
  SliceOptions: '',
  TransposeConvOptions:
    'padding:Padding, stride_w:int, stride_h:int, fused_activation_function:ActivationFunctionType=NONE, ' +
    'quantized_bias_type:TensorType',
  SparseToDenseOptions: 'validate_indices:bool',
  TileOptions: '',
  ExpandDimsOptions: '',
  EqualOptions: '',
  NotEqualOptions: '',
  ShapeOptions: 'out_type:TensorType',
  PowOptions: '',
  ArgMinOptions: 'output_type:TensorType',
  FakeQuantOptions: 'min:float, max:float, num_bits:int, narrow_range:bool',
  PackOptions: 'values_count:int, axis:int',
  LogicalOrOptions: '',
  OneHotOptions: 'axis:int',
  LogicalAndOptions: '',
  LogicalNotOptions: '',
  UnpackOptions: 'num:int, axis:int',
  FloorDivOptions: '',
  SquareOptions: '',
  ZerosLikeOptions: '',
  FillOptions: '',
  BidirectionalSequenceLSTMOptions:
    'fused_activation_function:ActivationFunctionType, cell_clip:float, proj_clip:float, merge_outputs:bool, ' +
    'time_major:bool=true, asymmetric_quantize_inputs:bool',
  BidirectionalSequenceRNNOptions:
    'time_major:bool, fused_activation_function:ActivationFunctionType, merge_outputs:bool, ' +
    'asymmetric_quantize_inputs:bool',
  UnidirectionalSequenceLSTMOptions:
    'fused_activation_function:ActivationFunctionType, cell_clip:float, proj_clip:float, time_major:bool, ' +
    'asymmetric_quantize_inputs:bool, diagonal_recurrent_tensors:bool',
  FloorModOptions: '',
  RangeOptions: '',
  ResizeNearestNeighborOptions: 'align_corners:bool, half_pixel_centers:bool',
  LeakyReluOptions: 'alpha:float',
  SquaredDifferenceOptions: '',
  MirrorPadOptions: 'mode:MirrorPadMode',
  AbsOptions: '',
  SplitVOptions: 'num_splits:int',
  UniqueOptions: 'idx_out_type:TensorType=INT32',
  ReverseV2Options: '',
  AddNOptions: '',
  GatherNdOptions: '',
  CosOptions: '',
  WhereOptions: '',
  RankOptions: '',
  ReverseSequenceOptions: 'seq_dim:int, batch_dim:int=0',
  MatrixDiagOptions: '',
  QuantizeOptions: '',
  MatrixSetDiagOptions: '',
  HardSwishOptions: '',
  IfOptions: 'then_subgraph_index:int, else_subgraph_index:int',
  WhileOptions: 'cond_subgraph_index:int, body_subgraph_index:int',
  DepthToSpaceOptions: 'block_size:int',
  NonMaxSuppressionV4Options: '',
  NonMaxSuppressionV5Options: '',
  ScatterNdOptions: '',
  SelectV2Options: '',
  DensifyOptions: '',
  SegmentSumOptions: '',
  BatchMatMulOptions: 'adj_x:bool, adj_y:bool, asymmetric_quantize_inputs:bool',
  CumsumOptions: 'exclusive:bool, reverse:bool',
  CallOnceOptions: 'init_subgraph_index:int',
  BroadcastToOptions: '',
  Rfft2dOptions: '',
  Conv3DOptions:
    'padding:Padding, stride_d:int, stride_w:int, stride_h:int, fused_activation_function:ActivationFunctionType, ' +
    'dilation_d_factor:int=1, dilation_w_factor:int=1, dilation_h_factor:int=1',
  HashtableOptions: 'table_id:int, key_dtype:TensorType, value_dtype:TensorType',
  HashtableFindOptions: '',
  HashtableImportOptions: '',
  HashtableSizeOptions: '',
  VarHandleOptions: 'container:string, shared_name:string',
  ReadVariableOptions: '',
  AssignVariableOptions: '',
  RandomOptions: 'seed:long, seed2:long',
  BucketizeOptions: 'boundaries:[float]',
  GeluOptions: 'approximate:bool',
  DynamicUpdateSliceOptions: '',
  UnsortedSegmentProdOptions: '',
  UnsortedSegmentMaxOptions: '',
  UnsortedSegmentMinOptions: '',
  UnsortedSegmentSumOptions: '',
  ATan2Options: '',
  SignOptions: '',
  BitcastOptions: '',
  BitwiseXorOptions: '',
  RightShiftOptions: '',
  // ---- BuiltinOptions2 ----
  StablehloConcatenateOptions: 'dimension:long',
  StablehloBroadcastInDimOptions: 'broadcast_dimensions:[long]',
  StablehloSliceOptions: 'start_indices:[long], limit_indices:[long], strides:[long]',
  StablehloConvolutionOptions:
    'window_strides:[long], padding:[long], lhs_dilation:[long], rhs_dilation:[long], window_reversal:[bool], ' +
    'input_batch_dimension:long, input_feature_dimension:long, input_spatial_dimensions:[long], ' +
    'kernel_input_feature_dimension:long, kernel_output_feature_dimension:long, ' +
    'kernel_spatial_dimensions:[long], output_batch_dimension:long, output_feature_dimension:long, ' +
    'output_spatial_dimensions:[long], feature_group_count:long, batch_group_count:long, ' +
    'precision_config:[StablehloPrecisionConfig]',
  StablehloCustomCallOptions:
    'call_target_name:string, has_side_effect:bool, backend_config:string, api_version:int, ' +
    'called_computations:[int], custom_attributes:[ubyte]',
  StablehloReduceOptions: 'dimensions:[long], body_subgraph_index:int',
  StablehloScatterOptions:
    'indices_are_sorted:bool, update_window_dims:[long], inserted_window_dims:[long], ' +
    'scatter_dims_to_operand_dims:[long], index_vector_dim:long, unique_indices:bool, ' +
    'update_computation_subgraph_index:int',
  StablehloCompareOptions:
    'comparison_direction:StablehloComparisonDirection, compare_type:StablehloComparisonType',
  StablehloDynamicSliceOptions: 'slice_sizes:[long]',
  StablehloPadOptions: 'edge_padding_low:[long], edge_padding_high:[long], interior_padding:[long]',
  StablehloIotaOptions: 'iota_dimension:long',
  StablehloDotGeneralOptions:
    'lhs_batching_dimensions:[long], rhs_batching_dimensions:[long], lhs_contracting_dimensions:[long], ' +
    'rhs_contracting_dimensions:[long], precision_config:[StablehloPrecisionConfig]',
  StablehloReduceWindowOptions:
    'window_dimensions:[long], window_strides:[long], base_dilations:[long], window_dilations:[long], ' +
    'padding:[long], body_subgraph_index:int',
  StablehloSortOptions: 'dimension:long, is_stable:bool, comparator_subgraph_index:int',
  StablehloWhileOptions: 'cond_subgraph_index:int, body_subgraph_index:int',
  StablehloGatherOptions:
    'offset_dims:[long], collapsed_slice_dims:[long], start_index_map:[long], index_vector_dim:long, ' +
    'slice_sizes:[long], indices_are_sorted:bool',
  StablehloTransposeOptions: 'permutation:[long]',
  DilateOptions: '',
  StablehloRngBitGeneratorOptions: 'algorithm:RngAlgorithm',
  ReduceWindowOptions: 'reduce_function:ReduceWindowFunction',
  StableHLOCompositeOptions:
    'name:string, decomposition_subgraph_index:int, composite_attributes:[ubyte], ' +
    'composite_attributes_format:CustomOptionsFormat, version:int',
  StablehloShiftLeftOptions: '',
  StablehloCaseOptions: 'branch_subgraph_indices:[int]',
};

const SCHEMA_SCALARS: Readonly<Record<string, ScalarType>> = {
  bool: 'bool',
  byte: 'int8',
  ubyte: 'uint8',
  short: 'int16',
  ushort: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  long: 'int64',
  ulong: 'uint64',
  float: 'float32',
  double: 'float64',
};

export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isEnumName(s: string): s is EnumName {
  return Object.prototype.hasOwnProperty.call(ENUMS, s);
}

/** Parse one transcription (see OPTIONS_DECLARATIONS) into fields; throws on a typo (a bug). */
function parseDeclaration(table: string, decl: string): { fields: OptionField[]; numFieldIds: number } {
  const fields: OptionField[] = [];
  const parts = decl.trim() === '' ? [] : decl.split(',').map((p) => p.trim());
  parts.forEach((part, id) => {
    const m = /^(~?)([a-z0-9_]+):(\[?)([A-Za-z0-9]+)\]?(?:=([A-Za-z0-9_.]+))?$/.exec(part);
    if (!m) throw new Error(`schema.ts: bad declaration '${part}' in ${table}`);
    const [, deprecated, schemaName = '', vec, typeName = '', def] = m;
    if (deprecated) return;
    const name = snakeToCamel(schemaName);
    let type: OptionFieldType;
    const scalar = SCHEMA_SCALARS[typeName];
    if (typeName === 'string') {
      type = { kind: 'string' };
    } else if (vec) {
      const s = scalar ?? (isEnumName(typeName) ? ENUM_SCALAR[typeName] : undefined);
      if (!s) throw new Error(`schema.ts: unknown vector type '${typeName}' in ${table}`);
      type = { kind: 'vector', scalar: s };
    } else if (scalar) {
      const d = def === undefined ? (scalar === 'bool' ? false : 0) : scalar === 'bool' ? def === 'true' : Number(def);
      type = { kind: 'scalar', scalar, default: d };
    } else if (isEnumName(typeName)) {
      const names: readonly string[] = ENUMS[typeName];
      const d = def === undefined ? 0 : names.indexOf(def);
      if (d < 0) throw new Error(`schema.ts: bad default '${def}' for ${table}.${schemaName}`);
      type = { kind: 'enum', scalar: ENUM_SCALAR[typeName], enumName: typeName, default: d };
    } else {
      throw new Error(`schema.ts: unknown type '${typeName}' in ${table}`);
    }
    fields.push({ name, schemaName, id, type });
  });
  return { fields, numFieldIds: parts.length };
}

function buildOptionsTables(): ReadonlyMap<string, OptionsTable> {
  const out = new Map<string, OptionsTable>();
  const add = (union: 1 | 2, members: readonly (string | null)[]): void => {
    members.forEach((name, unionValue) => {
      if (name === null) return;
      const decl = OPTIONS_DECLARATIONS[name];
      if (decl === undefined) throw new Error(`schema.ts: no declaration for ${name}`);
      out.set(name, { name, union, unionValue, ...parseDeclaration(name, decl) });
    });
  };
  add(1, BUILTIN_OPTIONS);
  add(2, BUILTIN_OPTIONS_2);
  return out;
}

/** Every options table of both unions, by name. */
export const OPTIONS_TABLES: ReadonlyMap<string, OptionsTable> = buildOptionsTables();

/**
 * The options table each builtin operator takes, for code that builds ops (the converter
 * writes these). Ops absent here take none. The reader does not use it: a file may leave an
 * op's table out, and the graph then has no options either.
 */
export const OPTIONS_FOR_OPERATOR: Readonly<Record<string, string>> = {
  ADD: 'AddOptions',
  AVERAGE_POOL_2D: 'Pool2DOptions',
  CONCATENATION: 'ConcatenationOptions',
  CONV_2D: 'Conv2DOptions',
  DEPTHWISE_CONV_2D: 'DepthwiseConv2DOptions',
  DEPTH_TO_SPACE: 'DepthToSpaceOptions',
  DEQUANTIZE: 'DequantizeOptions',
  EMBEDDING_LOOKUP_SPARSE: 'EmbeddingLookupSparseOptions',
  FULLY_CONNECTED: 'FullyConnectedOptions',
  L2_NORMALIZATION: 'L2NormOptions',
  L2_POOL_2D: 'Pool2DOptions',
  LOCAL_RESPONSE_NORMALIZATION: 'LocalResponseNormalizationOptions',
  LSH_PROJECTION: 'LSHProjectionOptions',
  LSTM: 'LSTMOptions',
  MAX_POOL_2D: 'Pool2DOptions',
  MUL: 'MulOptions',
  RESHAPE: 'ReshapeOptions',
  RESIZE_BILINEAR: 'ResizeBilinearOptions',
  RNN: 'RNNOptions',
  SOFTMAX: 'SoftmaxOptions',
  SPACE_TO_DEPTH: 'SpaceToDepthOptions',
  SVDF: 'SVDFOptions',
  CONCAT_EMBEDDINGS: 'ConcatEmbeddingsOptions',
  SKIP_GRAM: 'SkipGramOptions',
  CALL: 'CallOptions',
  PAD: 'PadOptions',
  UNIDIRECTIONAL_SEQUENCE_RNN: 'SequenceRNNOptions',
  GATHER: 'GatherOptions',
  BATCH_TO_SPACE_ND: 'BatchToSpaceNDOptions',
  SPACE_TO_BATCH_ND: 'SpaceToBatchNDOptions',
  TRANSPOSE: 'TransposeOptions',
  MEAN: 'ReducerOptions',
  SUB: 'SubOptions',
  DIV: 'DivOptions',
  SQUEEZE: 'SqueezeOptions',
  UNIDIRECTIONAL_SEQUENCE_LSTM: 'UnidirectionalSequenceLSTMOptions',
  STRIDED_SLICE: 'StridedSliceOptions',
  BIDIRECTIONAL_SEQUENCE_RNN: 'BidirectionalSequenceRNNOptions',
  EXP: 'ExpOptions',
  TOPK_V2: 'TopKV2Options',
  SPLIT: 'SplitOptions',
  LOG_SOFTMAX: 'LogSoftmaxOptions',
  BIDIRECTIONAL_SEQUENCE_LSTM: 'BidirectionalSequenceLSTMOptions',
  CAST: 'CastOptions',
  MAXIMUM: 'MaximumMinimumOptions',
  MINIMUM: 'MaximumMinimumOptions',
  ARG_MAX: 'ArgMaxOptions',
  LESS: 'LessOptions',
  NEG: 'NegOptions',
  PADV2: 'PadV2Options',
  GREATER: 'GreaterOptions',
  GREATER_EQUAL: 'GreaterEqualOptions',
  LESS_EQUAL: 'LessEqualOptions',
  SELECT: 'SelectOptions',
  SLICE: 'SliceOptions',
  TRANSPOSE_CONV: 'TransposeConvOptions',
  SPARSE_TO_DENSE: 'SparseToDenseOptions',
  TILE: 'TileOptions',
  EXPAND_DIMS: 'ExpandDimsOptions',
  EQUAL: 'EqualOptions',
  NOT_EQUAL: 'NotEqualOptions',
  SUM: 'ReducerOptions',
  SHAPE: 'ShapeOptions',
  POW: 'PowOptions',
  ARG_MIN: 'ArgMinOptions',
  FAKE_QUANT: 'FakeQuantOptions',
  REDUCE_PROD: 'ReducerOptions',
  REDUCE_MAX: 'ReducerOptions',
  PACK: 'PackOptions',
  LOGICAL_OR: 'LogicalOrOptions',
  ONE_HOT: 'OneHotOptions',
  LOGICAL_AND: 'LogicalAndOptions',
  LOGICAL_NOT: 'LogicalNotOptions',
  UNPACK: 'UnpackOptions',
  REDUCE_MIN: 'ReducerOptions',
  FLOOR_DIV: 'FloorDivOptions',
  REDUCE_ANY: 'ReducerOptions',
  SQUARE: 'SquareOptions',
  ZEROS_LIKE: 'ZerosLikeOptions',
  FILL: 'FillOptions',
  FLOOR_MOD: 'FloorModOptions',
  RANGE: 'RangeOptions',
  RESIZE_NEAREST_NEIGHBOR: 'ResizeNearestNeighborOptions',
  LEAKY_RELU: 'LeakyReluOptions',
  SQUARED_DIFFERENCE: 'SquaredDifferenceOptions',
  MIRROR_PAD: 'MirrorPadOptions',
  ABS: 'AbsOptions',
  SPLIT_V: 'SplitVOptions',
  UNIQUE: 'UniqueOptions',
  REVERSE_V2: 'ReverseV2Options',
  ADD_N: 'AddNOptions',
  GATHER_ND: 'GatherNdOptions',
  COS: 'CosOptions',
  WHERE: 'WhereOptions',
  RANK: 'RankOptions',
  REVERSE_SEQUENCE: 'ReverseSequenceOptions',
  MATRIX_DIAG: 'MatrixDiagOptions',
  QUANTIZE: 'QuantizeOptions',
  MATRIX_SET_DIAG: 'MatrixSetDiagOptions',
  HARD_SWISH: 'HardSwishOptions',
  IF: 'IfOptions',
  WHILE: 'WhileOptions',
  NON_MAX_SUPPRESSION_V4: 'NonMaxSuppressionV4Options',
  NON_MAX_SUPPRESSION_V5: 'NonMaxSuppressionV5Options',
  SCATTER_ND: 'ScatterNdOptions',
  SELECT_V2: 'SelectV2Options',
  DENSIFY: 'DensifyOptions',
  SEGMENT_SUM: 'SegmentSumOptions',
  BATCH_MATMUL: 'BatchMatMulOptions',
  CUMSUM: 'CumsumOptions',
  CALL_ONCE: 'CallOnceOptions',
  BROADCAST_TO: 'BroadcastToOptions',
  RFFT2D: 'Rfft2dOptions',
  CONV_3D: 'Conv3DOptions',
  CONV_3D_TRANSPOSE: 'Conv3DOptions',
  HASHTABLE: 'HashtableOptions',
  HASHTABLE_FIND: 'HashtableFindOptions',
  HASHTABLE_IMPORT: 'HashtableImportOptions',
  HASHTABLE_SIZE: 'HashtableSizeOptions',
  REDUCE_ALL: 'ReducerOptions',
  VAR_HANDLE: 'VarHandleOptions',
  READ_VARIABLE: 'ReadVariableOptions',
  ASSIGN_VARIABLE: 'AssignVariableOptions',
  RANDOM_STANDARD_NORMAL: 'RandomOptions',
  RANDOM_UNIFORM: 'RandomOptions',
  MULTINOMIAL: 'RandomOptions',
  BUCKETIZE: 'BucketizeOptions',
  GELU: 'GeluOptions',
  DYNAMIC_UPDATE_SLICE: 'DynamicUpdateSliceOptions',
  UNSORTED_SEGMENT_PROD: 'UnsortedSegmentProdOptions',
  UNSORTED_SEGMENT_MAX: 'UnsortedSegmentMaxOptions',
  UNSORTED_SEGMENT_SUM: 'UnsortedSegmentSumOptions',
  UNSORTED_SEGMENT_MIN: 'UnsortedSegmentMinOptions',
  ATAN2: 'ATan2Options',
  SIGN: 'SignOptions',
  BITCAST: 'BitcastOptions',
  BITWISE_XOR: 'BitwiseXorOptions',
  RIGHT_SHIFT: 'RightShiftOptions',
};

/** The options of `table` with every field at its schema default (enums by name). */
export function defaultOptions(table: OptionsTable): Record<string, number | boolean | string | number[]> {
  const out: Record<string, number | boolean | string | number[]> = {};
  for (const f of table.fields) {
    switch (f.type.kind) {
      case 'scalar':
        out[f.name] = f.type.default;
        break;
      case 'enum':
        out[f.name] = ENUMS[f.type.enumName][f.type.default] as string;
        break;
      case 'string':
        out[f.name] = '';
        break;
      case 'vector':
        out[f.name] = [];
        break;
    }
  }
  return out;
}
