/**
 * ModelGraph -> TFLite flatbuffer, with the `flatbuffers` runtime's Builder and the field
 * facts of schema.ts (the same description the reader uses).
 * This file writes the model, buffers, operator codes and operators; tensors are written in
 * write_tensor.ts, options tables in write_options.ts, vectors in write_vectors.ts.
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
import type { ModelGraph, Op } from '../ir/graph.js';
import {
  BUFFER,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  type OptionsTable,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  SUBGRAPH,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  builtinOperatorValue,
} from './schema.js';
import { writeSignatures } from './signatures.js';
import { writeOptions } from './write_options.js';
import { writeTensor } from './write_tensor.js';
import { intVector, invalid, offsetVector } from './write_vectors.js';

/** Alignment of constant data in the file (TFLite's force_align on Buffer.data). */
export const BUFFER_ALIGNMENT = 16;

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

    const tensorOffsets = g.tensors.map((t, i) => writeTensor(b, t, i, tensorBuffer[i] ?? 0));
    const opOffsets = g.ops.map((op, i) => this.writeOperator(op, i, opCodeIndex[i] ?? 0));

    const tensorsVec = offsetVector(b, tensorOffsets);
    const inputsVec = intVector(b, g.inputs, 'int32');
    const outputsVec = intVector(b, g.outputs, 'int32');
    const opsVec = offsetVector(b, opOffsets);
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

    const codesVec = offsetVector(b, codeOffsets);
    const subgraphsVec = offsetVector(b, [subgraph]);
    const description = g.description ? b.createString(g.description) : 0;
    const buffersVec = offsetVector(b, bufferOffsets);
    const metadataVec = metaOffsets.length > 0 ? offsetVector(b, metaOffsets) : 0;
    const signaturesVec = writeSignatures(b, g, (offsets) => offsetVector(b, offsets));

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

  private writeOperator(op: Op, i: number, opcodeIndex: number): number {
    const b = this.b;
    const where = `operator ${i} (${op.opcode})`;
    const inputs = intVector(b, op.inputs, 'int32');
    const outputs = intVector(b, op.outputs, 'int32');
    const intermediates = op.intermediates ? intVector(b, op.intermediates, 'int32') : 0;
    const custom = op.customOptions && op.customOptions.length > 0 ? b.createByteVector(op.customOptions) : 0;
    let table: OptionsTable | undefined;
    let options = 0;
    if (op.optionsType !== undefined) {
      table = OPTIONS_TABLES.get(op.optionsType);
      if (!table) throw invalid(where, `optionsType '${op.optionsType}' is not a TFLite options table`);
      options = writeOptions(b, table, op.options, where);
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
}
