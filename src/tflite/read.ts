/**
 * TFLite flatbuffer -> ModelGraph.
 *
 * Reads with the `flatbuffers` runtime's ByteBuffer through FbReader (flatbuf.ts), which
 * bounds-checks every access: a model file is untrusted input, and bad input must come back
 * as a TinypruneError — never a RangeError, a hang or an unbounded allocation.
 *
 * Format facts come from schema.ts; missing fields take the schema defaults.
 *
 * Kept: everything the ModelGraph IR has a place for (tensors with shape, signature, dtype,
 * quantization incl. min/max, sparsity, variable flag and constant data; ops with version,
 * options of both option unions, custom code/options and intermediates; metadata; model
 * description and subgraph name; signature defs of subgraph 0 over its inputs and outputs).
 * Not kept: the deprecated metadata_buffer list, has_rank, mutating_variable_inputs, variant sub-types and debug metadata indices.
 * Rejected: several subgraphs, external weight files, non-affine (blockwise/custom)
 * quantization and tensor types the IR lacks (INT2, UINT4, FLOAT8).
 */

import { readFileSync, statSync } from 'node:fs';
import { TinypruneError, type Warning } from '../errors.js';
import {
  DTYPE_BYTES,
  type DimensionMetadata,
  type DType,
  type Metadata,
  type ModelGraph,
  type Op,
  type OptionValue,
  type Quantization,
  type SparsityParameters,
  type Tensor,
} from '../ir/graph.js';
import { constantByteLengths } from '../ir/shapes.js';
import { FbReader, type FbTable } from './flatbuf.js';
import { sniffFormat } from '../util/sniff.js';
import { readSignatures } from './signatures.js';
import {
  BUFFER,
  BUILTIN_OPERATORS,
  BUILTIN_OPTIONS,
  BUILTIN_OPTIONS_2,
  DIMENSION_METADATA,
  ENUMS,
  INDEX_VECTOR,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  type OptionsTable,
  QUANTIZATION_PARAMETERS,
  SCALAR_BYTES,
  SPARSE_INDEX_VECTOR,
  SPARSITY_PARAMETERS,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPES,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  defaultOptions,
} from './schema.js';

export interface ReadResult {
  graph: ModelGraph;
  warnings: Warning[];
}

/** Limits on what a file may declare, independent of the file's size. */
export const READ_LIMITS = {
  /** TFLite kernels handle rank ≤ 6 (a few ops 8); anything far beyond is corruption. */
  maxRank: 16,
  /** Element count of one tensor: TFLite counts in int32. */
  maxElements: 2 ** 31 - 1,
  /** Bytes of one tensor: TFLite (Micro) sizes are int32 / size_t on 32-bit targets. */
  maxTensorBytes: 2 ** 31 - 1,
  /** Whole files (readTfliteFile): flatbuffers address 2 GiB; MCU models are far smaller. */
  maxFileBytes: 2 ** 31 - 1,
} as const;

/** TensorType value -> DType, for the types the IR has (INT2, UINT4 and FLOAT8 it does not). */
const DTYPE_OF_TENSOR_TYPE: readonly (DType | undefined)[] = TENSOR_TYPES.map((t) => {
  const d = t.toLowerCase();
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d) ? (d as DType) : undefined;
});

interface OpCodeEntry {
  opcode: string;
  customCode?: string;
  version: number;
}

/**
 * Parse a .tflite model. `source` names the file in messages.
 * Throws TinypruneError (E_TFLITE_*) on anything that is not a readable, single-subgraph,
 * schema-3 TFLite model.
 */
export function readTflite(bytes: Uint8Array, source = '<memory>'): ReadResult {
  try {
    return new ModelReader(bytes, source).read();
  } catch (e) {
    if (e instanceof TinypruneError) throw e;
    // Every failure above is meant to be a TinypruneError; anything else is a reader bug.
    // Still typed for the caller, but marked so that the fuzz tests catch it.
    throw new TinypruneError(
      'E_TFLITE_MALFORMED',
      `${source}: internal error in the TFLite reader: ${e instanceof Error ? e.message : String(e)}`,
      { where: source, hint: 'please report this with the model file', cause: e },
    );
  }
}

/** Read and parse a .tflite file, mapping file-system failures to E_FILE_NOT_FOUND / E_FILE_READ. */
export function readTfliteFile(path: string): ReadResult {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new TinypruneError('E_FILE_READ', `${path} is a directory, not a .tflite file`, {
        where: path,
        hint: 'pass the path of a .tflite file',
      });
    }
    if (st.size > READ_LIMITS.maxFileBytes) {
      throw new TinypruneError('E_TFLITE_LIMIT', `${path} is ${st.size} bytes; tinyprune reads models up to ${READ_LIMITS.maxFileBytes} bytes`, {
        where: path,
        hint: 'a model for a microcontroller is far smaller; check that this is the right file',
      });
    }
    const buf = readFileSync(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    if (e instanceof TinypruneError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TinypruneError('E_FILE_NOT_FOUND', `model file not found: ${path}`, {
        where: path,
        hint: 'check the path (relative paths are resolved from the current directory)',
        cause: e,
      });
    }
    throw new TinypruneError('E_FILE_READ', `cannot read ${path} (${code ?? 'error'}): ${(e as Error).message}`, {
      where: path,
      hint: code === 'EACCES' ? 'check the file permissions' : undefined,
      cause: e,
    });
  }
  return readTflite(bytes, path);
}

/** Names go into messages; a corrupt file can make them megabytes long. */
function shorten(name: string): string {
  return name.length > 80 ? `${name.slice(0, 77)}...` : name;
}

class ModelReader {
  private readonly r: FbReader;
  private readonly warnings: Warning[] = [];
  private bufferTables: FbTable[] = [];
  /** Decoded buffer contents by buffer index (tensors sharing a buffer share the bytes). */
  private readonly bufferCache = new Map<number, Uint8Array | undefined>();
  private opCodes: OpCodeEntry[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.r = new FbReader(bytes, source);
  }

  read(): ReadResult {
    const { r, source, bytes } = this;
    if (bytes.length < 8) {
      throw new TinypruneError(
        'E_TFLITE_TRUNCATED',
        `${source}: the file has ${bytes.length} bytes; a TFLite model has at least an 8-byte header`,
        { where: source, hint: bytes.length === 0 ? 'the file is empty' : 'the file is truncated' },
      );
    }
    const ident = String.fromCharCode(...bytes.subarray(4, 8));
    if (ident !== TFLITE_FILE_IDENTIFIER) {
      const shown = [...bytes.subarray(4, 8)].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
      const isa = sniffFormat(bytes);
      throw new TinypruneError(
        'E_TFLITE_IDENTIFIER',
        `${source}: not a TFLite model${isa ? `: it is ${isa}` : ''} (bytes 4..7 are '${shown}', expected the identifier 'TFL3')`,
        {
          where: source,
          allowed: 'TFLite flatbuffers (.tflite) with file identifier TFL3',
          hint: 'convert the model with the TensorFlow Lite converter; Keras .h5 / SavedModel files are not .tflite',
        },
      );
    }

    const model = r.root('model');
    const version = r.intField(model, MODEL.version, 'uint32', 0, 'version');
    if (version !== TFLITE_SCHEMA_VERSION) {
      throw new TinypruneError(
        'E_TFLITE_VERSION',
        `${source}: TFLite schema version ${version} is not supported (only version ${TFLITE_SCHEMA_VERSION})`,
        {
          where: source,
          allowed: `schema version ${TFLITE_SCHEMA_VERSION}`,
          hint: version < TFLITE_SCHEMA_VERSION ? 're-convert the model with a current TensorFlow Lite converter' : undefined,
        },
      );
    }

    const buffers = r.vectorField(model, MODEL.buffers, 4, 'buffers');
    this.bufferTables = buffers ? r.tableVector(buffers, (i) => `buffer ${i}`) : [];

    const codes = r.vectorField(model, MODEL.operatorCodes, 4, 'operator_codes');
    this.opCodes = codes ? r.tableVector(codes, (i) => `operator code ${i}`).map((t, i) => this.readOpCode(t, i)) : [];

    const subgraphs = r.vectorField(model, MODEL.subgraphs, 4, 'subgraphs');
    const nSub = subgraphs?.length ?? 0;
    if (!subgraphs || nSub === 0) throw r.malformed('model', 'has no subgraphs');
    if (nSub > 1) {
      throw new TinypruneError(
        'E_TFLITE_UNSUPPORTED',
        `${source}: the model has ${nSub} subgraphs; tinyprune supports single-subgraph models only`,
        {
          where: source,
          allowed: '1 subgraph (no control flow: IF/WHILE/CALL_ONCE)',
          hint: 'export the model without control flow or resource variables',
        },
      );
    }
    const [sub] = r.tableVector(subgraphs, () => 'subgraph 0');
    if (!sub) throw r.malformed('model', 'has no subgraphs');

    const description = r.stringField(model, MODEL.description, '', 'description');
    const metadata = this.readMetadata(model);

    const graph = this.readSubgraph(sub, description, metadata);
    const signatures = readSignatures(this.r, model, graph, this.source, this.warnings);
    if (signatures.length > 0) graph.signatures = signatures;
    return { graph, warnings: this.warnings };
  }

  private readOpCode(t: FbTable, i: number): OpCodeEntry {
    const r = this.r;
    const dep = r.intField(t, OPERATOR_CODE.deprecatedBuiltinCode, 'int8', 0, 'deprecated_builtin_code');
    const builtin = r.intField(t, OPERATOR_CODE.builtinCode, 'int32', 0, 'builtin_code');
    // Old files only set the byte-sized deprecated code; new ones set both (the byte field
    // saturating at 127 for codes above it), so the larger of the two is the real one.
    const code = Math.max(dep, builtin);
    const name = BUILTIN_OPERATORS[code];
    if (code < 0 || name === undefined) {
      throw new TinypruneError(
        'E_TFLITE_UNSUPPORTED',
        `${this.source}: operator code ${i} has builtin code ${code}, which this schema does not know`,
        {
          where: `${this.source}: operator code ${i}`,
          allowed: `builtin codes 0..${BUILTIN_OPERATORS.length - 1}`,
          hint: 'the model was produced by a newer TFLite converter, or it is corrupt',
        },
      );
    }
    const version = r.intField(t, OPERATOR_CODE.version, 'int32', 1, 'version');
    const entry: OpCodeEntry = { opcode: name, version };
    if (name === 'CUSTOM') entry.customCode = r.stringField(t, OPERATOR_CODE.customCode, '', 'custom_code');
    return entry;
  }

  /** Bytes of buffer `index` (a copy), or undefined when the buffer is empty. */
  private bufferData(index: number, what: string): Uint8Array | undefined {
    if (this.bufferCache.has(index)) return this.bufferCache.get(index);
    const t = this.bufferTables[index];
    // Buffer 0 is the "no data" sentinel; a file without any buffers still means that.
    if (!t && index === 0) return undefined;
    if (!t) {
      throw this.r.malformed(what, `refers to buffer ${index} but the model has ${this.bufferTables.length} buffers`);
    }
    const r = this.r;
    let data: Uint8Array | undefined;
    // Models over 2 GB keep data after the flatbuffer: offset (from the start of the file) and
    // size, valid only when offset > 1 (the converter uses 1 as a placeholder).
    const offset = r.u64Field(t, BUFFER.offset, 'offset');
    if (offset > 1) {
      const size = r.u64Field(t, BUFFER.size, 'size');
      r.need(offset, size, `buffer ${index} (stored after the flatbuffer)`);
      r.charge(size, `buffer ${index}`);
      data = size > 0 ? this.bytes.slice(offset, offset + size) : undefined;
    } else {
      const v = r.vectorField(t, BUFFER.data, 1, 'data');
      data = v && v.length > 0 ? r.bytesOf(v) : undefined;
    }
    this.bufferCache.set(index, data);
    return data;
  }

  private readMetadata(model: FbTable): Metadata[] {
    const r = this.r;
    const v = r.vectorField(model, MODEL.metadata, 4, 'metadata');
    if (!v) return [];
    return r.tableVector(v, (i) => `metadata ${i}`).map((t, i) => {
      const name = r.stringField(t, METADATA.name, '', 'name');
      const buffer = r.intField(t, METADATA.buffer, 'uint32', 0, 'buffer');
      const data = this.bufferData(buffer, `metadata ${i} '${shorten(name)}'`);
      return { name, data: data ?? new Uint8Array(0) };
    });
  }

  private readSubgraph(sub: FbTable, description: string, metadata: Metadata[]): ModelGraph {
    const r = this.r;
    const tv = r.vectorField(sub, SUBGRAPH.tensors, 4, 'tensors');
    const tensorTables = tv ? r.tableVector(tv, (i) => `tensor ${i}`) : [];
    const tensors = tensorTables.map((t, i) => this.readTensor(t, i));
    const n = tensors.length;

    const indexList = (t: FbTable, id: number, name: string, what: string, allowOptional: boolean): number[] => {
      const v = r.vectorField(t, id, 4, name);
      if (!v) return [];
      const out = r.scalarVector(v, 'int32', `${what} ${name}`);
      for (const [k, idx] of out.entries()) {
        if (idx === -1 && allowOptional) continue;
        if (idx < 0 || idx >= n) {
          throw r.malformed(what, `${name}[${k}] = ${idx} is not a tensor index (the subgraph has ${n} tensors)`);
        }
      }
      return out;
    };

    const inputs = indexList(sub, SUBGRAPH.inputs, 'inputs', 'subgraph', false);
    const outputs = indexList(sub, SUBGRAPH.outputs, 'outputs', 'subgraph', false);
    const name = r.stringField(sub, SUBGRAPH.name, '', 'name');

    const ov = r.vectorField(sub, SUBGRAPH.operators, 4, 'operators');
    const opTables = ov ? r.tableVector(ov, (i) => `operator ${i}`) : [];
    const ops = opTables.map((t, i) => this.readOperator(t, i, indexList));

    return { schemaVersion: TFLITE_SCHEMA_VERSION, description, name, tensors, ops, inputs, outputs, metadata };
  }

  private readTensor(t: FbTable, i: number): Tensor {
    const r = this.r;
    const name = r.stringField(t, TENSOR.name, '', 'name');
    const what = `tensor ${i} '${shorten(name)}'`;
    t.what = what;

    const shapeV = r.vectorField(t, TENSOR.shape, 4, 'shape');
    if (shapeV && shapeV.length > READ_LIMITS.maxRank) {
      throw new TinypruneError('E_TFLITE_LIMIT', `${this.source}: ${what} has rank ${shapeV.length}`, {
        where: `${this.source}: ${what}`,
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
        `${this.source}: ${what} has shape [${shape.join(', ')}] = ${elements} elements`,
        { where: `${this.source}: ${what}`, allowed: `at most ${READ_LIMITS.maxElements} elements per tensor` },
      );
    }

    const typeValue = r.intField(t, TENSOR.type, 'int8', 0, 'type');
    const dtype = DTYPE_OF_TENSOR_TYPE[typeValue];
    if (dtype === undefined) {
      const known = TENSOR_TYPES[typeValue];
      throw new TinypruneError(
        known ? 'E_TFLITE_UNSUPPORTED' : 'E_TFLITE_MALFORMED',
        `${this.source}: ${what} has tensor type ${known ?? typeValue}` + (known ? ', which tinyprune does not support' : ', which is not a TensorType'),
        { where: `${this.source}: ${what}`, allowed: DTYPE_OF_TENSOR_TYPE.filter((d) => d).join(', ') },
      );
    }
    const bytesNeeded = elements * DTYPE_BYTES[dtype];
    if (bytesNeeded > READ_LIMITS.maxTensorBytes) {
      throw new TinypruneError('E_TFLITE_LIMIT', `${this.source}: ${what} would need ${bytesNeeded} bytes`, {
        where: `${this.source}: ${what}`,
        allowed: `at most ${READ_LIMITS.maxTensorBytes} bytes per tensor`,
      });
    }

    const tensor: Tensor = { name, shape, dtype, isVariable: r.boolField(t, TENSOR.isVariable, false, 'is_variable') };

    const sigV = r.vectorField(t, TENSOR.shapeSignature, 4, 'shape_signature');
    if (sigV) {
      if (sigV.length > READ_LIMITS.maxRank) throw r.malformed(what, `shape_signature has rank ${sigV.length}`);
      tensor.shapeSignature = r.scalarVector(sigV, 'int32', `${what} shape_signature`);
    }

    const qt = r.tableField(t, TENSOR.quantization, 'quantization', `${what} quantization`);
    if (qt) {
      const q = this.readQuantization(qt, tensor, what);
      if (q) tensor.quant = q;
    }

    const st = r.tableField(t, TENSOR.sparsity, 'sparsity', `${what} sparsity`);
    if (st) tensor.sparsity = this.readSparsity(st, what);

    if (r.intField(t, TENSOR.externalBuffer, 'uint32', 0, 'external_buffer') !== 0) {
      throw new TinypruneError('E_TFLITE_UNSUPPORTED', `${this.source}: ${what} keeps its data in an external file`, {
        where: `${this.source}: ${what}`,
        hint: 'embed the weights in the .tflite file when converting',
      });
    }

    const buffer = r.intField(t, TENSOR.buffer, 'uint32', 0, 'buffer');
    const data = this.bufferData(buffer, what);
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

  private readQuantization(t: FbTable, tensor: Tensor, what: string): Quantization | undefined {
    const r = this.r;
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
        `${this.source}: ${what} uses custom/blockwise quantization (QuantizationDetails type ${detailsType})`,
        { where: `${this.source}: ${what}`, allowed: 'affine per-tensor or per-channel quantization' },
      );
    }
    let axis = r.intField(t, Q.quantizedDimension, 'int32', 0, 'quantized_dimension');

    const hasMinMax = (min?.length ?? 0) > 0 || (max?.length ?? 0) > 0;
    // An empty QuantizationParameters table (the converter writes one for every float tensor)
    // means "not quantized".
    if (scale.length === 0 && !hasMinMax) return undefined;

    if (scale.length > 0 && zeroPoint.length === 0) {
      zeroPoint = scale.map(() => 0);
      this.warnings.push({
        code: 'W_QUANT_ZERO_POINT',
        message: `${what} has scales but no zero points; assuming zero points of 0`,
        where: `${this.source}: ${what}`,
      });
    }

    const rank = tensor.shape.length;
    if (scale.length > 0 && (axis < 0 || axis >= Math.max(rank, 1))) {
      if (scale.length === 1) {
        // Per-tensor: the axis means nothing, TFLite ignores it. Store the canonical 0.
        axis = 0;
      } else if (rank === 1 && scale.length === tensor.shape[0]) {
        // person_detect's depthwise biases: 1-D [C] tensors with C per-channel scales but
        // quantized_dimension 3 (copied from the 4-D filter). TFLM never looks at a bias's
        // axis; the only dimension the scales can run along is 0, so that is what we store.
        this.warnings.push({
          code: 'W_QUANT_AXIS',
          message: `${what}: quantized_dimension ${axis} is out of range for shape [${tensor.shape.join(', ')}]; using axis 0 (the only dimension with ${scale.length} entries)`,
          where: `${this.source}: ${what}`,
        });
        axis = 0;
      } else {
        throw r.malformed(
          what,
          `quantized_dimension ${axis} is out of range for shape [${tensor.shape.join(', ')}] with ${scale.length} scales`,
        );
      }
    }

    const q: Quantization = { scale, zeroPoint, axis };
    if (min) q.min = min;
    if (max) q.max = max;
    return q;
  }

  private readIndexVector(type: number, t: FbTable | undefined, what: string): DimensionMetadata['arraySegments'] {
    if (type === 0) return undefined;
    const elem = SPARSE_INDEX_VECTOR[type];
    if (!elem) throw this.r.malformed(what, `unknown SparseIndexVector type ${type}`);
    if (!t) return { type: elem, values: [] };
    const v = this.r.vectorField(t, INDEX_VECTOR.values, SCALAR_BYTES[elem], 'values');
    return { type: elem, values: v ? this.r.scalarVector(v, elem, what) : [] };
  }

  private readSparsity(t: FbTable, what: string): SparsityParameters {
    const r = this.r;
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
      const seg = this.readIndexVector(segType, r.tableField(d, D.arraySegments, 'array_segments', `${dwhat}.array_segments`), `${dwhat}.array_segments`);
      if (seg) md.arraySegments = seg;
      const idxType = r.intField(d, D.arrayIndicesType, 'uint8', 0, 'array_indices_type');
      const idx = this.readIndexVector(idxType, r.tableField(d, D.arrayIndices, 'array_indices', `${dwhat}.array_indices`), `${dwhat}.array_indices`);
      if (idx) md.arrayIndices = idx;
      return md;
    });
    return { traversalOrder, blockMap, dimMetadata };
  }

  private readOperator(
    t: FbTable,
    i: number,
    indexList: (t: FbTable, id: number, name: string, what: string, allowOptional: boolean) => number[],
  ): Op {
    const r = this.r;
    const codeIndex = r.intField(t, OPERATOR.opcodeIndex, 'uint32', 0, 'opcode_index');
    const code = this.opCodes[codeIndex];
    if (!code) {
      throw r.malformed(`operator ${i}`, `opcode_index ${codeIndex} is out of range (the model has ${this.opCodes.length} operator codes)`);
    }
    const what = `operator ${i} (${code.opcode === 'CUSTOM' ? `CUSTOM '${shorten(code.customCode ?? '')}'` : code.opcode})`;
    t.what = what;

    const op: Op = {
      opcode: code.opcode,
      version: code.version,
      inputs: indexList(t, OPERATOR.inputs, 'inputs', what, true),
      outputs: indexList(t, OPERATOR.outputs, 'outputs', what, false),
      options: {},
    };
    if (code.customCode !== undefined) op.customCode = code.customCode;
    if (r.has(t, OPERATOR.intermediates)) op.intermediates = indexList(t, OPERATOR.intermediates, 'intermediates', what, false);

    const type1 = r.intField(t, OPERATOR.builtinOptionsType, 'uint8', 0, 'builtin_options_type');
    const type2 = r.intField(t, OPERATOR.builtinOptions2Type, 'uint8', 0, 'builtin_options_2_type');
    if (type1 !== 0 && type2 !== 0) throw r.malformed(what, 'sets both builtin_options and builtin_options_2');
    // An op whose file has no options table gets none here either: TFLite then falls back to
    // its own built-in parameter defaults (e.g. kTfLiteNoType for CAST), which are not the
    // schema's field defaults, so inventing a table would change the model's meaning.
    if (type1 !== 0 || type2 !== 0) {
      const [members, typeValue, id, field] =
        type1 !== 0
          ? [BUILTIN_OPTIONS, type1, OPERATOR.builtinOptions, 'builtin_options']
          : [BUILTIN_OPTIONS_2, type2, OPERATOR.builtinOptions2, 'builtin_options_2'];
      const name = (members as readonly (string | null)[])[typeValue];
      const table = name ? OPTIONS_TABLES.get(name) : undefined;
      if (!table) throw r.malformed(what, `${field}_type ${typeValue} is not a known options table`);
      // A union type without its table: the table's fields all take their defaults.
      const optionsAt = r.tableField(t, id, field, `${what} ${table.name}`);
      op.optionsType = table.name;
      op.options = optionsAt ? this.readOptions(optionsAt, table, what) : defaultOptions(table);
    }

    const format = r.intField(t, OPERATOR.customOptionsFormat, 'int8', 0, 'custom_options_format');
    if (format !== 0) throw r.malformed(what, `custom_options_format ${format} is not FLEXBUFFERS (0)`);
    const largeOffset = r.u64Field(t, OPERATOR.largeCustomOptionsOffset, 'large_custom_options_offset');
    if (largeOffset > 1) {
      const size = r.u64Field(t, OPERATOR.largeCustomOptionsSize, 'large_custom_options_size');
      r.need(largeOffset, size, `${what} custom options (stored after the flatbuffer)`);
      r.charge(size, what);
      if (size > 0) op.customOptions = this.bytes.slice(largeOffset, largeOffset + size);
    } else {
      const co = r.vectorField(t, OPERATOR.customOptions, 1, 'custom_options');
      if (co && co.length > 0) op.customOptions = r.bytesOf(co);
    }
    return op;
  }

  private readOptions(t: FbTable, table: OptionsTable, what: string): Record<string, OptionValue> {
    const r = this.r;
    const out: Record<string, OptionValue> = {};
    for (const f of table.fields) {
      const fwhat = `${what} ${table.name}.${f.schemaName}`;
      const ty = f.type;
      switch (ty.kind) {
        case 'scalar': {
          const v = r.scalarField(t, f.id, ty.scalar, ty.default, f.schemaName);
          if (typeof v === 'bigint') {
            const n = Number(v);
            // 64-bit options (random seeds, StableHLO dims) beyond 2^53 are kept exactly as
            // decimal strings; the writer turns them back into int64.
            out[f.name] = Number.isSafeInteger(n) ? n : v.toString();
          } else {
            out[f.name] = v;
          }
          break;
        }
        case 'enum': {
          const v = r.intField(t, f.id, ty.scalar, ty.default, f.schemaName);
          const name = (ENUMS[ty.enumName] as readonly string[])[v];
          if (name === undefined) throw r.malformed(fwhat, `value ${v} is not a ${ty.enumName}`);
          out[f.name] = name;
          break;
        }
        case 'string':
          out[f.name] = r.stringField(t, f.id, '', f.schemaName);
          break;
        case 'vector': {
          const v = r.vectorField(t, f.id, SCALAR_BYTES[ty.scalar], f.schemaName);
          out[f.name] = v ? r.scalarVector(v, ty.scalar, fwhat) : [];
          break;
        }
      }
    }
    return out;
  }
}
