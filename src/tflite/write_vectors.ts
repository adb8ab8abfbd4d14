/**
 * Vectors and range-checked scalars for the TFLite writer (write.ts), over the `flatbuffers`
 * Builder, and the writer's error.
 */

import type { Builder } from 'flatbuffers';
import { TinypruneError } from '../errors.js';
import { SCALAR_BYTES, type ScalarType } from './schema.js';

export function invalid(where: string, message: string): TinypruneError {
  return new TinypruneError('E_IR_INVALID', `cannot write TFLite: ${where}: ${message}`, { where });
}

export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

export function floatVector(b: Builder, values: readonly number[], type: 'float32' | 'float64' = 'float32'): number {
  const w = SCALAR_BYTES[type];
  b.startVector(w, values.length, w);
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i] as number;
    if (type === 'float32') b.addFloat32(v);
    else b.addFloat64(v);
  }
  return b.endVector();
}

export function intVector(b: Builder, values: readonly number[], type: ScalarType, where = 'graph', align?: number): number {
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

export function checkRange(v: number, type: ScalarType, where: string): void {
  const r = RANGES[type];
  if (r && !(Number.isInteger(v) && v >= r[0] && v <= r[1])) {
    throw invalid(where, `${v} does not fit in ${type}`);
  }
}
