/**
 * Tensor tables of a TFLite flatbuffer -> IR tensors: shape and type (within READ_LIMITS),
 * quantization, sparsity and constant data. Part of the reader (read.ts).
 */

import { TinypruneError } from '../errors.js';
import {
  DTYPE_BYTES,
  type DimensionMetadata,
  type DType,
  type Quantization,
  type SparsityParameters,
  type Tensor,
} from '../ir/graph.js';
import { constantByteLengths } from '../ir/shapes.js';
import type { FbTable } from './flatbuf.js';
import { READ_LIMITS, type ReadContext, shorten } from './read_context.js';
import {
  DIMENSION_METADATA,
  ENUMS,
  INDEX_VECTOR,
  QUANTIZATION_PARAMETERS,
  SCALAR_BYTES,
  SPARSE_INDEX_VECTOR,
  SPARSITY_PARAMETERS,
  TENSOR,
  TENSOR_TYPES,
} from './schema.js';

/** TensorType value -> DType, for the types the IR has (INT2, UINT4 and FLOAT8 it does not). */
const DTYPE_OF_TENSOR_TYPE: readonly (DType | undefined)[] = TENSOR_TYPES.map((t) => {
  const d = t.toLowerCase();
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d) ? (d as DType) : undefined;
});

/** Decoded bytes of a buffer by index (undefined when empty); `what` names the referrer in messages. */
export type BufferData = (index: number, what: string) => Uint8Array | undefined;

export function readTensor(ctx: ReadContext, t: FbTable, i: number, bufferData: BufferData): Tensor {
  const { r, source } = ctx;
  const name = r.stringField(t, TENSOR.name, '', 'name');
  const what = `tensor ${i} '${shorten(name)}'`;
  t.what = what;

  const { shape, elements } = readShape(ctx, t, what);
  const dtype = readDType(ctx, t, what, elements);
  const tensor: Tensor = { name, shape, dtype, isVariable: r.boolField(t, TENSOR.isVariable, false, 'is_variable') };

  const sigV = r.vectorField(t, TENSOR.shapeSignature, 4, 'shape_signature');
  if (sigV) {
    if (sigV.length > READ_LIMITS.maxRank) throw r.malformed(what, `shape_signature has rank ${sigV.length}`);
    tensor.shapeSignature = r.scalarVector(sigV, 'int32', `${what} shape_signature`);
  }

  const qt = r.tableField(t, TENSOR.quantization, 'quantization', `${what} quantization`);
  if (qt) {
    const q = readQuantization(ctx, qt, tensor, what);
    if (q) tensor.quant = q;
  }

  const st = r.tableField(t, TENSOR.sparsity, 'sparsity', `${what} sparsity`);
  if (st) tensor.sparsity = readSparsity(ctx, st, what);

  if (r.intField(t, TENSOR.externalBuffer, 'uint32', 0, 'external_buffer') !== 0) {
    throw new TinypruneError('E_TFLITE_UNSUPPORTED', `${source}: ${what} keeps its data in an external file`, {
      where: `${source}: ${what}`,
      hint: 'embed the weights in the .tflite file when converting',
    });
  }

  const buffer = r.intField(t, TENSOR.buffer, 'uint32', 0, 'buffer');
  const data = bufferData(buffer, what);
  if (data) {
    const allowed = tensor.sparsity ? null : constantByteLengths(tensor);
    if (allowed && !allowed.includes(data.length)) {
      throw r.malformed(
        what,
        `constant data is ${data.length} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${allowed.join(' or ')} bytes`,
      );
    }
    tensor.data = data;
  }
  return tensor;
}

/** The shape, checked against the rank and element-count limits. */
function readShape(ctx: ReadContext, t: FbTable, what: string): { shape: number[]; elements: number } {
  const { r, source } = ctx;
  const shapeV = r.vectorField(t, TENSOR.shape, 4, 'shape');
  if (shapeV && shapeV.length > READ_LIMITS.maxRank) {
    throw new TinypruneError('E_TFLITE_LIMIT', `${source}: ${what} has rank ${shapeV.length}`, {
      where: `${source}: ${what}`,
      allowed: `rank ≤ ${READ_LIMITS.maxRank}`,
    });
  }
  const shape = shapeV ? r.scalarVector(shapeV, 'int32', `${what} shape`) : [];
  let elements = 1;
  for (const d of shape) {
    if (d < 0) throw r.malformed(what, `shape [${shape.join(', ')}] has a negative dimension`);
    elements *= d;
  }
  if (elements > READ_LIMITS.maxElements) {
    throw new TinypruneError(
      'E_TFLITE_LIMIT',
      `${source}: ${what} has shape [${shape.join(', ')}] = ${elements} elements`,
      { where: `${source}: ${what}`, allowed: `at most ${READ_LIMITS.maxElements} elements per tensor` },
    );
  }
  return { shape, elements };
}

/** The element type, which the IR must have, and whose size for `elements` is within the byte limit. */
function readDType(ctx: ReadContext, t: FbTable, what: string, elements: number): DType {
  const { r, source } = ctx;
  const typeValue = r.intField(t, TENSOR.type, 'int8', 0, 'type');
  const dtype = DTYPE_OF_TENSOR_TYPE[typeValue];
  if (dtype === undefined) {
    const known = TENSOR_TYPES[typeValue];
    throw new TinypruneError(
      known ? 'E_TFLITE_UNSUPPORTED' : 'E_TFLITE_MALFORMED',
      `${source}: ${what} has tensor type ${known ?? typeValue}` + (known ? ', which tinyprune does not support' : ', which is not a TensorType'),
      { where: `${source}: ${what}`, allowed: DTYPE_OF_TENSOR_TYPE.filter((d) => d).join(', ') },
    );
  }
  const bytesNeeded = elements * DTYPE_BYTES[dtype];
  if (bytesNeeded > READ_LIMITS.maxTensorBytes) {
    throw new TinypruneError('E_TFLITE_LIMIT', `${source}: ${what} would need ${bytesNeeded} bytes`, {
      where: `${source}: ${what}`,
      allowed: `at most ${READ_LIMITS.maxTensorBytes} bytes per tensor`,
    });
  }
  return dtype;
}

function readQuantization(ctx: ReadContext, t: FbTable, tensor: Tensor, what: string): Quantization | undefined {
  const { r, source } = ctx;
  const Q = QUANTIZATION_PARAMETERS;
  const floats = (id: number, name: string): number[] | undefined => {
    const v = r.vectorField(t, id, 4, name);
    return v ? r.scalarVector(v, 'float32', `${what} ${name}`) : undefined;
  };
  const min = floats(Q.min, 'min');
  const max = floats(Q.max, 'max');
  const scale = floats(Q.scale, 'scale') ?? [];
  const zpV = r.vectorField(t, Q.zeroPoint, 8, 'zero_point');
  let zeroPoint = zpV ? r.scalarVector(zpV, 'int64', `${what} zero_point`) : [];
  const detailsType = r.intField(t, Q.detailsType, 'uint8', 0, 'details_type');
  if (detailsType !== 0) {
    throw new TinypruneError(
      'E_TFLITE_UNSUPPORTED',
      `${source}: ${what} uses custom/blockwise quantization (QuantizationDetails type ${detailsType})`,
      { where: `${source}: ${what}`, allowed: 'affine per-tensor or per-channel quantization' },
    );
  }
  const axis = r.intField(t, Q.quantizedDimension, 'int32', 0, 'quantized_dimension');

  const hasMinMax = (min?.length ?? 0) > 0 || (max?.length ?? 0) > 0;
  // An empty QuantizationParameters table (the converter writes one for every float tensor)
  // means "not quantized".
  if (scale.length === 0 && !hasMinMax) return undefined;

  if (scale.length > 0 && zeroPoint.length === 0) {
    zeroPoint = scale.map(() => 0);
    ctx.warnings.push({
      code: 'W_QUANT_ZERO_POINT',
      message: `${what} has scales but no zero points; assuming zero points of 0`,
      where: `${source}: ${what}`,
    });
  }

  const q: Quantization = { scale, zeroPoint, axis: quantizedAxis(ctx, axis, scale.length, tensor.shape, what) };
  if (min) q.min = min;
  if (max) q.max = max;
  return q;
}

/** The quantized dimension to store: `axis` when it is in range, else the one it can only mean. */
function quantizedAxis(ctx: ReadContext, axis: number, scales: number, shape: readonly number[], what: string): number {
  const rank = shape.length;
  if (scales === 0 || (axis >= 0 && axis < Math.max(rank, 1))) return axis;
  // Per-tensor: the axis means nothing, TFLite ignores it. Store the canonical 0.
  if (scales === 1) return 0;
  if (rank === 1 && scales === shape[0]) {
    // person_detect's depthwise biases: 1-D [C] tensors with C per-channel scales but
    // quantized_dimension 3 (copied from the 4-D filter). TFLM never looks at a bias's
    // axis; the only dimension the scales can run along is 0, so that is what we store.
    ctx.warnings.push({
      code: 'W_QUANT_AXIS',
      message: `${what}: quantized_dimension ${axis} is out of range for shape [${shape.join(', ')}]; using axis 0 (the only dimension with ${scales} entries)`,
      where: `${ctx.source}: ${what}`,
    });
    return 0;
  }
  throw ctx.r.malformed(
    what,
    `quantized_dimension ${axis} is out of range for shape [${shape.join(', ')}] with ${scales} scales`,
  );
}

function readIndexVector(ctx: ReadContext, type: number, t: FbTable | undefined, what: string): DimensionMetadata['arraySegments'] {
  if (type === 0) return undefined;
  const elem = SPARSE_INDEX_VECTOR[type];
  if (!elem) throw ctx.r.malformed(what, `unknown SparseIndexVector type ${type}`);
  if (!t) return { type: elem, values: [] };
  const v = ctx.r.vectorField(t, INDEX_VECTOR.values, SCALAR_BYTES[elem], 'values');
  return { type: elem, values: v ? ctx.r.scalarVector(v, elem, what) : [] };
}

function readSparsity(ctx: ReadContext, t: FbTable, what: string): SparsityParameters {
  const r = ctx.r;
  const S = SPARSITY_PARAMETERS;
  const D = DIMENSION_METADATA;
  const ints = (id: number, name: string): number[] => {
    const v = r.vectorField(t, id, 4, name);
    return v ? r.scalarVector(v, 'int32', `${what} sparsity.${name}`) : [];
  };
  const traversalOrder = ints(S.traversalOrder, 'traversal_order');
  const blockMap = ints(S.blockMap, 'block_map');
  const dv = r.vectorField(t, S.dimMetadata, 4, 'dim_metadata');
  const dims = dv ? r.tableVector(dv, (k) => `${what} sparsity.dim_metadata[${k}]`) : [];
  const dimMetadata = dims.map((d, k): DimensionMetadata => {
    const dwhat = `${what} sparsity.dim_metadata[${k}]`;
    const fmt = r.intField(d, D.format, 'int8', 0, 'format');
    const format = ENUMS.DimensionType[fmt];
    if (format === undefined) throw r.malformed(dwhat, `unknown DimensionType ${fmt}`);
    const md: DimensionMetadata = { format, denseSize: r.intField(d, D.denseSize, 'int32', 0, 'dense_size') };
    const segType = r.intField(d, D.arraySegmentsType, 'uint8', 0, 'array_segments_type');
    const seg = readIndexVector(ctx, segType, r.tableField(d, D.arraySegments, 'array_segments', `${dwhat}.array_segments`), `${dwhat}.array_segments`);
    if (seg) md.arraySegments = seg;
    const idxType = r.intField(d, D.arrayIndicesType, 'uint8', 0, 'array_indices_type');
    const idx = readIndexVector(ctx, idxType, r.tableField(d, D.arrayIndices, 'array_indices', `${dwhat}.array_indices`), `${dwhat}.array_indices`);
    if (idx) md.arrayIndices = idx;
    return md;
  });
  return { traversalOrder, blockMap, dimMetadata };
}
