/**
 * ModelGraph -> TFLite flatbuffer, with the `flatbuffers` runtime's Builder and the field
 * facts of schema.ts (the same description the reader uses).
 *
 * What TFLite Micro relies on, and this writer guarantees:
 *  - schema version 3 and file identifier "TFL3";
 *  - buffer 0 is the empty sentinel (tensors without data point at it);
 *  - constant data is 16-byte aligned in the file (schema: `force_align: 16`; TFLM reads
 *    weights in place, and its kernels assume aligned data);
 *  - operator codes are de-duplicated, with both builtin_code and the old byte-sized
 *    deprecated_builtin_code (saturated at 127) written, as the TFLite converter does;
 *  - every tensor has a shape vector (TFLM reads it without a null check on some paths).
 *
 * Deterministic: the bytes depend only on the graph (no timestamps, no map iteration over
 * unordered keys, no shared-string cache across calls).
 *
 * Signature defs are written from ModelGraph.signatures, their tensor indices taken from the
 * graph's inputs/outputs at write time (so they follow any renumbering of tensors).
 *
 * Not written, because the IR does not carry them: the deprecated metadata_buffer list, has_rank, mutating_variable_inputs and debug metadata indices.
 */

import { Builder } from 'flatbuffers';
import { TinypruneError } from '../errors.js';
import { DTYPE_BYTES, type DType, type ModelGraph, type Op, type OptionValue, type Tensor } from '../ir/graph.js';
import {
  BUFFER,
  DIMENSION_METADATA,
  ENUMS,
  INDEX_VECTOR,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  type OptionField,
  type OptionsTable,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  QUANTIZATION_PARAMETERS,
  SCALAR_BYTES,
  SPARSE_INDEX_VECTOR,
  SPARSITY_PARAMETERS,
  type ScalarType,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPES,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  builtinOperatorValue,
} from './schema.js';
import { writeSignatures } from './signatures.js';

/** Alignment of constant data in the file (TFLite's force_align on Buffer.data). */
export const BUFFER_ALIGNMENT = 16;

const TENSOR_TYPE_VALUE: ReadonlyMap<string, number> = new Map(TENSOR_TYPES.map((t, i) => [t.toLowerCase(), i]));

function invalid(where: string, message: string): TinypruneError {
  return new TinypruneError('E_IR_INVALID', `cannot write TFLite: ${where}: ${message}`, { where });
}

/** Serialise a graph as a .tflite flatbuffer (schema 3, identifier TFL3). */
export function writeTflite(graph: ModelGraph): Uint8Array {
  return new ModelWriter(graph).write();
}

class ModelWriter {
  private readonly b: Builder;

  constructor(private readonly g: ModelGraph) {
    let dataBytes = 0;
    for (const t of g.tensors) dataBytes += (t.data?.length ?? 0) + BUFFER_ALIGNMENT;
    for (const m of g.metadata) dataBytes += m.data.length + BUFFER_ALIGNMENT;
    // Pre-size so the builder rarely has to grow (it doubles and copies).
    this.b = new Builder(dataBytes + 4096 + 512 * (g.tensors.length + g.ops.length));
  }

  write(): Uint8Array {
    const { b, g } = this;
    this.checkIndices();

    // Data first: the builder fills the buffer back to front, so these end up at the end of
    // the file, after all the small tables, as in converter output.
    const { bufferOffsets, tensorBuffer, metadataBuffer } = this.writeBuffers();

    const { codeOffsets, opCodeIndex } = this.writeOperatorCodes();

    const tensorOffsets = g.tensors.map((t, i) => this.writeTensor(t, i, tensorBuffer[i] ?? 0));
    const opOffsets = g.ops.map((op, i) => this.writeOperator(op, i, opCodeIndex[i] ?? 0));

    const tensorsVec = this.offsetVector(tensorOffsets);
    const inputsVec = this.intVector(g.inputs, 'int32');
    const outputsVec = this.intVector(g.outputs, 'int32');
    const opsVec = this.offsetVector(opOffsets);
    const subName = g.name ? b.createString(g.name) : 0;
    b.startObject(SUBGRAPH.NUM_FIELDS);
    b.addFieldOffset(SUBGRAPH.tensors, tensorsVec, 0);
    b.addFieldOffset(SUBGRAPH.inputs, inputsVec, 0);
    b.addFieldOffset(SUBGRAPH.outputs, outputsVec, 0);
    b.addFieldOffset(SUBGRAPH.operators, opsVec, 0);
    b.addFieldOffset(SUBGRAPH.name, subName, 0);
    const subgraph = b.endObject();

    const metaOffsets = g.metadata.map((m, i) => {
      const name = b.createString(m.name);
      b.startObject(METADATA.NUM_FIELDS);
      b.addFieldOffset(METADATA.name, name, 0);
      b.addFieldInt32(METADATA.buffer, metadataBuffer[i] ?? 0, 0);
      return b.endObject();
    });

    const codesVec = this.offsetVector(codeOffsets);
    const subgraphsVec = this.offsetVector([subgraph]);
    const description = g.description ? b.createString(g.description) : 0;
    const buffersVec = this.offsetVector(bufferOffsets);
    const metadataVec = metaOffsets.length > 0 ? this.offsetVector(metaOffsets) : 0;
    const signaturesVec = writeSignatures(b, g, (offsets) => this.offsetVector(offsets));

    b.startObject(MODEL.NUM_FIELDS);
    b.addFieldInt32(MODEL.version, TFLITE_SCHEMA_VERSION, -1); // always written
    b.addFieldOffset(MODEL.operatorCodes, codesVec, 0);
    b.addFieldOffset(MODEL.subgraphs, subgraphsVec, 0);
    b.addFieldOffset(MODEL.description, description, 0);
    b.addFieldOffset(MODEL.buffers, buffersVec, 0);
    b.addFieldOffset(MODEL.metadata, metadataVec, 0);
    b.addFieldOffset(MODEL.signatureDefs, signaturesVec, 0);
    const model = b.endObject();
    b.finish(model, TFLITE_FILE_IDENTIFIER);
    return b.asUint8Array().slice();
  }

  /** Structural checks the flatbuffer needs (semantic ones are verifyGraph's job). */
  private checkIndices(): void {
    const n = this.g.tensors.length;
    const check = (list: readonly number[], where: string, optional: boolean): void => {
      for (const [k, idx] of list.entries()) {
        if (!Number.isInteger(idx) || (idx === -1 && !optional) || idx < -1 || idx >= n) {
          throw invalid(where, `index [${k}] = ${idx} is not a tensor index (the graph has ${n} tensors)`);
        }
      }
    };
    check(this.g.inputs, 'graph inputs', false);
    check(this.g.outputs, 'graph outputs', false);
    this.g.ops.forEach((op, i) => {
      const where = `operator ${i} (${op.opcode})`;
      check(op.inputs, `${where} inputs`, true);
      check(op.outputs, `${where} outputs`, false);
      if (op.intermediates) check(op.intermediates, `${where} intermediates`, false);
    });
  }

  private writeBuffers(): { bufferOffsets: number[]; tensorBuffer: number[]; metadataBuffer: number[] } {
    const b = this.b;
    const datas: (Uint8Array | undefined)[] = [undefined]; // buffer 0: the empty sentinel
    // Tensors that share one Uint8Array (the reader gives that to tensors that shared a buffer
    // in the file) share one buffer again.
    const index = new Map<Uint8Array, number>();
    const tensorBuffer = this.g.tensors.map((t) => {
      if (!t.data) return 0;
      const known = index.get(t.data);
      if (known !== undefined) return known;
      datas.push(t.data);
      index.set(t.data, datas.length - 1);
      return datas.length - 1;
    });
    const metadataBuffer = this.g.metadata.map((m) => {
      datas.push(m.data);
      return datas.length - 1;
    });
    const bufferOffsets = datas.map((d) => {
      let vec = 0;
      if (d && d.length > 0) {
        // Align the first data byte: prep() pads so that after d.length bytes the position is
        // a multiple of 16; createByteVector then writes the bytes and the 4-byte length
        // without further padding (16-aligned implies 4-aligned).
        b.prep(BUFFER_ALIGNMENT, d.length);
        vec = b.createByteVector(d);
      }
      b.startObject(BUFFER.NUM_FIELDS);
      b.addFieldOffset(BUFFER.data, vec, 0);
      return b.endObject();
    });
    return { bufferOffsets, tensorBuffer, metadataBuffer };
  }

  private writeOperatorCodes(): { codeOffsets: number[]; opCodeIndex: number[] } {
    const b = this.b;
    const keys = new Map<string, number>();
    const entries: { code: number; custom?: string; version: number }[] = [];
    const opCodeIndex = this.g.ops.map((op, i) => {
      const code = builtinOperatorValue(op.opcode);
      if (code === undefined) {
        throw invalid(`operator ${i}`, `opcode '${op.opcode}' is not a TFLite BuiltinOperator`);
      }
      if (!Number.isInteger(op.version) || op.version < -(2 ** 31) || op.version > 2 ** 31 - 1) {
        throw invalid(`operator ${i} (${op.opcode})`, `version ${op.version} is not an int32`);
      }
      const custom = op.opcode === 'CUSTOM' ? (op.customCode ?? '') : undefined;
      const key = `${code}\u0000${custom ?? ''}\u0000${op.version}`;
      let idx = keys.get(key);
      if (idx === undefined) {
        idx = entries.length;
        keys.set(key, idx);
        entries.push(custom === undefined ? { code, version: op.version } : { code, custom, version: op.version });
      }
      return idx;
    });
    const codeOffsets = entries.map((e) => {
      const custom = e.custom !== undefined ? b.createString(e.custom) : 0;
      b.startObject(OPERATOR_CODE.NUM_FIELDS);
      b.addFieldInt32(OPERATOR_CODE.builtinCode, e.code, 0);
      b.addFieldInt32(OPERATOR_CODE.version, e.version, 1);
      b.addFieldOffset(OPERATOR_CODE.customCode, custom, 0);
      b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, Math.min(e.code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
      return b.endObject();
    });
    return { codeOffsets, opCodeIndex };
  }

  private writeTensor(t: Tensor, i: number, buffer: number): number {
    const b = this.b;
    const where = `tensor ${i} '${t.name}'`;
    const type = TENSOR_TYPE_VALUE.get(t.dtype);
    if (type === undefined || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, t.dtype)) {
      throw invalid(where, `dtype '${t.dtype as DType}' has no TFLite TensorType`);
    }
    const shape = this.intVector(t.shape, 'int32', where);
    const name = b.createString(t.name);
    const quant = t.quant ? this.writeQuantization(t, where) : 0;
    const sparsity = t.sparsity ? this.writeSparsity(t, where) : 0;
    const signature = t.shapeSignature ? this.intVector(t.shapeSignature, 'int32', where) : 0;
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

  private writeQuantization(t: Tensor, where: string): number {
    const b = this.b;
    const q = t.quant;
    if (!q) return 0;
    const Q = QUANTIZATION_PARAMETERS;
    const min = q.min ? this.floatVector(q.min) : 0;
    const max = q.max ? this.floatVector(q.max) : 0;
    const scale = this.floatVector(q.scale);
    const zeroPoint = this.intVector(q.zeroPoint, 'int64', `${where} zero points`);
    if (!Number.isInteger(q.axis)) throw invalid(where, `quantization axis ${q.axis} is not an integer`);
    b.startObject(Q.NUM_FIELDS);
    b.addFieldOffset(Q.min, min, 0);
    b.addFieldOffset(Q.max, max, 0);
    b.addFieldOffset(Q.scale, scale, 0);
    b.addFieldOffset(Q.zeroPoint, zeroPoint, 0);
    b.addFieldInt32(Q.quantizedDimension, q.axis, 0);
    return b.endObject();
  }

  private writeSparsity(t: Tensor, where: string): number {
    const b = this.b;
    const s = t.sparsity;
    if (!s) return 0;
    const indexVector = (v: { type: 'int32' | 'uint16' | 'uint8'; values: number[] } | undefined): [number, number] => {
      if (!v) return [0, 0];
      const typeValue = SPARSE_INDEX_VECTOR.indexOf(v.type);
      if (typeValue <= 0) throw invalid(where, `sparse index vector type '${v.type as string}'`);
      // Uint16Vector / Uint8Vector values are force_align: 4.
      const values = this.intVector(v.values, v.type, `${where} sparsity`, 4);
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
    const traversal = this.intVector(s.traversalOrder, 'int32', `${where} sparsity`);
    const blockMap = s.blockMap.length > 0 ? this.intVector(s.blockMap, 'int32', `${where} sparsity`) : 0;
    const dimVec = this.offsetVector(dims);
    const S = SPARSITY_PARAMETERS;
    b.startObject(S.NUM_FIELDS);
    b.addFieldOffset(S.traversalOrder, traversal, 0);
    b.addFieldOffset(S.blockMap, blockMap, 0);
    b.addFieldOffset(S.dimMetadata, dimVec, 0);
    return b.endObject();
  }

  private writeOperator(op: Op, i: number, opcodeIndex: number): number {
    const b = this.b;
    const where = `operator ${i} (${op.opcode})`;
    const inputs = this.intVector(op.inputs, 'int32');
    const outputs = this.intVector(op.outputs, 'int32');
    const intermediates = op.intermediates ? this.intVector(op.intermediates, 'int32') : 0;
    const custom = op.customOptions && op.customOptions.length > 0 ? b.createByteVector(op.customOptions) : 0;
    let table: OptionsTable | undefined;
    let options = 0;
    if (op.optionsType !== undefined) {
      table = OPTIONS_TABLES.get(op.optionsType);
      if (!table) throw invalid(where, `optionsType '${op.optionsType}' is not a TFLite options table`);
      options = this.writeOptions(table, op.options, where);
    }
    b.startObject(OPERATOR.NUM_FIELDS);
    b.addFieldInt32(OPERATOR.opcodeIndex, opcodeIndex, 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    if (table) {
      const [typeId, valueId] =
        table.union === 1
          ? [OPERATOR.builtinOptionsType, OPERATOR.builtinOptions]
          : [OPERATOR.builtinOptions2Type, OPERATOR.builtinOptions2];
      b.addFieldOffset(valueId, options, 0);
      b.addFieldInt8(typeId, table.unionValue, 0);
    }
    b.addFieldOffset(OPERATOR.customOptions, custom, 0);
    b.addFieldOffset(OPERATOR.intermediates, intermediates, 0);
    return b.endObject();
  }

  private writeOptions(table: OptionsTable, options: Record<string, OptionValue>, where: string): number {
    const b = this.b;
    const fwhere = (f: OptionField): string => `${where} ${table.name}.${f.name}`;
    // Strings and vectors must exist before the table is started.
    const offsets = new Map<number, number>();
    for (const f of table.fields) {
      const v = options[f.name];
      if (v === undefined) continue;
      if (f.type.kind === 'string') {
        if (typeof v !== 'string') throw invalid(fwhere(f), `expected a string, got ${JSON.stringify(v)}`);
        if (v !== '') offsets.set(f.id, b.createString(v));
      } else if (f.type.kind === 'vector') {
        if (!Array.isArray(v)) throw invalid(fwhere(f), `expected an array, got ${JSON.stringify(v)}`);
        if (v.length > 0) {
          offsets.set(f.id, f.type.scalar === 'float32' || f.type.scalar === 'float64'
            ? this.floatVector(v, f.type.scalar)
            : this.intVector(v, f.type.scalar, fwhere(f)));
        }
      }
    }
    // Widest fields first, as flatc-generated code does, so the table packs without padding.
    const fields = [...table.fields].sort((x, y) => fieldBytes(y) - fieldBytes(x) || x.id - y.id);
    b.startObject(table.numFieldIds);
    for (const f of fields) {
      const v = options[f.name];
      if (v === undefined) continue;
      const ty = f.type;
      switch (ty.kind) {
        case 'string':
        case 'vector': {
          const off = offsets.get(f.id);
          if (off !== undefined) b.addFieldOffset(f.id, off, 0);
          break;
        }
        case 'enum': {
          const names = ENUMS[ty.enumName] as readonly string[];
          const value = typeof v === 'string' ? names.indexOf(v) : -1;
          if (value < 0) {
            throw invalid(fwhere(f), `${JSON.stringify(v)} is not a ${ty.enumName}`);
          }
          addScalar(b, f.id, ty.scalar, value, ty.default);
          break;
        }
        case 'scalar': {
          if (ty.scalar === 'bool') {
            if (typeof v !== 'boolean') throw invalid(fwhere(f), `expected a boolean, got ${JSON.stringify(v)}`);
            b.addFieldInt8(f.id, v ? 1 : 0, ty.default ? 1 : 0);
          } else if (ty.scalar === 'int64' || ty.scalar === 'uint64') {
            // The reader keeps 64-bit values beyond 2^53 as decimal strings.
            let big: bigint;
            try {
              big = BigInt(v as number | string);
            } catch {
              throw invalid(fwhere(f), `expected an integer, got ${JSON.stringify(v)}`);
            }
            b.addFieldInt64(f.id, big, BigInt(ty.default as number));
          } else {
            if (typeof v !== 'number' || !Number.isFinite(v) && !ty.scalar.startsWith('float')) {
              throw invalid(fwhere(f), `expected a number, got ${JSON.stringify(v)}`);
            }
            checkRange(v, ty.scalar, fwhere(f));
            addScalar(b, f.id, ty.scalar, v, ty.default as number);
          }
          break;
        }
      }
    }
    return b.endObject();
  }

  private offsetVector(offsets: readonly number[]): number {
    const b = this.b;
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
    return b.endVector();
  }

  private floatVector(values: readonly number[], type: 'float32' | 'float64' = 'float32'): number {
    const b = this.b;
    const w = SCALAR_BYTES[type];
    b.startVector(w, values.length, w);
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i] as number;
      if (type === 'float32') b.addFloat32(v);
      else b.addFloat64(v);
    }
    return b.endVector();
  }

  private intVector(values: readonly number[], type: ScalarType, where = 'graph', align?: number): number {
    const b = this.b;
    const w = SCALAR_BYTES[type];
    b.startVector(w, values.length, align ?? w);
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i] as number;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(where, `${JSON.stringify(v)} is not an integer`);
      checkRange(v, type, where);
      switch (w) {
        case 1:
          b.addInt8(v);
          break;
        case 2:
          b.addInt16(v);
          break;
        case 4:
          b.addInt32(v);
          break;
        default:
          b.addInt64(BigInt(v));
      }
    }
    return b.endVector();
  }
}

const RANGES: Partial<Record<ScalarType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

function checkRange(v: number, type: ScalarType, where: string): void {
  const r = RANGES[type];
  if (r && !(Number.isInteger(v) && v >= r[0] && v <= r[1])) {
    throw invalid(where, `${v} does not fit in ${type}`);
  }
}

function fieldBytes(f: OptionField): number {
  return f.type.kind === 'string' || f.type.kind === 'vector' ? 4 : SCALAR_BYTES[f.type.scalar];
}

function addScalar(b: Builder, id: number, type: ScalarType, v: number, def: number | boolean): void {
  const d = typeof def === 'boolean' ? (def ? 1 : 0) : def;
  switch (type) {
    case 'bool':
    case 'int8':
    case 'uint8':
      b.addFieldInt8(id, v, d);
      break;
    case 'int16':
    case 'uint16':
      b.addFieldInt16(id, v, d);
      break;
    case 'int32':
    case 'uint32':
      b.addFieldInt32(id, v, d);
      break;
    case 'int64':
    case 'uint64':
      b.addFieldInt64(id, BigInt(v), BigInt(d));
      break;
    case 'float32':
      b.addFieldFloat32(id, v, d);
      break;
    case 'float64':
      b.addFieldFloat64(id, v, d);
      break;
  }
}
