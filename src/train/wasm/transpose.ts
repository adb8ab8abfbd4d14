/**
 * Transpose for the WASM backend, wrapping TF.js's own: a permutation that swaps two blocks of
 * axes (after any leading axes it keeps) is a batch of matrix transposes, done here four by
 * four in WebAssembly SIMD registers (two rounds of shuffles). TF.js's general loop took
 * 0.43 ms for LeNet-5's fc1 weights ([500,800], transposed every step for the input gradient)
 * and 0.24 ms for conv2's input to channel-major. A transpose moves values and computes
 * nothing, so the results are the same. Other permutations and dtypes go to the original.
 */
import { util, type KernelConfig, type TensorInfo, type TransposeAttrs } from '@tensorflow/tfjs-core';
import { heapOffset, wrapKernel, type WasmBackendLike } from './common.js';
import { I32, V128, addTo, bindModule, f32, forLoop, frame, get, i32, set, v128, type Code, type WasmFunction } from './emit.js';

type TransposeArgs = { inputs: { x: TensorInfo }; backend: WasmBackendLike; attrs: TransposeAttrs };

/** [B, R, C] → [B, C, R] when the permutation is that (leading axes kept, two blocks swapped). */
export function asMatrices(shape: readonly number[], perm: readonly number[]): { B: number; R: number; C: number } | null {
  const r = perm.length;
  let b = 0;
  while (b < r && perm[b] === b) b++;
  const rest = r - b;
  if (rest < 2) return null;
  const k = perm[b]! - b;
  for (let i = 0; i < rest; i++) if (perm[b + i] !== b + ((k + i) % rest)) return null;
  const prod = (from: number, to: number): number => shape.slice(from, to).reduce((a, v) => a * v, 1);
  return { B: prod(0, b), R: prod(b, b + k), C: prod(b + k, r) };
}

const T = frame(['src', 'dst', 'B', 'R', 'C'] as const, {
  b: I32, i: I32, j: I32, k: I32, r4: I32, c4: I32, s: I32, d: I32, rowB: I32, colB: I32, mat: I32,
  v0: V128, v1: V128, v2: V128, v3: V128, t0: V128, t1: V128, t2: V128, t3: V128,
});

/** i8x16.shuffle picking float lanes (0–3 from a, 4–7 from b). */
const shuffle = (lanes: number[]): Code => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

function transposeFunction(): WasmFunction {
  const L = T.at;
  const v = [L.v0, L.v1, L.v2, L.v3];
  const pair = (a: number, b: number, lanes: number[], out: number): Code => [...get(a), ...get(b), ...shuffle(lanes), ...set(out)];
  // Block (i, j): rows i…i+3 from src + (i·C + j)·4, columns j…j+3 to dst + (j·R + i)·4.
  const block = [
    ...get(L.i), ...get(L.C), ...i32.mul, ...get(L.j), ...i32.add, ...i32.const(2), ...i32.shl, ...get(L.mat), ...get(L.src), ...i32.add, ...i32.add, ...set(L.s),
    ...v.flatMap((x, k) => [...get(L.s), ...(k ? [...get(L.rowB), ...i32.const(k), ...i32.mul, ...i32.add] : []), ...v128.load(), ...set(x)]),
    ...pair(L.v0, L.v1, [0, 4, 1, 5], L.t0), ...pair(L.v0, L.v1, [2, 6, 3, 7], L.t1),
    ...pair(L.v2, L.v3, [0, 4, 1, 5], L.t2), ...pair(L.v2, L.v3, [2, 6, 3, 7], L.t3),
    ...pair(L.t0, L.t2, [0, 1, 4, 5], L.v0), ...pair(L.t0, L.t2, [2, 3, 6, 7], L.v1),
    ...pair(L.t1, L.t3, [0, 1, 4, 5], L.v2), ...pair(L.t1, L.t3, [2, 3, 6, 7], L.v3),
    ...get(L.j), ...get(L.R), ...i32.mul, ...get(L.i), ...i32.add, ...i32.const(2), ...i32.shl, ...get(L.mat), ...get(L.dst), ...i32.add, ...i32.add, ...set(L.d),
    ...v.flatMap((x, k) => [...get(L.d), ...(k ? [...get(L.colB), ...i32.const(k), ...i32.mul, ...i32.add] : []), ...get(x), ...v128.store()]),
  ];
  // One value: dst[j·R + i] = src[i·C + j].
  const one = [
    ...get(L.j), ...get(L.R), ...i32.mul, ...get(L.i), ...i32.add, ...i32.const(2), ...i32.shl, ...get(L.mat), ...get(L.dst), ...i32.add, ...i32.add,
    ...get(L.i), ...get(L.C), ...i32.mul, ...get(L.j), ...i32.add, ...i32.const(2), ...i32.shl, ...get(L.mat), ...get(L.src), ...i32.add, ...i32.add,
    ...f32.load(), ...f32.store(),
  ];
  const body = [
    ...get(L.R), ...i32.const(-4), ...i32.and, ...set(L.r4),
    ...get(L.C), ...i32.const(-4), ...i32.and, ...set(L.c4),
    ...get(L.C), ...i32.const(2), ...i32.shl, ...set(L.rowB),
    ...get(L.R), ...i32.const(2), ...i32.shl, ...set(L.colB),
    ...i32.const(0), ...set(L.mat),
    ...forLoop(L.b, i32.const(0), get(L.B), 1,
      forLoop(L.i, i32.const(0), get(L.r4), 4,
        forLoop(L.j, i32.const(0), get(L.c4), 4, block),
        // The columns past the last whole group of four, for these four rows.
        forLoop(L.k, i32.const(0), i32.const(4), 1,
          [...get(L.i), ...set(L.s)],
          addTo(L.i, get(L.k)),
          forLoop(L.j, get(L.c4), get(L.C), 1, one),
          [...get(L.s), ...set(L.i)],
        ),
      ),
      // The rows past the last whole group of four.
      forLoop(L.i, get(L.r4), get(L.R), 1, forLoop(L.j, i32.const(0), get(L.C), 1, one)),
      addTo(L.mat, [...get(L.R), ...get(L.C), ...i32.mul, ...i32.const(2), ...i32.shl]),
    ),
  ];
  return { name: 'transpose', params: T.params, locals: T.locals, body };
}

/** Our Transpose around the backend's own (`original`). */
export function transposeConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<TransposeArgs>(original, (args, fallback) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const m = x.dtype === 'float32' ? asMatrices(x.shape, attrs.perm) : null;
    if (!m || util.sizeFromShape(x.shape) === 0) return fallback(args);
    const out = backend.makeOutput(attrs.perm.map((p) => x.shape[p]!), 'float32');
    const { exports } = bindModule(backend, 'transpose', () => [transposeFunction()]);
    (exports.transpose as (...a: number[]) => void)(heapOffset(backend, x, 'Transpose'), heapOffset(backend, out, 'Transpose'), m.B, m.R, m.C);
    return out;
  });
}
