/**
 * The convolution weight gradient computed directly, for layers with few taps (K = kh·kw·Cin):
 *   dW[k, co] = Σ_{n, oh, ow} x[n, oh·sh + kh·dh, ow·sw + kw·dw, ci] · dy[n, oh, ow, co].
 * As a product (patchesᵀ · dy) the contraction runs over every output pixel of the batch, and
 * XNNPACK packs its second operand, dy, on every call: for LeNet-5's conv1 ([64,24,24,20], 0.7 M
 * values) packing took 2.4 ms of the product's 3.5 ms, and gathering the patches 0.4 ms more.
 * Here a WebAssembly SIMD loop keeps two taps' sums over all output channels in registers and
 * reads each dy row once for both: per output pixel, two broadcast inputs, Cout/4 loads and
 * Cout/2 multiply-adds. Each dW element is a float32 sum over the pixels in order (n, oh, ow).
 *
 * Used with Cout a multiple of 4 and at most 4·MAX_GROUPS output channels (the sums must stay
 * in registers); one module per group count. With padding, the loop reads a zero-padded copy
 * of the input, made by the caller.
 */
import type { backend_util } from '@tensorflow/tfjs-core';
import { I32, V128, addTo, bindModule, forLoop, frame, get, i32, set, v128, type Code, type WasmFunction } from './emit.js';
import type { WasmBackendLike } from './common.js';

/**
 * Output channel groups of four kept in registers: two taps a pass up to PAIR_GROUPS (2 × 6
 * sums + 2 inputs + 1 load), one tap a pass up to MAX_GROUPS.
 */
export const PAIR_GROUPS = 6;
export const MAX_GROUPS = 12;

/** Whether the direct loop applies (and pays: few taps, so patches would be tall and thin). */
export function directFilterGradFits(info: backend_util.Conv2DInfo): boolean {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  return info.outChannels % 4 === 0 && info.outChannels <= 4 * MAX_GROUPS && K <= 75;
}

const DIRECT = frame(
  ['x', 'dy', 'dw', 'N', 'rowStep', 'imageStep', 'pixelStep', 'Ho', 'Wo', 'rowBytes', 'off0', 'off1', 't0', 't1'] as const,
  { n: I32, oh: I32, ow: I32, xrow: I32, xb: I32, dyp: I32, ximg: I32, x0: V128, x1: V128, d: V128 },
);

function directFunction(groups: number, taps: 1 | 2): WasmFunction {
  const L = DIRECT.at;
  const sums = Array.from({ length: taps * groups }, (_, i) => DIRECT.params.length + DIRECT.locals.length + i);
  const acc = (t: number, g: number): number => sums[t * groups + g]!;
  const xs = [L.x0, L.x1];
  const step: Code = [
    ...get(L.xb), ...get(L.off0), ...i32.add, ...v128.load32Splat(), ...set(L.x0),
    ...(taps === 2 ? [...get(L.xb), ...get(L.off1), ...i32.add, ...v128.load32Splat(), ...set(L.x1)] : []),
    ...Array.from({ length: groups }, (_, g) => [
      ...get(L.dyp), ...v128.load(16 * g), ...set(L.d),
      ...Array.from({ length: taps }, (_, t) => [...get(acc(t, g)), ...get(xs[t]!), ...get(L.d), ...v128.f32x4Mul, ...v128.f32x4Add, ...set(acc(t, g))]).flat(),
    ]).flat(),
    ...addTo(L.xb, get(L.pixelStep)),
    ...addTo(L.dyp, get(L.rowBytes)),
  ];
  const body = [
    ...sums.flatMap((s) => [...v128.zero, ...set(s)]),
    ...get(L.dy), ...set(L.dyp),
    ...get(L.x), ...set(L.ximg),
    ...forLoop(L.n, i32.const(0), get(L.N), 1,
      [...get(L.ximg), ...set(L.xrow)],
      forLoop(L.oh, i32.const(0), get(L.Ho), 1,
        [...get(L.xrow), ...set(L.xb)],
        forLoop(L.ow, i32.const(0), get(L.Wo), 1, step),
        addTo(L.xrow, get(L.rowStep)),
      ),
      addTo(L.ximg, get(L.imageStep)),
    ),
    ...Array.from({ length: taps }, (_, t) =>
      Array.from({ length: groups }, (_, g) => [...get([L.t0, L.t1][t]!), ...get(L.dw), ...i32.add, ...get(acc(t, g)), ...v128.store(16 * g)]).flat(),
    ).flat(),
  ];
  return { name: taps === 2 ? 'pair' : 'single', params: DIRECT.params, locals: [...DIRECT.locals, ...sums.map(() => V128)], body };
}

/** dW [K, Cout] (byte offset `dw`) from x and dy (byte offsets in the backend's heap); `info` without padding. */
export function directFilterGrad(backend: WasmBackendLike, info: backend_util.Conv2DInfo, x: number, dy: number, dw: number): void {
  const groups = info.outChannels / 4;
  const pairs = groups <= PAIR_GROUPS;
  const { exports } = bindModule(backend, `filterGradDirect${groups}`, () => (pairs ? [directFunction(groups, 2), directFunction(groups, 1)] : [directFunction(groups, 1)]));
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, outChannels: Cout } = info;
  const pix = Cin * 4;
  const common = [x, dy, dw, N, info.strideHeight * W * pix, H * W * pix, info.strideWidth * pix, Ho, Wo, Cout * 4];
  const K = info.filterHeight * info.filterWidth * Cin;
  const offset = (k: number): number => {
    const ci = k % Cin;
    const tap = (k - ci) / Cin;
    const kh = Math.floor(tap / info.filterWidth);
    const kw = tap % info.filterWidth;
    return (kh * info.dilationHeight * W + kw * info.dilationWidth) * pix + ci * 4;
  };
  const pair = exports.pair as (...a: number[]) => void;
  const single = exports.single as (...a: number[]) => void;
  let k = 0;
  for (; pairs && k + 1 < K; k += 2) pair(...common, offset(k), offset(k + 1), k * Cout * 4, (k + 1) * Cout * 4);
  for (; k < K; k++) single(...common, offset(k), 0, k * Cout * 4, 0);
}
