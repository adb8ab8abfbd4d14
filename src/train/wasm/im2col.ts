/**
 * Patch gathering for the convolution gradients: im2col (input pixels → one column per filter
 * tap) and its adjoint col2im (tap columns summed back into input pixels). Geometry comes from
 * TF.js's computeConv2DInfo (NHWC; filter taps ordered kh, kw, ci as in an HWIO filter).
 * Both work on a range of images so the callers can bound their scratch memory.
 */
import type { backend_util } from '@tensorflow/tfjs-core';
import { heapF32At, type WasmBackendLike } from './common.js';
import { F32, I32, addTo, bindModule, channelBytes, f32, forLoop, frame, get, i32, ifElse, maxS, minS, set, tee, v128, when, type Code, type WasmFunction } from './emit.js';

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
  { kh: I32, kw: I32, ci: I32, n: I32, oh: I32, ow: I32, ih: I32, iw: I32, row: I32, dst: I32, lo: I32, hi: I32, pix: I32, end: I32, src: I32, full: I32 },
);

/** Output widths up to this get their row copies unrolled, with constant offsets. */
const UNROLLED_WIDTH = 32;

/**
 * `width`: the layer's Wo when it is at most UNROLLED_WIDTH; rows that lie wholly inside the
 * image are then copied by a straight run of loads and stores (LeNet-5's conv2 as channel-major
 * planes: 256 K rows of 8 floats, where the loops' overhead was most of the time).
 */
function im2colTransposedFunction(width?: number): WasmFunction {
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
    ...get(L.lo), ...i32.eqz, ...get(L.hi), ...get(L.Wo), ...i32.eq, ...i32.and, ...set(L.full),
  ];
  const general = [
    ...zero(i32.const(0), get(L.lo)),
    // src = row + iw0·4 − dst (so dst + ow·4 + src reads column ow); copy [lo, hi) four at a time, then one at a time.
    ...get(L.row), ...iw0, ...i32.const(2), ...i32.shl, ...i32.add, ...get(L.dst), ...i32.sub, ...set(L.src),
    ...forLoop(L.ow, get(L.lo), get(L.end), 4, [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add, ...tee(L.iw), ...get(L.iw), ...get(L.src), ...i32.add, ...v128.load(), ...v128.store()]),
    ...forLoop(L.ow, get(L.end), get(L.hi), 1, [...get(L.dst), ...get(L.ow), ...i32.const(2), ...i32.shl, ...i32.add, ...tee(L.iw), ...get(L.iw), ...get(L.src), ...i32.add, ...f32.load(), ...f32.store()]),
    ...zero(get(L.hi), get(L.Wo)),
  ];
  const straight = (w: number): Code => [
    ...get(L.row), ...iw0, ...i32.const(2), ...i32.shl, ...i32.add, ...set(L.src),
    ...Array.from({ length: w >> 2 }, (_, g) => [...get(L.dst), ...get(L.src), ...v128.load(16 * g), ...v128.store(16 * g)]).flat(),
    ...Array.from({ length: w & 3 }, (_, l) => [...get(L.dst), ...get(L.src), ...f32.load(16 * (w >> 2) + 4 * l), ...f32.store(16 * (w >> 2) + 4 * l)]).flat(),
  ];
  const run = width === undefined ? general : ifElse(get(L.full), [straight(width)], [general]);
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
  const width = info.outWidth <= UNROLLED_WIDTH ? info.outWidth : undefined;
  const { exports } = bindModule(backend, `im2colT-${width ?? 'any'}`, () => [im2colTransposedFunction(width)]);
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
  { n: I32, oh: I32, ow: I32, kh: I32, kw: I32, ih: I32, iw: I32, row: I32, img: I32, px: I32, tp: I32, c: I32, pix: I32, vend: I32, imgBytes: I32, dA: I32, sA: I32, sB: I32 },
);

/**
 * What a (pixel, tap) pair does, per group of channels at byte offset c: `row` points at the
 * output pixel's row of `a` (rowBytes apart), `img` at its image in `out` and `b` (for x),
 * `px` is the input pixel's byte offset within the image, `tp` the tap's (kh·fw + kw)·C·4.
 */
type TapKind = 'col2im' | 'depthwiseInput' | 'depthwiseFilter';

/** Channel counts up to this get their groups of four unrolled, with constant offsets. */
const UNROLLED_CHANNELS = 64;

function tapLoopFunction(kind: TapKind, channels?: number): WasmFunction {
  const L = TAPS.at;
  const sum = (...parts: number[]): Code => parts.flatMap((p, i) => (i === 0 ? get(p) : [...get(p), ...i32.add]));
  // Per (pixel, tap): the destination's base address (dA) and the sources' (sA, sB).
  const bases: Code =
    kind === 'col2im' // dx[pixel] += cols[r, tap]
      ? [...sum(L.img, L.px), ...set(L.dA), ...sum(L.row, L.tp), ...set(L.sA)]
      : kind === 'depthwiseInput' // dx[pixel] += dy[r]·W[tap]
        ? [...sum(L.img, L.px), ...set(L.dA), ...get(L.row), ...set(L.sA), ...sum(L.b, L.tp), ...set(L.sB)]
        : [...sum(L.out, L.tp), ...set(L.dA), ...sum(L.b, L.img, L.px), ...set(L.sA), ...get(L.row), ...set(L.sB)]; // dW[tap] += x[pixel]·dy[r]
  // dst += value at byte offset `off` past the bases (plus c when the channels are looped over).
  const update = (off: number, looped: boolean, vector: boolean): Code => {
    const [load, store, add, mul] = vector ? [v128.load(off), v128.store(off), v128.f32x4Add, v128.f32x4Mul] : [f32.load(off), f32.store(off), f32.add, f32.mul];
    const at = (base: number): Code => (looped ? [...get(base), ...get(L.c), ...i32.add] : get(base));
    const value = kind === 'col2im' ? [...at(L.sA), ...load] : [...at(L.sA), ...load, ...at(L.sB), ...load, ...mul];
    return [...at(L.dA), ...at(L.dA), ...load, ...value, ...add, ...store];
  };
  const channelsCode: Code[] =
    channels === undefined
      ? [forLoop(L.c, i32.const(0), get(L.vend), 16, update(0, true, true)), forLoop(L.c, get(L.vend), get(L.pix), 4, update(0, true, false))]
      : [
          ...Array.from({ length: channels >> 2 }, (_, g) => update(16 * g, false, true)),
          ...Array.from({ length: channels & 3 }, (_, l) => update(16 * (channels >> 2) + 4 * l, false, false)),
        ];
  const body = [
    // pix = C·4 bytes per pixel; vend = the bytes of whole 4-lane groups; imgBytes per image.
    ...channelBytes(L.C, L.pix, L.vend),
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
                  bases,
                  ...channelsCode,
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
  const channels = info.inChannels <= UNROLLED_CHANNELS ? info.inChannels : undefined;
  const { exports } = bindModule(backend, `tapLoop-${kind}-${channels ?? 'any'}`, () => [tapLoopFunction(kind, channels)]);
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
  heapF32At(backend, dx, range.n1 * image).fill(0, range.n0 * image);
  tapLoop(backend, 'col2im', info, { a: cols, b: 0, out: dx }, range);
}

/** Scratch bound of the patch-based kernels: at most this many floats of patches per chunk (16 MB). */
export const PATCH_SCRATCH = { maxFloats: 4 * 1024 * 1024 };

/** Images per chunk so that one image range's patch matrix stays under PATCH_SCRATCH.maxFloats. */
export function imagesPerChunk(info: backend_util.Conv2DInfo): number {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  return Math.max(1, Math.floor(PATCH_SCRATCH.maxFloats / Math.max(1, perImage)));
}
