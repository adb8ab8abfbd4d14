/**
 * TFLite flatbuffer -> ModelGraph.
 *
 * Reads with the `flatbuffers` runtime's ByteBuffer through FbReader (flatbuf.ts), which
 * bounds-checks every access: a model file is untrusted input, and bad input must come back
 * as a TinypruneError — never a RangeError, a hang or an unbounded allocation.
 *
 * Format facts come from schema.ts; missing fields take the schema defaults.
 * This file reads the model and subgraph; tensors are read in read_tensor.ts, operator codes,
 * operators and their options in read_operator.ts.
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
import type { Metadata, ModelGraph } from '../ir/graph.js';
import { FbReader, type FbTable } from './flatbuf.js';
import { sniffFormat } from '../util/sniff.js';
import { readSignatures } from './signatures.js';
import { bytesAfterFlatbuffer, READ_LIMITS, type ReadContext, shorten } from './read_context.js';
import { type IndexList, type OpCodeEntry, readOpCode, readOperator } from './read_operator.js';
import { readTensor } from './read_tensor.js';
import { BUFFER, METADATA, MODEL, SUBGRAPH, TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION } from './schema.js';

export { READ_LIMITS } from './read_context.js';

export interface ReadResult {
  graph: ModelGraph;
  warnings: Warning[];
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

class ModelReader implements ReadContext {
  readonly r: FbReader;
  readonly warnings: Warning[] = [];
  private bufferTables: FbTable[] = [];
  /** Decoded buffer contents by buffer index (tensors sharing a buffer share the bytes). */
  private readonly bufferCache = new Map<number, Uint8Array | undefined>();
  private opCodes: OpCodeEntry[] = [];

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
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
    this.opCodes = codes ? r.tableVector(codes, (i) => `operator code ${i}`).map((t, i) => readOpCode(this, t, i)) : [];

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
      data = bytesAfterFlatbuffer(this, offset, size, `buffer ${index}`, `buffer ${index}`);
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
    const tensors = tensorTables.map((t, i) => readTensor(this, t, i, (index, what) => this.bufferData(index, what)));
    const n = tensors.length;

    const indexList: IndexList = (t, id, name, what, allowOptional) => {
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
    const ops = opTables.map((t, i) => readOperator(this, t, i, this.opCodes, indexList));

    return { schemaVersion: TFLITE_SCHEMA_VERSION, description, name, tensors, ops, inputs, outputs, metadata };
  }
}
