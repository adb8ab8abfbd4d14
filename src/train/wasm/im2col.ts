/**
 * Patch gathering for the convolution gradients: im2col (input pixels → one column per filter
 * tap) and its adjoint col2im (tap columns summed back into input pixels). Geometry comes from
 * TF.js's computeConv2DInfo (NHWC; filter taps ordered kh, kw, ci as in an HWIO filter).
 * Both work on a range of images so the callers can bound their scratch memory.
 */
import type { backend_util } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './common.js';
import { F32, I32, addTo, bindModule, f32, forLoop, frame, get, i32, ifElse, maxS, minS, set, tee, v128, when, type Code, type WasmFunction } from './emit.js';

export interface ImageRange {
  /** First image (inclusive) and last image (exclusive) of the batch. */
  n0: number;
  n1: number;
}

// The transposed im2col as a WebAssembly loop nest: in JavaScript it took 2.6 ms of a LeNet-5
// step (conv1's weight gradient, 0.9 M values). With one input channel and stride 1 a row of
// the matrix is a run of the input row, copied four floats at a time.
const I2C = frame(
  ['x', 'out', 'n0', 'n1', 'H', 'W', 'Cin', 'Ho', 'Wo', 'fh', 'fw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl'] as const,
  { kh: I32, kw: I32, ci: I32, n: I32, oh: I32, ow: I32, ih: I32, iw: I32, row: I32, dst: I32, lo: I32, hi: I32, pix: I32, end: I32, src: I32 },
);

function im2colTransposedFunction(): WasmFunction {
  const L = I2C.at;
  const zero = (from: Code, to: Code): Code => forLoop(L.ow, from, to, 1, [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add, ...f32.zero, ...f32.store()]);
  const clamp = (v: Code, lo: Code, hi: Code): Code => minS(maxS(v, lo), hi);
  // iw of the first tap column (ow = 0): kw·dw − pl; with stride 1 the valid ow are [pl − kw·dw, W + pl − kw·dw).
  const iw0 = [...get(L.kw), ...get(L.dw), ...i32.mul, ...get(L.pl), ...i32.sub];
  // The run of valid columns, per tap column (kw): [lo, hi), whole groups of four up to `end`.
  const columns = [
    ...clamp([...i32.const(0), ...iw0, ...i32.sub], i32.const(0), get(L.Wo)), ...set(L.lo),
    ...clamp([...get(L.W), ...iw0, ...i32.sub], get(L.lo), get(L.Wo)), ...set(L.hi),
    ...get(L.hi), ...get(L.lo), ...i32.sub, ...i32.const(-4), ...i32.and, ...get(L.lo), ...i32.add, ...set(L.end),
  ];
  const run = [
    ...zero(i32.const(0), get(L.lo)),
    // src = row + iw0·4 − dst (so dst + ow·4 + src reads column ow); copy [lo, hi) four at a time, then one at a time.
    ...get(L.row), ...iw0, ...i32.const(2), ...i32.shl, ...i32.add, ...get(L.dst), ...i32.sub, ...set(L.src),
    ...forLoop(L.ow, get(L.lo), get(L.end), 4, [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add, ...tee(L.iw), ...get(L.iw), ...get(L.src), ...i32.add, ...v128.load(), ...v128.store()]),
    ...forLoop(L.ow, get(L.end), get(L.hi), 1, [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add, ...tee(L.iw), ...get(L.iw), ...get(L.src), ...i32.add, ...f32.load(), ...f32.store()]),
    ...zero(get(L.hi), get(L.Wo)),
  ];
  const gather = forLoop(L.ow, i32.const(0), get(L.Wo), 1,
    [...get(L.ow), ...get(L.sw), ...i32.mul, ...iw0, ...i32.add, ...set(L.iw)],
    [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add],
    ifElse([...get(L.iw), ...get(L.W), ...i32.ltU], [[...get(L.row), ...get(L.iw), ...get(L.pix), ...i32.mul, ...i32.add, ...f32.load()]], [f32.zero], [F32]),
    f32.store(),
  );
  const body = [
    ...get(L.Cin), ...i32.const(2), ...i32.shl, ...set(L.pix),
    ...get(L.out), ...set(L.dst),
    ...forLoop(L.kh, i32.const(0), get(L.fh), 1,
      forLoop(L.kw, i32.const(0), get(L.fw), 1,
        columns,
        forLoop(L.ci, i32.const(0), get(L.Cin), 1,
          forLoop(L.n, get(L.n0), get(L.n1), 1,
            forLoop(L.oh, i32.const(0), get(L.Ho), 1,
              [...get(L.oh), ...get(L.sh), ...i32.mul, ...get(L.pt), ...i32.sub, ...get(L.kh), ...get(L.dh), ...i32.mul, ...i32.add, ...set(L.ih)],
              ifElse([...get(L.ih), ...get(L.H), ...i32.ltU],
                [
                  [...get(L.x), ...get(L.n), ...get(L.H), ...i32.mul, ...get(L.ih), ...i32.add, ...get(L.W), ...i32.mul, ...get(L.pix), ...i32.mul, ...i32.add, ...get(L.ci), ...i32.const(2), ...i32.shl, ...i32.add, ...set(L.row)],
                  ifElse([...get(L.Cin), ...i32.const(1), ...i32.eq, ...get(L.sw), ...i32.const(1), ...i32.eq, ...i32.and], [run], [gather]),
                ],
                [zero(i32.const(0), get(L.Wo))],
              ),
              addTo(L.dst, [...get(L.Wo), ...i32.const(2), ...i32.shl]),
            ),
          ),
        ),
      ),
    ),
  ];
  return { name: 'im2colT', params: I2C.params, locals: I2C.locals, body };
}

/**
 * patchesT[k, r] = x[n, ih, iw, ci] (0 outside the image), k = (kh·fw + kw)·Cin + ci,
 * r = ((n − n0)·Ho + oh)·Wo + ow: the transposed im2col matrix [K, R], written in full.
 * `x` and `patchesT` are byte offsets of float32 tensors in the backend's WASM heap.
 */
export function im2colTransposed(backend: WasmBackendLike, info: backend_util.Conv2DInfo, x: number, patchesT: number, { n0, n1 }: ImageRange): void {
  const { exports } = bindModule(backend, 'im2colT', () => [im2colTransposedFunction()]);
  const { inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  (exports.im2colT as (...a: number[]) => void)(x, patchesT, n0, n1, H, W, Cin, Ho, Wo, fh, fw, sh, sw, dh, dw, info.padInfo.top, info.padInfo.left);
}

/**
 * Which filter taps read which input pixels, per output pixel, for one image (the same for
 * every image of the batch): output pixel p = oh·Wo + ow reads input pixel `pixel[j]`
 * (= ih·W + iw) through tap `tap[j]` (= kh·fw + kw) for j in [start[p], start[p + 1]).
 * Taps falling into the padding are left out, so the loops over it need no bounds checks.
 */
export interface TapTable {
  start: Int32Array;
  pixel: Int32Array;
  tap: Int32Array;
}

export function tapTable(info: backend_util.Conv2DInfo): TapTable {
  const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const start = new Int32Array(Ho * Wo + 1);
  const pixel: number[] = [];
  const tap: number[] = [];
  for (let oh = 0; oh < Ho; oh++) {
    for (let ow = 0; ow < Wo; ow++) {
      for (let kh = 0; kh < fh; kh++) {
        const ih = oh * sh - pt + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < fw; kw++) {
          const iw = ow * sw - pl + kw * dw;
          if (iw < 0 || iw >= W) continue;
          pixel.push(ih * W + iw);
          tap.push(kh * fw + kw);
        }
      }
      start[oh * Wo + ow + 1] = pixel.length;
    }
  }
  return { start, pixel: Int32Array.from(pixel), tap: Int32Array.from(tap) };
}

// Loops over every (output pixel, filter tap inside the image) pair as WebAssembly SIMD, the
// channels four at a time: col2im (in JavaScript it took 6.5 ms of a 48 ms LeNet-5 step,
// conv2's input gradient) and the two depthwise gradients with one output per channel.
const TAPS = frame(
  ['a', 'b', 'out', 'n0', 'n1', 'H', 'W', 'C', 'Ho', 'Wo', 'fh', 'fw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'rowBytes'] as const,
  { n: I32, oh: I32, ow: I32, kh: I32, kw: I32, ih: I32, iw: I32, row: I32, img: I32, px: I32, tp: I32, c: I32, pix: I32, vend: I32, imgBytes: I32 },
);

/**
 * What a (pixel, tap) pair does, per group of channels at byte offset c: `row` points at the
 * output pixel's row of `a` (rowBytes apart), `img` at its image in `out` and `b` (for x),
 * `px` is the input pixel's byte offset within the image, `tp` the tap's (kh·fw + kw)·C·4.
 */
type TapKind = 'col2im' | 'depthwiseInput' | 'depthwiseFilter';

function tapLoopFunction(kind: TapKind): WasmFunction {
  const L = TAPS.at;
  const at = (...parts: number[]): Code => [...parts.flatMap((p, i) => (i === 0 ? get(p) : [...get(p), ...i32.add])), ...get(L.c), ...i32.add];
  // [destination address, value] of each kind, for a vector (v) or scalar (f) lane group.
  const terms = (load: Code, mul: Code): [Code, Code] => {
    if (kind === 'col2im') return [at(L.img, L.px), [...at(L.row, L.tp), ...load]]; // dx[pixel] += cols[r, tap]
    if (kind === 'depthwiseInput') return [at(L.img, L.px), [...at(L.row), ...load, ...at(L.b, L.tp), ...load, ...mul]]; // dx[pixel] += dy[r]·W[tap]
    return [at(L.out, L.tp), [...at(L.b, L.img, L.px), ...load, ...at(L.row), ...load, ...mul]]; // dW[tap] += x[pixel]·dy[r]
  };
  const update = (load: Code, store: Code, add: Code, mul: Code): Code => {
    const [dst, value] = terms(load, mul);
    return [...dst, ...dst, ...load, ...value, ...add, ...store];
  };
  const vec = update(v128.load(), v128.store(), v128.f32x4Add, v128.f32x4Mul);
  const one = update(f32.load(), f32.store(), f32.add, f32.mul);
  const body = [
    // pix = C·4 bytes per pixel; vend = the bytes of whole 4-lane groups; imgBytes per image.
    ...get(L.C), ...i32.const(2), ...i32.shl, ...set(L.pix),
    ...get(L.C), ...i32.const(-4), ...i32.and, ...i32.const(2), ...i32.shl, ...set(L.vend),
    ...get(L.H), ...get(L.W), ...i32.mul, ...get(L.pix), ...i32.mul, ...set(L.imgBytes),
    ...get(L.a), ...set(L.row),
    ...forLoop(L.n, get(L.n0), get(L.n1), 1,
      // img: image n of dx (out), or its offset in x (b) for dW, which has no image axis.
      [...(kind === 'depthwiseFilter' ? i32.const(0) : get(L.out)), ...get(L.n), ...get(L.imgBytes), ...i32.mul, ...i32.add, ...set(L.img)],
      forLoop(L.oh, i32.const(0), get(L.Ho), 1,
        forLoop(L.ow, i32.const(0), get(L.Wo), 1,
          forLoop(L.kh, i32.const(0), get(L.fh), 1,
            [...get(L.oh), ...get(L.sh), ...i32.mul, ...get(L.pt), ...i32.sub, ...get(L.kh), ...get(L.dh), ...i32.mul, ...i32.add, ...set(L.ih)],
            when([...get(L.ih), ...get(L.H), ...i32.ltU],
              forLoop(L.kw, i32.const(0), get(L.fw), 1,
                [...get(L.ow), ...get(L.sw), ...i32.mul, ...get(L.pl), ...i32.sub, ...get(L.kw), ...get(L.dw), ...i32.mul, ...i32.add, ...set(L.iw)],
                when([...get(L.iw), ...get(L.W), ...i32.ltU],
                  [...get(L.ih), ...get(L.W), ...i32.mul, ...get(L.iw), ...i32.add, ...get(L.pix), ...i32.mul, ...set(L.px)],
                  [...get(L.kh), ...get(L.fw), ...i32.mul, ...get(L.kw), ...i32.add, ...get(L.pix), ...i32.mul, ...set(L.tp)],
                  forLoop(L.c, i32.const(0), get(L.vend), 16, vec),
                  forLoop(L.c, get(L.vend), get(L.pix), 4, one),
                ),
              ),
            ),
          ),
          addTo(L.row, get(L.rowBytes)),
        ),
      ),
    ),
  ];
  return { name: kind, params: TAPS.params, locals: TAPS.locals, body };
}

/**
 * One of the tap loops over images n0…n1 − 1 (byte offsets of float32 tensors in the backend's
 * heap; `a` starts at image n0's first row). Accumulates into `out`, which the caller zeroes.
 * Per destination element, the additions come in the order of the output pixels, then the
 * taps (kh, kw), each as float32 (products rounded first).
 */
export function tapLoop(backend: WasmBackendLike, kind: TapKind, info: backend_util.Conv2DInfo, buffers: { a: number; b: number; out: number }, { n0, n1 }: ImageRange): void {
  const { exports } = bindModule(backend, `tapLoop-${kind}`, () => [tapLoopFunction(kind)]);
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const rowBytes = (kind === 'col2im' ? fh * fw * C : C) * 4;
  (exports[kind] as (...a: number[]) => void)(buffers.a, buffers.b, buffers.out, n0, n1, H, W, C, Ho, Wo, fh, fw, sh, sw, dh, dw, info.padInfo.top, info.padInfo.left, rowBytes);
}

/**
 * dx[n, ih, iw, ci] = Σ over the taps that read it of cols[r, k] (the adjoint of im2col; cols is
 * [R, K] with the row and tap order of im2colTransposed, R covering images n0…n1 − 1), summed
 * in the order of r, then the taps (kh, kw), as float32: the same additions in the same order
 * as a scalar loop. Zeroes the range's images first. `cols` and `dx` are byte offsets of
 * float32 tensors in the backend's WASM heap.
 */
export function col2im(backend: WasmBackendLike, info: backend_util.Conv2DInfo, cols: number, dx: number, range: ImageRange): void {
  const image = info.inHeight * info.inWidth * info.inChannels;
  new Float32Array(bindModule(backend, 'tapLoop-col2im', () => [tapLoopFunction('col2im')]).memory.buffer, dx, range.n1 * image).fill(0, range.n0 * image);
  tapLoop(backend, 'col2im', info, { a: cols, b: 0, out: dx }, range);
}

/** Scratch bound of the patch-based kernels: at most this many floats of patches per chunk (16 MB). */
export const PATCH_SCRATCH = { maxFloats: 4 * 1024 * 1024 };

/** Images per chunk so that one image range's patch matrix stays under PATCH_SCRATCH.maxFloats. */
export function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.floor(PATCH_SCRATCH.maxFloats / Math.max(1, perImage)));
}
