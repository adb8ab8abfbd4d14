/**
 * Builtin options tables for the TFLite writer (write.ts): one flatbuffer table per op, laid
 * out from the field facts of schema.ts and checked against the field types.
 */

import type { Builder } from 'flatbuffers';
import type { OptionValue } from '../ir/graph.js';
import { ENUMS, type OptionField, type OptionsTable, SCALAR_BYTES, type ScalarType } from './schema.js';
import { checkRange, floatVector, intVector, invalid } from './write_vectors.js';

export function writeOptions(b: Builder, table: OptionsTable, options: Record<string, OptionValue>, where: string): number {
  const fwhere = (f: OptionField): string => `${where} ${table.name}.${f.name}`;
  const offsets = writeOptionObjects(b, table, options, fwhere);
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
      case 'scalar':
        addScalarOption(b, f, ty.scalar, ty.default, v, fwhere(f));
        break;
    }
  }
  return b.endObject();
}

/** Strings and vectors of the options, by field id: they must exist before the table is started. */
function writeOptionObjects(
  b: Builder,
  table: OptionsTable,
  options: Record<string, OptionValue>,
  fwhere: (f: OptionField) => string,
): Map<number, number> {
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
          ? floatVector(b, v, f.type.scalar)
          : intVector(b, v, f.type.scalar, fwhere(f)));
      }
    }
  }
  return offsets;
}

/** A scalar option field: bool, 64-bit (number or decimal string) or a number that fits its type. */
function addScalarOption(b: Builder, f: OptionField, scalar: ScalarType, def: number | boolean, v: OptionValue, fwhere: string): void {
  if (scalar === 'bool') {
    if (typeof v !== 'boolean') throw invalid(fwhere, `expected a boolean, got ${JSON.stringify(v)}`);
    b.addFieldInt8(f.id, v ? 1 : 0, def ? 1 : 0);
  } else if (scalar === 'int64' || scalar === 'uint64') {
    // The reader keeps 64-bit values beyond 2^53 as decimal strings.
    let big: bigint;
    try {
      big = BigInt(v as number | string);
    } catch {
      throw invalid(fwhere, `expected an integer, got ${JSON.stringify(v)}`);
    }
    b.addFieldInt64(f.id, big, BigInt(def as number));
  } else {
    if (typeof v !== 'number' || !Number.isFinite(v) && !scalar.startsWith('float')) {
      throw invalid(fwhere, `expected a number, got ${JSON.stringify(v)}`);
    }
    checkRange(v, scalar, fwhere);
    addScalar(b, f.id, scalar, v, def as number);
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
