/**
 * MaxPoolGrad for the WASM backend, replacing TF.js 4.22's own (its C++ loop took as long as
 * the whole LeNet-5 conv2 weight gradient). Each pooling window sends its upstream gradient
 * to the first position holding the window's maximum (row-major within the window, as the
 * CPU backend chooses), one pass over the windows with the channels innermost.
 * (Pool dilation is always 1 in TF.js's MaxPoolGrad.)
 */
import { backend_util, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, heapOffset, type WasmBackendLike } from './common.js';
import { F32, I32, V128, addTo, bindModule, channelBytes, f32, forLoop, frame, get, i32, ifElse, select, set, tee, v128, when, type Code, type WasmFunction } from './emit.js';

// The windows as a WebAssembly SIMD loop nest, four channels at a time: in JavaScript (a scalar
// running maximum per window and channel) LeNet-5's two pools took 4.4 ms of a 48 ms step.
const MPG = frame(
  ['x', 'g', 'dx', 'N', 'H', 'W', 'C', 'Ho', 'Wo', 'fh', 'fw', 'sh', 'sw', 'pt', 'pl'] as const,
  {
    n: I32, oh: I32, ow: I32, kh: I32, kw: I32, ih: I32, iw: I32, c: I32, pix: I32, vend: I32, img: I32,
    xb: I32, db: I32, gp: I32, off: I32, first: I32, at: I32, lane: I32,
    best: V128, bestAt: V128, v: V128, m: V128, gv: V128, bestS: F32, vS: F32, idx: V128,
  },
);

/**
 * The loop nest both functions share: pix (bytes per pixel), vend (bytes of whole groups of
 * four channels) and img (bytes per image) set, then `setup`; per image, xb and db point at its
 * x and dx; per window (oh, ow), `window` runs with gp at the window's dy.
 */
function overWindows(setup: Code, window: Code[]): Code {
  const L = MPG.at;
  return [
    ...channelBytes(L.C, L.pix, L.vend),
    ...get(L.H), ...get(L.W), ...i32.mul, ...get(L.pix), ...i32.mul, ...set(L.img),
    ...setup,
    ...get(L.g), ...set(L.gp),
    ...forLoop(L.n, i32.const(0), get(L.N), 1,
      [...get(L.n), ...get(L.img), ...i32.mul, ...tee(L.xb), ...get(L.dx), ...i32.add, ...set(L.db)],
      [...get(L.xb), ...get(L.x), ...i32.add, ...set(L.xb)],
      forLoop(L.oh, i32.const(0), get(L.Ho), 1, forLoop(L.ow, i32.const(0), get(L.Wo), 1, ...window, addTo(L.gp, get(L.pix)))),
    ),
  ];
}

/**
 * For each window (n, oh, ow) and channel, the first tap in row-major order holding the
 * window's maximum (a later tap wins only when strictly greater, as the CPU backend's scalar
 * loop) receives the window's upstream gradient; dx (zeroed by the caller) gets the additions
 * window by window, channel by channel, as that loop does. `taps` visits the window's taps
 * inside the image, with `off` = the tap's byte offset within the image.
 */
function maxPoolGradFunction(): WasmFunction {
  const L = MPG.at;
  const taps = (...body: Code[]): Code =>
    forLoop(L.kh, i32.const(0), get(L.fh), 1,
      [...get(L.oh), ...get(L.sh), ...i32.mul, ...get(L.pt), ...i32.sub, ...get(L.kh), ...i32.add, ...set(L.ih)],
      when([...get(L.ih), ...get(L.H), ...i32.ltU],
        forLoop(L.kw, i32.const(0), get(L.fw), 1,
          [...get(L.ow), ...get(L.sw), ...i32.mul, ...get(L.pl), ...i32.sub, ...get(L.kw), ...i32.add, ...set(L.iw)],
          when([...get(L.iw), ...get(L.W), ...i32.ltU],
            [...get(L.ih), ...get(L.W), ...i32.mul, ...get(L.iw), ...i32.add, ...get(L.pix), ...i32.mul, ...get(L.c), ...i32.add, ...set(L.off)],
            ...body,
          ),
        ),
      ),
    );
  const xAt = [...get(L.xb), ...get(L.off), ...i32.add];
  // Four channels: best and bestAt per lane, then the four scattered additions in lane order.
  const four = [
    ...i32.const(1), ...set(L.first),
    ...taps(
      [...xAt, ...v128.load(), ...set(L.v)],
      ifElse(get(L.first),
        [[...get(L.v), ...set(L.best), ...get(L.off), ...v128.i32x4Splat, ...set(L.bestAt), ...i32.const(0), ...set(L.first)]],
        [[
          ...get(L.v), ...get(L.best), ...v128.f32x4Gt, ...set(L.m),
          ...get(L.v), ...get(L.best), ...get(L.m), ...v128.bitselect, ...set(L.best),
          ...get(L.off), ...v128.i32x4Splat, ...get(L.bestAt), ...get(L.m), ...v128.bitselect, ...set(L.bestAt),
        ]],
      ),
    ),
    ...when([...get(L.first), ...i32.eqz],
      [...get(L.gp), ...get(L.c), ...i32.add, ...v128.load(), ...set(L.gv)],
      ...[0, 1, 2, 3].map((lane) => [
        ...get(L.db), ...get(L.bestAt), ...v128.i32x4ExtractLane(lane), ...i32.add, ...set(L.at),
        ...get(L.at), ...get(L.at), ...f32.load(4 * lane), ...get(L.gv), ...v128.f32x4ExtractLane(lane), ...f32.add, ...f32.store(4 * lane),
      ]),
    ),
  ];
  // One channel (those past the last group of four).
  const one = [
    ...i32.const(1), ...set(L.first),
    ...taps(
      [...xAt, ...f32.load(), ...set(L.vS)],
      ifElse([...get(L.first), ...get(L.vS), ...get(L.bestS), ...f32.gt, ...i32.or],
        [[...get(L.vS), ...set(L.bestS), ...get(L.off), ...set(L.at), ...i32.const(0), ...set(L.first)]],
        [],
      ),
    ),
    ...when([...get(L.first), ...i32.eqz],
      [...get(L.db), ...get(L.at), ...i32.add, ...set(L.at)],
      [...get(L.at), ...get(L.at), ...f32.load(), ...get(L.gp), ...get(L.c), ...i32.add, ...f32.load(), ...f32.add, ...f32.store()],
    ),
  ];
  const body = overWindows([], [forLoop(L.c, i32.const(0), get(L.vend), 16, four), forLoop(L.c, get(L.vend), get(L.pix), 4, one)]);
  return { name: 'maxPoolGrad', params: MPG.params, locals: MPG.locals, body };
}

/**
 * Windows that tile the input (stride = window, no padding: every pool of LeNet-5 and most
 * CNNs): each input element is in one window at most, so dx is written, not accumulated. Per
 * window and four channels, the winning tap's index is kept per lane; a second pass stores the
 * gradient at the winner and 0 at the other taps. No zeroing pass and no scattered additions.
 * The window's taps are unrolled (one function per window size, at most MAX_TILED_TAPS taps),
 * their byte offsets within the window computed once.
 */
export const MAX_TILED_TAPS = 16;

function maxPoolGradTiledFunction(fh: number, fw: number): WasmFunction {
  const L = MPG.at;
  const T = fh * fw;
  const tapOff = Array.from({ length: T }, (_, j) => MPG.params.length + MPG.locals.length + j);
  const at = (base: number, j: number): Code => [...get(base), ...get(L.off), ...i32.add, ...get(tapOff[j]!), ...i32.add];
  const four = [
    ...at(L.xb, 0), ...v128.load(), ...set(L.best),
    ...i32.const(0), ...v128.i32x4Splat, ...set(L.idx),
    ...Array.from({ length: T - 1 }, (_, i) => [
      ...at(L.xb, i + 1), ...v128.load(), ...set(L.v),
      ...get(L.v), ...get(L.best), ...v128.f32x4Gt, ...set(L.m),
      ...get(L.v), ...get(L.best), ...get(L.m), ...v128.bitselect, ...set(L.best),
      ...i32.const(i + 1), ...v128.i32x4Splat, ...get(L.idx), ...get(L.m), ...v128.bitselect, ...set(L.idx),
    ]).flat(),
    ...get(L.gp), ...get(L.c), ...i32.add, ...v128.load(), ...set(L.gv),
    ...Array.from({ length: T }, (_, j) => [
      ...at(L.db, j),
      ...get(L.gv), ...v128.zero, ...get(L.idx), ...i32.const(j), ...v128.i32x4Splat, ...v128.i32x4Eq, ...v128.bitselect, ...v128.store(),
    ]).flat(),
  ];
  // One channel: `first` holds the winning tap's index here.
  const one = [
    ...at(L.xb, 0), ...f32.load(), ...set(L.bestS),
    ...i32.const(0), ...set(L.first),
    ...Array.from({ length: T - 1 }, (_, i) => [
      ...at(L.xb, i + 1), ...f32.load(), ...set(L.vS),
      ...when([...get(L.vS), ...get(L.bestS), ...f32.gt], [...get(L.vS), ...set(L.bestS), ...i32.const(i + 1), ...set(L.first)]),
    ]).flat(),
    ...Array.from({ length: T }, (_, j) => [
      ...at(L.db, j),
      ...get(L.gp), ...get(L.c), ...i32.add, ...f32.load(), ...f32.zero, ...get(L.first), ...i32.const(j), ...i32.eq, ...select, ...f32.store(),
    ]).flat(),
  ];
  // Tap (kh, kw) lies (kh·W + kw)·C·4 bytes after the window's first element.
  const offsets = tapOff.flatMap((t, j) => [...i32.const(Math.floor(j / fw)), ...get(L.W), ...i32.mul, ...i32.const(j % fw), ...i32.add, ...get(L.pix), ...i32.mul, ...set(t)]);
  const body = overWindows(offsets, [
    // The window's first element: (oh·fh·W + ow·fw)·C·4 bytes into the image.
    [...get(L.oh), ...get(L.fh), ...i32.mul, ...get(L.W), ...i32.mul, ...get(L.ow), ...get(L.fw), ...i32.mul, ...i32.add, ...get(L.pix), ...i32.mul, ...set(L.ih)],
    forLoop(L.c, i32.const(0), get(L.vend), 16, [...get(L.ih), ...get(L.c), ...i32.add, ...set(L.off)], four),
    forLoop(L.c, get(L.vend), get(L.pix), 4, [...get(L.ih), ...get(L.c), ...i32.add, ...set(L.off)], one),
  ]);
  return { name: 'maxPoolGradTiled', params: MPG.params, locals: [...MPG.locals, ...tapOff.map(() => I32)], body };
}

function maxPoolGrad(args: { inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo }; backend: WasmBackendLike; attrs: MaxPoolGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = backend.makeOutput(input.shape, 'float32');
  const { top, bottom, left, right } = info.padInfo;
  const tiled =
    info.strideHeight === info.filterHeight && info.strideWidth === info.filterWidth && top + bottom + left + right === 0 && info.filterHeight * info.filterWidth <= MAX_TILED_TAPS;
  // Elements no window covers (and, when windows overlap, all: their gradients are summed).
  if (!tiled || info.outHeight * info.filterHeight < info.inHeight || info.outWidth * info.filterWidth < info.inWidth) heapF32(backend, out).fill(0);
  const { exports } = tiled
    ? bindModule(backend, `maxPoolGradTiled${info.filterHeight}x${info.filterWidth}`, () => [maxPoolGradTiledFunction(info.filterHeight, info.filterWidth)])
    : bindModule(backend, 'maxPoolGrad', () => [maxPoolGradFunction()]);
  const [x, g, dx] = [input, dy, out].map((t) => heapOffset(backend, t, 'MaxPoolGrad'));
  (exports[tiled ? 'maxPoolGradTiled' : 'maxPoolGrad'] as (...a: number[]) => void)(
    x!, g!, dx!, info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  return out;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};
