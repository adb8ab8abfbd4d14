/**
 * A small WebAssembly emitter for our training kernels (core spec 1.0 + fixed-width SIMD):
 * instructions as byte arrays, structured loops, one module per kernel family, and binding to
 * the backend's own memory (imported, so kernels read and write tensors where they lie).
 *
 * Only the instructions the kernels use are here; opcodes are those of the WebAssembly core
 * specification (§5.4, binary format) and its SIMD proposal as merged.
 */
import { TinypruneError } from '../../errors.js';
import type { WasmBackendLike } from './common.js';

export type Code = number[];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const simd = (op: number): Code => [0xfd, ...leb(op)];
/** memarg: alignment hint (log2 bytes) and a constant byte offset. */
const memarg = (align: number, offset: number): Code => [align, ...leb(offset)];

/** (a, b, cond) → cond ? a : b, for i32 or f32 operands. */
export const select: Code = [0x1b];

export const get = (i: number): Code => [0x20, ...leb(i)];
export const set = (i: number): Code => [0x21, ...leb(i)];
export const tee = (i: number): Code => [0x22, ...leb(i)];

export const i32 = {
  const: (n: number): Code => [0x41, ...sleb(n)],
  load: (offset = 0): Code => [0x28, ...memarg(2, offset)],
  eqz: [0x45],
  eq: [0x46],
  ltS: [0x48],
  ltU: [0x49],
  gtS: [0x4a],
  geS: [0x4e],
  geU: [0x4f],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  or: [0x72],
  shl: [0x74],
};

export const f32 = {
  load: (offset = 0): Code => [0x2a, ...memarg(2, offset)],
  store: (offset = 0): Code => [0x38, ...memarg(2, offset)],
  zero: [0x43, 0, 0, 0, 0],
  gt: [0x5e],
  add: [0x92],
  mul: [0x94],
};

export const v128 = {
  load: (offset = 0): Code => [...simd(0x00), ...memarg(0, offset)],
  /** One float read and copied to the four lanes. */
  load32Splat: (offset = 0): Code => [...simd(0x09), ...memarg(0, offset)],
  store: (offset = 0): Code => [...simd(0x0b), ...memarg(0, offset)],
  /** (a, b, mask) → a where the mask's bits are set, b elsewhere. */
  bitselect: simd(0x52),
  i32x4Splat: simd(0x11),
  i32x4Eq: simd(0x37),
  i32x4ExtractLane: (lane: number): Code => [...simd(0x1b), lane],
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number): Code => [...simd(0x1f), lane],
  f32x4Gt: simd(0x44),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  zero: [...simd(0x0c), ...Array<number>(16).fill(0)],
};

/** `if cond { body }` (cond leaves an i32 on the stack). */
export const when = (cond: Code, ...body: Code[]): Code => [...cond, 0x04, 0x40, ...body.flat(), 0x0b];

/** `if cond { then } else { otherwise }`, leaving a value of type `result` when given. */
export const ifElse = (cond: Code, then: Code[], otherwise: Code[], result: [number] | [] = []): Code => [
  ...cond, 0x04, result.length ? result[0] : 0x40, ...then.flat(), 0x05, ...otherwise.flat(), 0x0b,
];

/** Signed minimum and maximum of two i32 expressions (each evaluated twice: keep them cheap). */
export const minS = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, ...i32.ltS, ...select];
export const maxS = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, ...i32.gtS, ...select];

/**
 * for (i = from; i < to; i += step) { body } with signed comparison; `to` is re-evaluated each
 * turn (keep it a local or a constant). The body must not branch out of the loop.
 */
export function forLoop(i: number, from: Code, to: Code, step: number, ...body: Code[]): Code {
  return [
    ...from, ...set(i),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(i), ...to, ...i32.geS, 0x0d, 1, // i >= to: leave the block
    ...body.flat(),
    ...get(i), ...i32.const(step), ...i32.add, ...set(i),
    0x0c, 0, // again
    0x0b, 0x0b,
  ];
}

/**
 * The byte counts of a row of `channels` floats: all of it into `bytes`, and its whole groups of
 * four (the SIMD part; the rest is done one float at a time) into `vectorBytes`.
 */
export const channelBytes = (channels: number, bytes: number, vectorBytes: number): Code => [
  ...get(channels), ...i32.const(2), ...i32.shl, ...set(bytes),
  ...get(channels), ...i32.const(-4), ...i32.and, ...i32.const(2), ...i32.shl, ...set(vectorBytes),
];

/** `local += n` for an i32 local. */
export const addTo = (local: number, n: Code): Code => [...get(local), ...n, ...i32.add, ...set(local)];

export interface WasmFunction {
  name: string;
  /** Parameter types (indices 0…) then local types (indices after the parameters). */
  params: number[];
  locals: number[];
  body: Code;
}

/** Locals of a function by name: parameters first (all i32), then the declared locals. */
export function frame<P extends string, L extends string>(params: readonly P[], locals: Readonly<Record<L, number>>): { at: Record<P | L, number>; params: number[]; locals: number[] } {
  const at = {} as Record<P | L, number>;
  params.forEach((p, i) => (at[p] = i));
  const names = Object.keys(locals) as L[];
  names.forEach((l, i) => (at[l] = params.length + i));
  return { at, params: params.map(() => I32), locals: names.map((l) => locals[l]) };
}

/** A module importing `env.memory` (shared when the backend's is) and exporting the functions. */
export function wasmModule(functions: WasmFunction[], shared: boolean): Uint8Array {
  const limits = shared ? [0x03, ...leb(1), ...leb(65536)] : [0x00, ...leb(1)];
  const localDecls = (types: number[]): number[] => vec(types.map((t) => [1, t]));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec([])]))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec(functions.map((_, i) => leb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...leb(i)]))),
    ...section(
      10,
      vec(
        functions.map((f) => {
          const body = [...localDecls(f.locals), ...f.body, 0x0b];
          return [...leb(body.length), ...body];
        }),
      ),
    ),
  ]);
}

/** The part of the WebAssembly JS API used here (tsconfig has no DOM lib, where it is declared). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The backend's WasmMemory: `wasmMemory` in the threaded build, the `memory` export otherwise. */
function backendMemory(backend: WasmBackendLike): WasmMemory | undefined {
  const w = backend.wasm as { wasmMemory?: unknown; asm?: Record<string, unknown> } | undefined;
  if (w?.wasmMemory instanceof WebAssembly.Memory) return w.wasmMemory;
  return Object.values(w?.asm ?? {}).find((x): x is WasmMemory => x instanceof WebAssembly.Memory);
}

export interface Bound {
  memory: WasmMemory;
  exports: Record<string, unknown>;
}
const bound = new WeakMap<object, Map<string, Bound>>();

/** The module `key` built by `make` and instantiated on the backend's memory (once per backend). */
export function bindModule(backend: WasmBackendLike, key: string, make: () => WasmFunction[]): Bound {
  const mine = bound.get(backend) ?? new Map<string, Bound>();
  bound.set(backend, mine);
  const have = mine.get(key);
  if (have) return have;
  const memory = backendMemory(backend);
  if (!memory) throw new TinypruneError('E_BACKEND', 'the WASM backend exposes no WebAssembly.Memory', { where: key });
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = new WebAssembly.Module(wasmModule(make(), shared));
  const b = { memory, exports: new WebAssembly.Instance(module, { env: { memory } }).exports };
  mine.set(key, b);
  return b;
}
