/**
 * IR tensors -> Tensor tables of a TFLite flatbuffer, with their quantization and sparsity
 * tables. Part of the writer (write.ts).
 */

import type { Builder } from 'flatbuffers';
import { DTYPE_BYTES, type DType, type Tensor } from '../ir/graph.js';
import {
  DIMENSION_METADATA,
  ENUMS,
  INDEX_VECTOR,
  QUANTIZATION_PARAMETERS,
  SPARSE_INDEX_VECTOR,
  SPARSITY_PARAMETERS,
  TENSOR,
  TENSOR_TYPES,
} from './schema.js';
import { floatVector, intVector, invalid, offsetVector } from './write_vectors.js';

const TENSOR_TYPE_VALUE: ReadonlyMap<string, number> = new Map(TENSOR_TYPES.map((t, i) => [t.toLowerCase(), i]));

/** Writes tensor `i`, its data in buffer `buffer` (0: none). */
export function writeTensor(b: Builder, t: Tensor, i: number, buffer: number): number {
  const where = `tensor ${i} '${t.name}'`;
  const type = TENSOR_TYPE_VALUE.get(t.dtype);
  if (type === undefined || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, t.dtype)) {
    throw invalid(where, `dtype '${t.dtype as DType}' has no TFLite TensorType`);
  }
  const shape = intVector(b, t.shape, 'int32', where);
  const name = b.createString(t.name);
  const quant = t.quant ? writeQuantization(b, t, where) : 0;
  const sparsity = t.sparsity ? writeSparsity(b, t, where) : 0;
  const signature = t.shapeSignature ? intVector(b, t.shapeSignature, 'int32', where) : 0;
  b.startObject(TENSOR.NUM_FIELDS);
  b.addFieldOffset(TENSOR.shape, shape, 0);
  b.addFieldInt32(TENSOR.buffer, buffer, 0);
  b.addFieldOffset(TENSOR.name, name, 0);
  b.addFieldOffset(TENSOR.quantization, quant, 0);
  b.addFieldOffset(TENSOR.sparsity, sparsity, 0);
  b.addFieldOffset(TENSOR.shapeSignature, signature, 0);
  b.addFieldInt8(TENSOR.type, type, 0);
  b.addFieldInt8(TENSOR.isVariable, t.isVariable ? 1 : 0, 0);
  return b.endObject();
}

function writeQuantization(b: Builder, t: Tensor, where: string): number {
  const q = t.quant;
  if (!q) return 0;
  const Q = QUANTIZATION_PARAMETERS;
  const min = q.min ? floatVector(b, q.min) : 0;
  const max = q.max ? floatVector(b, q.max) : 0;
  const scale = floatVector(b, q.scale);
  const zeroPoint = intVector(b, q.zeroPoint, 'int64', `${where} zero points`);
  if (!Number.isInteger(q.axis)) throw invalid(where, `quantization axis ${q.axis} is not an integer`);
  b.startObject(Q.NUM_FIELDS);
  b.addFieldOffset(Q.min, min, 0);
  b.addFieldOffset(Q.max, max, 0);
  b.addFieldOffset(Q.scale, scale, 0);
  b.addFieldOffset(Q.zeroPoint, zeroPoint, 0);
  b.addFieldInt32(Q.quantizedDimension, q.axis, 0);
  return b.endObject();
}

function writeSparsity(b: Builder, t: Tensor, where: string): number {
  const s = t.sparsity;
  if (!s) return 0;
  const indexVector = (v: { type: 'int32' | 'uint16' | 'uint8'; values: number[] } | undefined): [number, number] => {
    if (!v) return [0, 0];
    const typeValue = SPARSE_INDEX_VECTOR.indexOf(v.type);
    if (typeValue <= 0) throw invalid(where, `sparse index vector type '${v.type as string}'`);
    // Uint16Vector / Uint8Vector values are force_align: 4.
    const values = intVector(b, v.values, v.type, `${where} sparsity`, 4);
    b.startObject(INDEX_VECTOR.NUM_FIELDS);
    b.addFieldOffset(INDEX_VECTOR.values, values, 0);
    return [typeValue, b.endObject()];
  };
  const dims = s.dimMetadata.map((d) => {
    const format = (ENUMS.DimensionType as readonly string[]).indexOf(d.format);
    if (format < 0) throw invalid(where, `sparsity dimension format '${d.format as string}'`);
    const [segType, seg] = indexVector(d.arraySegments);
    const [idxType, idx] = indexVector(d.arrayIndices);
    const D = DIMENSION_METADATA;
    b.startObject(D.NUM_FIELDS);
    b.addFieldInt32(D.denseSize, d.denseSize, 0);
    b.addFieldOffset(D.arraySegments, seg, 0);
    b.addFieldOffset(D.arrayIndices, idx, 0);
    b.addFieldInt8(D.format, format, 0);
    b.addFieldInt8(D.arraySegmentsType, segType, 0);
    b.addFieldInt8(D.arrayIndicesType, idxType, 0);
    return b.endObject();
  });
  const traversal = intVector(b, s.traversalOrder, 'int32', `${where} sparsity`);
  const blockMap = s.blockMap.length > 0 ? intVector(b, s.blockMap, 'int32', `${where} sparsity`) : 0;
  const dimVec = offsetVector(b, dims);
  const S = SPARSITY_PARAMETERS;
  b.startObject(S.NUM_FIELDS);
  b.addFieldOffset(S.traversalOrder, traversal, 0);
  b.addFieldOffset(S.blockMap, blockMap, 0);
  b.addFieldOffset(S.dimMetadata, dimVec, 0);
  return b.endObject();
}
