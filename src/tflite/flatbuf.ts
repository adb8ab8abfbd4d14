/**
 * Bounds-checked access to a flatbuffer, on the `flatbuffers` runtime's ByteBuffer.
 *
 * The runtime trusts its input: an offset past the end reads `undefined` and turns into NaN or
 * 0 silently, and a declared vector length is believed. A model file is untrusted input, so
 * every read here is checked first and failures become TinypruneErrors:
 *  - anything that would read past the end of the bytes -> E_TFLITE_TRUNCATED
 *  - in-range but structurally impossible (bad vtable, field outside its table, an offset that
 *    points at itself) -> E_TFLITE_MALFORMED
 *  - more work than the file size justifies -> E_TFLITE_LIMIT (see `charge`).
 *
 * Cycles: table/vector/string references are unsigned offsets added to the position they are
 * stored at, so they always point forward; the only possible loop is an offset of 0, which
 * points at itself and is rejected. The reader follows the schema's fixed nesting, so depth is
 * bounded too. What remains is aliasing (many references to one big object), bounded by the
 * work budget.
 */

import { ByteBuffer } from 'flatbuffers';
import { TinypruneError } from '../errors.js';
import { SCALAR_BYTES, type ScalarType, vtableOffset } from './schema.js';

/** A table located in the buffer: absolute position, its vtable and their sizes. */
export interface FbTable {
  pos: number;
  vtable: number;
  vtableSize: number;
  tableSize: number;
  /** Human description for messages, e.g. "tensor 7". */
  what: string;
}

/** A vector located in the buffer: absolute position of element 0 and element count. */
export interface FbVector {
  start: number;
  length: number;
}

export class FbReader {
  readonly bb: ByteBuffer;
  readonly size: number;
  private budget: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
    // Honest files decode each byte about once; 4x the size plus a constant leaves room for
    // writers that share strings/vectors and still stops aliasing blow-ups quickly.
    this.budget = 4 * bytes.length + (1 << 20);
  }

  truncated(what: string, detail: string): TinypruneError {
    return new TinypruneError(
      'E_TFLITE_TRUNCATED',
      `${this.source}: ${what}: ${detail} (the file has ${this.size} bytes; it is truncated or corrupt)`,
      { where: `${this.source}: ${what}`, hint: 'check that the whole .tflite file was copied/downloaded' },
    );
  }

  malformed(what: string, detail: string): TinypruneError {
    return new TinypruneError('E_TFLITE_MALFORMED', `${this.source}: ${what}: ${detail}`, {
      where: `${this.source}: ${what}`,
      hint: 'the file is not a valid TFLite flatbuffer; re-export it from the converter',
    });
  }

  /** Account for `units` of decoding work (≈ bytes produced). */
  charge(units: number, what: string): void {
    this.budget -= units;
    if (this.budget < 0) {
      throw new TinypruneError(
        'E_TFLITE_LIMIT',
        `${this.source}: ${what}: the file refers to the same data far more often than its size allows ` +
          `(aliased offsets); refusing to expand it`,
        { where: `${this.source}: ${what}`, hint: 'the file is corrupt or crafted; re-export it' },
      );
    }
  }

  /** Throw E_TFLITE_TRUNCATED unless [pos, pos+len) lies inside the bytes. */
  need(pos: number, len: number, what: string): void {
    if (!(pos >= 0 && len >= 0 && pos + len <= this.size)) {
      throw this.truncated(what, `needs bytes ${pos}..${pos + len} which lie outside the file`);
    }
  }

  u8(pos: number, what: string): number {
    this.need(pos, 1, what);
    return this.bb.readUint8(pos);
  }
  i8(pos: number, what: string): number {
    this.need(pos, 1, what);
    return this.bb.readInt8(pos);
  }
  u16(pos: number, what: string): number {
    this.need(pos, 2, what);
    return this.bb.readUint16(pos);
  }
  i32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.bb.readInt32(pos);
  }
  u32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.bb.readUint32(pos);
  }

  /** Read one scalar of `type` at `pos` as a JS number/boolean (64-bit: bigint). */
  scalar(pos: number, type: ScalarType, what: string): number | boolean | bigint {
    this.need(pos, SCALAR_BYTES[type], what);
    const bb = this.bb;
    switch (type) {
      case 'bool':
        return bb.readUint8(pos) !== 0;
      case 'int8':
        return bb.readInt8(pos);
      case 'uint8':
        return bb.readUint8(pos);
      case 'int16':
        return bb.readInt16(pos);
      case 'uint16':
        return bb.readUint16(pos);
      case 'int32':
        return bb.readInt32(pos);
      case 'uint32':
        return bb.readUint32(pos);
      case 'int64':
        return bb.readInt64(pos);
      case 'uint64':
        return bb.readUint64(pos);
      case 'float32':
        return bb.readFloat32(pos);
      case 'float64':
        return bb.readFloat64(pos);
    }
  }

  /** Follow the uoffset stored at `pos` (table, vector or string reference). */
  indirect(pos: number, what: string): number {
    const off = this.u32(pos, what);
    if (off === 0) throw this.malformed(what, `offset at byte ${pos} points at itself`);
    const target = pos + off;
    if (target >= this.size) throw this.truncated(what, `offset at byte ${pos} points to byte ${target}`);
    return target;
  }

  /** The root table (the uoffset at byte 0). */
  root(what: string): FbTable {
    return this.table(this.indirect(0, what), what);
  }

  /** Validate the table at `pos` and its vtable. */
  table(pos: number, what: string): FbTable {
    this.charge(8, what);
    const soff = this.i32(pos, what);
    const vtable = pos - soff;
    if (vtable < 0 || vtable + 4 > this.size) {
      throw this.truncated(what, `vtable of the table at byte ${pos} would be at byte ${vtable}`);
    }
    const vtableSize = this.bb.readUint16(vtable);
    const tableSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) {
      throw this.malformed(what, `vtable at byte ${vtable} has impossible size ${vtableSize}`);
    }
    if (tableSize < 4) throw this.malformed(what, `table at byte ${pos} declares size ${tableSize} (< 4)`);
    this.need(vtable, vtableSize, `${what} (vtable)`);
    this.need(pos, tableSize, what);
    return { pos, vtable, vtableSize, tableSize, what };
  }

  /**
   * Absolute position of field `id` of table `t` holding `bytes` bytes, or 0 when the field is
   * absent (the schema default applies).
   */
  field(t: FbTable, id: number, bytes: number, name: string): number {
    const vo = vtableOffset(id);
    if (vo + 2 > t.vtableSize) return 0;
    const fo = this.bb.readUint16(t.vtable + vo);
    if (fo === 0) return 0;
    if (fo < 4 || fo + bytes > t.tableSize) {
      throw this.malformed(`${t.what}.${name}`, `field lies outside its table (offset ${fo}, table size ${t.tableSize})`);
    }
    return t.pos + fo;
  }

  has(t: FbTable, id: number): boolean {
    const vo = vtableOffset(id);
    return vo + 2 <= t.vtableSize && this.bb.readUint16(t.vtable + vo) !== 0;
  }

  /** A scalar field, or `def` when absent. */
  scalarField<T extends number | boolean | bigint>(t: FbTable, id: number, type: ScalarType, def: T, name: string): T | number | boolean | bigint {
    const p = this.field(t, id, SCALAR_BYTES[type], name);
    return p === 0 ? def : this.scalar(p, type, `${t.what}.${name}`);
  }

  /** A 32-bit (or narrower) integer field as a number, or `def` when absent. */
  intField(t: FbTable, id: number, type: ScalarType, def: number, name: string): number {
    const v = this.scalarField(t, id, type, def, name);
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v;
  }

  boolField(t: FbTable, id: number, def: boolean, name: string): boolean {
    const p = this.field(t, id, 1, name);
    return p === 0 ? def : this.bb.readUint8(p) !== 0;
  }

  /** A uint64 field that must fit in a JS safe integer; `def` when absent. */
  u64Field(t: FbTable, id: number, name: string): number {
    const p = this.field(t, id, 8, name);
    if (p === 0) return 0;
    const v = this.bb.readUint64(p);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw this.malformed(`${t.what}.${name}`, `value ${v} is out of range`);
    }
    return Number(v);
  }

  /** A sub-table field, or undefined when absent. */
  tableField(t: FbTable, id: number, name: string, what: string): FbTable | undefined {
    const p = this.field(t, id, 4, name);
    return p === 0 ? undefined : this.table(this.indirect(p, what), what);
  }

  /** Locate the vector referenced at `refPos`, checking its whole extent. */
  vectorAt(refPos: number, elemBytes: number, what: string): FbVector {
    const at = this.indirect(refPos, what);
    const length = this.u32(at, what);
    const start = at + 4;
    if (length * elemBytes > this.size - start) {
      throw this.truncated(what, `vector at byte ${at} declares ${length} elements of ${elemBytes} bytes`);
    }
    this.charge(length * Math.max(elemBytes, 1), what);
    return { start, length };
  }

  /** A vector field, or undefined when absent. */
  vectorField(t: FbTable, id: number, elemBytes: number, name: string): FbVector | undefined {
    const p = this.field(t, id, 4, name);
    return p === 0 ? undefined : this.vectorAt(p, elemBytes, `${t.what}.${name}`);
  }

  /** A vector of scalars as numbers (64-bit values must be safe integers). */
  scalarVector(v: FbVector, type: ScalarType, what: string): number[] {
    const out = new Array<number>(v.length);
    const w = SCALAR_BYTES[type];
    const bb = this.bb;
    for (let i = 0; i < v.length; i++) {
      const p = v.start + i * w;
      switch (type) {
        case 'bool':
        case 'uint8':
          out[i] = bb.readUint8(p);
          break;
        case 'int8':
          out[i] = bb.readInt8(p);
          break;
        case 'int16':
          out[i] = bb.readInt16(p);
          break;
        case 'uint16':
          out[i] = bb.readUint16(p);
          break;
        case 'int32':
          out[i] = bb.readInt32(p);
          break;
        case 'uint32':
          out[i] = bb.readUint32(p);
          break;
        case 'float32':
          out[i] = bb.readFloat32(p);
          break;
        case 'float64':
          out[i] = bb.readFloat64(p);
          break;
        case 'int64':
        case 'uint64': {
          const big = type === 'int64' ? bb.readInt64(p) : bb.readUint64(p);
          const n = Number(big);
          if (!Number.isSafeInteger(n)) {
            throw new TinypruneError(
              'E_TFLITE_UNSUPPORTED',
              `${this.source}: ${what}[${i}] = ${big} does not fit in a JavaScript number`,
              { where: `${this.source}: ${what}` },
            );
          }
          out[i] = n;
          break;
        }
      }
    }
    return out;
  }

  /** The bytes of a [ubyte] vector (a copy, so the graph does not pin the file). */
  bytesOf(v: FbVector): Uint8Array {
    return this.bytes.slice(v.start, v.start + v.length);
  }

  /** Decode the string referenced at `refPos`. */
  stringAt(refPos: number, what: string): string {
    const v = this.vectorAt(refPos, 1, what);
    return this.decoder.decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  /** A string field, or `def` when absent. */
  stringField(t: FbTable, id: number, def: string, name: string): string {
    const p = this.field(t, id, 4, name);
    return p === 0 ? def : this.stringAt(p, `${t.what}.${name}`);
  }

  /** The tables of a vector of tables. */
  tableVector(v: FbVector, what: (i: number) => string): FbTable[] {
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const w = what(i);
      out.push(this.table(this.indirect(v.start + 4 * i, w), w));
    }
    return out;
  }
}
