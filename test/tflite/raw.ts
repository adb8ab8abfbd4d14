/**
 * Test helpers: build raw TFLite flatbuffers field by field (to make files our writer never
 * would: old-style opcodes, several subgraphs, data stored after the flatbuffer, odd versions),
 * and locate fields in existing files so tests can patch them.
 */
import { Builder } from 'flatbuffers';
import { FbReader, type FbTable } from '../../src/tflite/flatbuf.js';
import { BUFFER, MODEL, OPERATOR, OPERATOR_CODE, SUBGRAPH, TENSOR } from '../../src/tflite/schema.js';

export interface RawOptions {
  version?: number;
  identifier?: string;
  subgraphs?: number;
  opcodes?: { dep?: number; builtin?: number; version?: number; custom?: string }[];
  tensors?: { shape: number[]; type?: number; buffer?: number; name?: string }[];
  ops?: { opcodeIndex: number; inputs: number[]; outputs: number[]; largeCustom?: { at: number; size: number } }[];
  /** `data` inline, or `external`: `at` bytes into `trailing`, `size` bytes. */
  buffers?: ({ data: number[] } | { external: { at: number; size: number } })[];
  inputs?: number[];
  outputs?: number[];
  /** Bytes appended after the flatbuffer (for offset/size buffers and large custom options). */
  trailing?: Uint8Array;
}

function build(o: RawOptions, base: number): Uint8Array {
  const b = new Builder(1024);
  const ints = (v: number[]): number => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]!);
    return b.endVector();
  };
  const offs = (v: number[]): number => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]!);
    return b.endVector();
  };
  const buffers = (o.buffers ?? [{ data: [] }]).map((buf) => {
    const data = 'data' in buf && buf.data.length > 0 ? b.createByteVector(Uint8Array.from(buf.data)) : 0;
    b.startObject(BUFFER.NUM_FIELDS);
    b.addFieldOffset(BUFFER.data, data, 0);
    if ('external' in buf) {
      b.addFieldInt64(BUFFER.offset, BigInt(base + buf.external.at), 0n);
      b.addFieldInt64(BUFFER.size, BigInt(buf.external.size), 0n);
    }
    return b.endObject();
  });
  const codes = (o.opcodes ?? []).map((c) => {
    const custom = c.custom !== undefined ? b.createString(c.custom) : 0;
    b.startObject(OPERATOR_CODE.NUM_FIELDS);
    if (c.dep !== undefined) b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, c.dep, -1000);
    if (c.builtin !== undefined) b.addFieldInt32(OPERATOR_CODE.builtinCode, c.builtin, -1000);
    if (c.version !== undefined) b.addFieldInt32(OPERATOR_CODE.version, c.version, -1000);
    b.addFieldOffset(OPERATOR_CODE.customCode, custom, 0);
    return b.endObject();
  });
  const subgraphs: number[] = [];
  for (let s = 0; s < (o.subgraphs ?? 1); s++) {
    const tensors = (o.tensors ?? []).map((t, i) => {
      const shape = ints(t.shape);
      const name = b.createString(t.name ?? `t${i}`);
      b.startObject(TENSOR.NUM_FIELDS);
      b.addFieldOffset(TENSOR.shape, shape, 0);
      b.addFieldOffset(TENSOR.name, name, 0);
      b.addFieldInt32(TENSOR.buffer, t.buffer ?? 0, 0);
      b.addFieldInt8(TENSOR.type, t.type ?? 0, 0);
      return b.endObject();
    });
    const ops = (o.ops ?? []).map((op) => {
      const inputs = ints(op.inputs);
      const outputs = ints(op.outputs);
      b.startObject(OPERATOR.NUM_FIELDS);
      b.addFieldInt32(OPERATOR.opcodeIndex, op.opcodeIndex, -1);
      b.addFieldOffset(OPERATOR.inputs, inputs, 0);
      b.addFieldOffset(OPERATOR.outputs, outputs, 0);
      if (op.largeCustom) {
        b.addFieldInt64(OPERATOR.largeCustomOptionsOffset, BigInt(base + op.largeCustom.at), 0n);
        b.addFieldInt64(OPERATOR.largeCustomOptionsSize, BigInt(op.largeCustom.size), 0n);
      }
      return b.endObject();
    });
    const tv = offs(tensors);
    const ov = offs(ops);
    const iv = ints(o.inputs ?? []);
    const outv = ints(o.outputs ?? []);
    b.startObject(SUBGRAPH.NUM_FIELDS);
    b.addFieldOffset(SUBGRAPH.tensors, tv, 0);
    b.addFieldOffset(SUBGRAPH.inputs, iv, 0);
    b.addFieldOffset(SUBGRAPH.outputs, outv, 0);
    b.addFieldOffset(SUBGRAPH.operators, ov, 0);
    subgraphs.push(b.endObject());
  }
  const cv = offs(codes);
  const sv = offs(subgraphs);
  const bv = offs(buffers);
  b.startObject(MODEL.NUM_FIELDS);
  b.addFieldInt32(MODEL.version, o.version ?? 3, -1);
  b.addFieldOffset(MODEL.operatorCodes, cv, 0);
  b.addFieldOffset(MODEL.subgraphs, sv, 0);
  b.addFieldOffset(MODEL.buffers, bv, 0);
  const model = b.endObject();
  b.finish(model, o.identifier ?? 'TFL3');
  return b.asUint8Array().slice();
}

/** A TFLite file built field by field; `trailing` bytes follow the flatbuffer. */
export function rawModel(o: RawOptions): Uint8Array {
  // Two passes: the first learns the flatbuffer's size (which the offset values don't change),
  // the second writes offsets that point into the trailing bytes.
  const size = build(o, 1 << 20).length;
  const fb = build(o, size);
  if (fb.length !== size) throw new Error('rawModel: size changed between passes');
  const trailing = o.trailing ?? new Uint8Array(0);
  const out = new Uint8Array(fb.length + trailing.length);
  out.set(fb, 0);
  out.set(trailing, fb.length);
  return out;
}

/** Find tables and fields of an existing file, for patching. */
export class Locator {
  readonly r: FbReader;
  readonly model: FbTable;
  constructor(readonly bytes: Uint8Array) {
    this.r = new FbReader(bytes, 'locator');
    this.model = this.r.root('model');
  }
  /** Absolute position of a present field. */
  field(t: FbTable, id: number): number {
    const p = this.r.field(t, id, 0, `field ${id}`);
    if (p === 0) throw new Error(`field ${id} absent`);
    return p;
  }
  private vectorTables(t: FbTable, id: number): FbTable[] {
    const v = this.r.vectorAt(this.field(t, id), 4, 'vector');
    return this.r.tableVector(v, (i) => `#${i}`);
  }
  subgraph(): FbTable {
    return this.vectorTables(this.model, MODEL.subgraphs)[0]!;
  }
  tensor(i: number): FbTable {
    return this.vectorTables(this.subgraph(), SUBGRAPH.tensors)[i]!;
  }
  operator(i: number): FbTable {
    return this.vectorTables(this.subgraph(), SUBGRAPH.operators)[i]!;
  }
  /** Position of the first element of the vector referenced by field `id` of `t`. */
  vectorStart(t: FbTable, id: number): number {
    return this.r.vectorAt(this.field(t, id), 1, 'vector').start;
  }
}

export function patchU32(bytes: Uint8Array, pos: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(pos, value >>> 0, true);
  return out;
}
