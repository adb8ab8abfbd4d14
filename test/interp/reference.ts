/**
 * Test-only, deliberately naive references: the TFLM integer formulas written with BigInt
 * (exact 64-bit arithmetic, C-style truncating division) so that the optimised, BigInt-free
 * versions in src/interp/fixedpoint.ts can be checked against them. Plus a seeded PRNG and
 * small graph-building helpers for hand-made kernel tests.
 */
import type { DType, ModelGraph, Op, Tensor } from '../../src/ir/graph.js';

export const I32_MIN = -2147483648;
export const I32_MAX = 2147483647;

/** gemmlowp SaturatingRoundingDoublingHighMul, written with BigInt from its definition. */
export function refSrdhm(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C
}

/** Rounding division by 2^e, ties away from zero. */
export function refRdbpot(x: number, e: number): number {
  if (e === 0) return x;
  const bx = BigInt(x);
  const d = 1n << BigInt(e);
  const mag = bx < 0n ? -bx : bx;
  const q = (mag + d / 2n) / d;
  return Number(bx < 0n ? -q : q);
}

/** Double-rounding MultiplyByQuantizedMultiplier with int32 wrap of the left shift. */
export function refMbqm(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = Number(BigInt.asIntN(32, BigInt(x) * (1n << BigInt(left))));
  return refRdbpot(refSrdhm(shifted, m), right);
}

/** mulberry32: small deterministic PRNG for reproducible random cases. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

// ---- hand-built graphs ----

export interface TensorSpec {
  dtype: DType;
  shape: number[];
  scale?: number | number[];
  zeroPoint?: number | number[];
  axis?: number;
  data?: Uint8Array;
  name?: string;
}

export function bytesOf(a: Int8Array | Int16Array | Int32Array | Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function mkTensor(spec: TensorSpec, i: number): Tensor {
  const t: Tensor = { name: spec.name ?? `t${i}`, shape: spec.shape, dtype: spec.dtype, isVariable: false };
  if (spec.scale !== undefined) {
    const scale = Array.isArray(spec.scale) ? spec.scale.map(Math.fround) : [Math.fround(spec.scale)];
    const zp = spec.zeroPoint === undefined ? scale.map(() => 0) : Array.isArray(spec.zeroPoint) ? spec.zeroPoint : [spec.zeroPoint];
    t.quant = { scale, zeroPoint: zp, axis: spec.axis ?? 0 };
  }
  if (spec.data) t.data = spec.data;
  return t;
}

/** A one-operator graph: tensors[inputs] -> op -> tensors[outputs]; non-constant inputs are graph inputs. */
export function singleOpGraph(
  opcode: string,
  options: Op['options'],
  inputs: (TensorSpec | null)[],
  outputs: TensorSpec[],
): ModelGraph {
  const specs: TensorSpec[] = [];
  const inIdx = inputs.map((s) => {
    if (!s) return -1;
    specs.push(s);
    return specs.length - 1;
  });
  const outIdx = outputs.map((s) => {
    specs.push(s);
    return specs.length - 1;
  });
  const tensors = specs.map(mkTensor);
  return {
    schemaVersion: 3,
    description: 'test',
    name: '',
    tensors,
    ops: [{ opcode, version: 1, inputs: inIdx, outputs: outIdx, options }],
    inputs: inIdx.filter((i) => i >= 0 && !tensors[i]!.data),
    outputs: outIdx,
    metadata: [],
  };
}

/** Real-valued quantize used to build test data (float -> int8 with clamp). */
export function quantizeI8(x: number, scale: number, zp: number): number {
  return Math.max(-128, Math.min(127, Math.round(x / scale) + zp));
}
