/**
 * The WebAssembly loops of our training kernels against scalar loops written here from their
 * definitions, bit for bit: each does the same float32 additions in the same order, so any
 * difference is an indexing bug (padding, strides, dilation, channel counts that are not a
 * multiple of 4, image ranges).
 */
import { describe, expect, it } from 'vitest';
import { backend_util } from '@tensorflow/tfjs-core';
import { initBackend, tf } from '../../src/train/backend.js';
import { heapOffset, type WasmBackendLike } from '../../src/train/wasm/common.js';
import { col2im, im2colTransposed, tapLoop } from '../../src/train/wasm/im2col.js';
import { directFilterGrad, directFilterGradFits } from '../../src/train/wasm/filter_grad_direct.js';
import { asMatrices } from '../../src/train/wasm/transpose.js';
import { Prng } from '../../src/util/prng.js';

function rand(n: number, seed: number): Float32Array {
  const r = new Prng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** Reference col2im: for each row r (image, output pixel) and tap (kh, kw, ci) in order. */
function col2imRef(info: backend_util.Conv2DInfo, cols: Float32Array, n0: number, n1: number): Float32Array {
  const { inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, filterHeight: fh, filterWidth: fw } = info;
  const dx = new Float32Array(n1 * H * W * Cin);
  let r = 0;
  for (let n = n0; n < n1; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++, r++) {
        for (let kh = 0; kh < fh; kh++) {
          for (let kw = 0; kw < fw; kw++) {
            const ih = oh * info.strideHeight - info.padInfo.top + kh * info.dilationHeight;
            const iw = ow * info.strideWidth - info.padInfo.left + kw * info.dilationWidth;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let ci = 0; ci < Cin; ci++) {
              const d = ((n * H + ih) * W + iw) * Cin + ci;
              dx[d] = Math.fround(dx[d]! + cols[(r * fh + kh) * fw * Cin + kw * Cin + ci]!);
            }
          }
        }
      }
    }
  }
  return dx;
}

const GEOMETRIES: { x: [number, number, number, number]; f: [number, number, number, number]; stride: number; pad: 'same' | 'valid'; dil: number }[] = [
  { x: [3, 12, 12, 20], f: [5, 5, 20, 50], stride: 1, pad: 'valid', dil: 1 }, // LeNet-5 conv2
  { x: [2, 9, 7, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same', dil: 1 },
  { x: [2, 10, 11, 6], f: [3, 5, 6, 2], stride: 2, pad: 'same', dil: 1 },
  { x: [2, 11, 11, 5], f: [3, 3, 5, 2], stride: 1, pad: 'same', dil: 2 },
  { x: [1, 8, 8, 1], f: [5, 5, 1, 3], stride: 3, pad: 'valid', dil: 1 },
  { x: [1, 5, 6, 66], f: [3, 3, 66, 2], stride: 1, pad: 'same', dil: 1 }, // more channels than are unrolled: the looped path
];

describe('WASM col2im', async () => {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackendLike;
  for (const g of GEOMETRIES) {
    it(`equals the scalar loop bit for bit: x ${g.x.join('x')}, filter ${g.f.join('x')}, stride ${g.stride}, ${g.pad}, dilation ${g.dil}`, () => {
      const info = backend_util.computeConv2DInfo(g.x, g.f, g.stride, g.dil, g.pad);
      const K = g.f[0] * g.f[1] * g.f[2];
      const N = g.x[0];
      for (const [n0, n1] of [[0, N], [N - 1, N]] as const) {
        const R = (n1 - n0) * info.outHeight * info.outWidth;
        const cols = tf.tensor2d(rand(R * K, 7 + n0), [R, K]);
        // Filled with garbage: col2im zeroes the images of its range, and only those.
        const dx = tf.fill(g.x, 3.5);
        col2im(backend, info, heapOffset(backend, cols), heapOffset(backend, dx), { n0, n1 });
        const got = dx.dataSync();
        const want = col2imRef(info, cols.dataSync() as Float32Array, n0, n1);
        const image = g.x[1] * g.x[2] * g.x[3];
        expect(Array.from(got.subarray(n0 * image, n1 * image))).toEqual(Array.from(want.subarray(n0 * image)));
        expect(got.subarray(0, n0 * image).every((v) => v === 3.5)).toBe(true);
        tf.dispose([cols, dx]);
      }
    });
  }
});

/** Reference transposed im2col: patchesT[(kh·fw + kw)·Cin + ci, r] = x (0 in the padding). */
function im2colRef(info: backend_util.Conv2DInfo, x: Float32Array, n0: number, n1: number): Float32Array {
  const { inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, filterHeight: fh, filterWidth: fw } = info;
  const R = (n1 - n0) * Ho * Wo;
  const out = new Float32Array(fh * fw * Cin * R);
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      for (let ci = 0; ci < Cin; ci++) {
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < Ho; oh++) {
            for (let ow = 0; ow < Wo; ow++) {
              const ih = oh * info.strideHeight - info.padInfo.top + kh * info.dilationHeight;
              const iw = ow * info.strideWidth - info.padInfo.left + kw * info.dilationWidth;
              const r = ((n - n0) * Ho + oh) * Wo + ow;
              out[((kh * fw + kw) * Cin + ci) * R + r] = ih < 0 || ih >= H || iw < 0 || iw >= W ? 0 : x[((n * H + ih) * W + iw) * Cin + ci]!;
            }
          }
        }
      }
    }
  }
  return out;
}

describe('WASM transposed im2col', async () => {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackendLike;
  const cases = [...GEOMETRIES, { x: [2, 28, 28, 1], f: [5, 5, 1, 20], stride: 1, pad: 'valid', dil: 1 }, { x: [2, 9, 10, 1], f: [3, 3, 1, 2], stride: 1, pad: 'same', dil: 2 }, { x: [1, 4, 37, 1], f: [3, 3, 1, 2], stride: 1, pad: 'same', dil: 1 }] as typeof GEOMETRIES;
  for (const g of cases) {
    it(`copies the patches exactly: x ${g.x.join('x')}, filter ${g.f.join('x')}, stride ${g.stride}, ${g.pad}, dilation ${g.dil}`, () => {
      const info = backend_util.computeConv2DInfo(g.x, g.f, g.stride, g.dil, g.pad);
      const xs = rand(g.x.reduce((a, b) => a * b, 1), 5);
      const x = tf.tensor4d(xs, g.x);
      const N = g.x[0];
      for (const [n0, n1] of [[0, N], [N - 1, N]] as const) {
        const want = im2colRef(info, xs, n0, n1);
        const out = tf.fill([want.length], Number.NaN);
        im2colTransposed(backend, info, heapOffset(backend, x), heapOffset(backend, out), { n0, n1 });
        expect(Array.from(out.dataSync())).toEqual(Array.from(want));
        out.dispose();
      }
      x.dispose();
    });
  }
});

/** Reference max-pool gradient: the first tap holding the window's maximum gets dy. */
function maxPoolGradRef(info: backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array): Float32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const dx = new Float32Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        for (let c = 0; c < C; c++) {
          let at = -1;
          let best = 0;
          for (let kh = 0; kh < info.filterHeight; kh++) {
            for (let kw = 0; kw < info.filterWidth; kw++) {
              const ih = oh * info.strideHeight - info.padInfo.top + kh;
              const iw = ow * info.strideWidth - info.padInfo.left + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const i = ((n * H + ih) * W + iw) * C + c;
              if (at < 0 || x[i]! > best) [at, best] = [i, x[i]!];
            }
          }
          if (at >= 0) dx[at] = Math.fround(dx[at]! + dy[((n * Ho + oh) * Wo + ow) * C + c]!);
        }
      }
    }
  }
  return dx;
}

const POOLS: { x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }[] = [
  { x: [2, 24, 24, 20], size: 2, stride: 2, pad: 'valid' }, // LeNet-5 pool1
  { x: [2, 8, 8, 50], size: 2, stride: 2, pad: 'valid' }, // pool2: two channels past the groups of four
  { x: [2, 7, 9, 3], size: 3, stride: 2, pad: 'same' }, // overlapping windows, padding
  { x: [1, 5, 5, 6], size: 3, stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 5], size: 2, stride: 2, pad: 'valid' }, // tiling windows, a last row and column no window covers
  { x: [1, 9, 9, 4], size: 3, stride: 3, pad: 'same' }, // tiling, SAME without padding
];

describe('WASM MaxPoolGrad', async () => {
  await initBackend('wasm');
  for (const p of POOLS) {
    it(`equals the scalar loop bit for bit: x ${p.x.join('x')}, ${p.size}x${p.size} / ${p.stride}, ${p.pad}`, () => {
      const n = p.x.reduce((a, b) => a * b, 1);
      // Rounded values, so windows have ties: the first maximum must win.
      const xs = rand(n, 3).map((v) => Math.round(v * 2) / 2);
      const x = tf.tensor4d(xs, p.x);
      const y = tf.maxPool(x, p.size, p.stride, p.pad);
      const dy = tf.tensor4d(rand(y.size, 4), y.shape);
      const got = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, p.size, p.stride, p.pad), dy)))(x).dataSync();
      const info = backend_util.computePool2DInfo(p.x, p.size, p.stride, 1, p.pad);
      expect(Array.from(got)).toEqual(Array.from(maxPoolGradRef(info, xs, dy.dataSync() as Float32Array)));
      tf.dispose([x, y, dy]);
    });
  }
});

describe('WASM Sum over leading axes', async () => {
  await initBackend('wasm');
  /** TF.js's own Sum: each output a sequential float32 sum from 0 over its reduced elements. */
  function sumRef(x: Float32Array, shape: number[], axes: number[]): Float32Array {
    const t = tf.tidy(() => tf.transpose(tf.tensor(x, shape), [...axes, ...shape.map((_, i) => i).filter((i) => !axes.includes(i))]).dataSync() as Float32Array);
    const R = axes.reduce((a, i) => a * shape[i]!, 1);
    const C = x.length / R;
    const out = new Float32Array(C);
    for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) out[c] = Math.fround(out[c]! + t[r * C + c]!);
    return out;
  }
  const cases: { shape: number[]; axes: number[]; keepDims: boolean }[] = [
    { shape: [64, 24, 24, 20], axes: [0, 1, 2], keepDims: false }, // LeNet-5 conv1's bias gradient
    { shape: [7, 5, 3, 6], axes: [0, 1], keepDims: true },
    { shape: [33, 50], axes: [0], keepDims: false },
    { shape: [9, 3], axes: [0], keepDims: false },
    { shape: [4, 6, 5], axes: [1], keepDims: false }, // not leading: TF.js's own kernel
  ];
  for (const c of cases) {
    it(`equals a sequential float32 sum: [${c.shape.join(',')}] over axes ${c.axes.join(',')}${c.keepDims ? ', keepDims' : ''}`, () => {
      const xs = rand(c.shape.reduce((a, b) => a * b, 1), 9);
      const got = tf.tidy(() => tf.sum(tf.tensor(xs, c.shape), c.axes, c.keepDims));
      expect(got.shape).toEqual(c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d)).filter((d, i) => c.keepDims || !c.axes.includes(i)));
      const want = c.axes.every((a, i) => a === i) ? sumRef(xs, c.shape, c.axes) : null;
      if (want) expect(Array.from(got.dataSync())).toEqual(Array.from(want));
      else {
        const cpu = sumRef(xs, c.shape, c.axes);
        got.dataSync().forEach((v, i) => expect(Math.abs(v - cpu[i]!)).toBeLessThan(1e-4));
      }
      got.dispose();
    });
  }
});

describe('WASM Add of a bias', async () => {
  await initBackend('wasm');
  for (const [shape, bshape] of [[[64, 24, 24, 20], [20]], [[5, 7, 6], [6]], [[3, 3], [3]], [[4, 5], [4, 5]], [[2, 6], [1, 6]]] as const) {
    it(`adds [${bshape.join(',')}] to [${shape.join(',')}] as float32`, () => {
      const xs = rand(shape.reduce((a: number, b: number) => a * b, 1), 11);
      const bs = rand(bshape.reduce((a: number, b: number) => a * b, 1), 12);
      const got = tf.tidy(() => tf.add(tf.tensor(xs, [...shape]), tf.tensor(bs, [...bshape])).dataSync());
      expect(Array.from(got)).toEqual(Array.from(xs, (v, i) => Math.fround(v + bs[i % bs.length]!)));
    });
  }
});

describe('WASM direct filter gradient', async () => {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackendLike;
  /** dW[k, co] as float32 multiply-adds over the output pixels in order (n, oh, ow). */
  function filterGradRef(info: backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array): Float32Array {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outHeight: Ho, outWidth: Wo, outChannels: Cout, filterHeight: fh, filterWidth: fw } = info;
    const dw = new Float32Array(fh * fw * Cin * Cout);
    for (let n = 0; n < N; n++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++)
          for (let kh = 0; kh < fh; kh++)
            for (let kw = 0; kw < fw; kw++)
              for (let ci = 0; ci < Cin; ci++) {
                const xv = x[((n * H + oh * info.strideHeight + kh * info.dilationHeight) * W + ow * info.strideWidth + kw * info.dilationWidth) * Cin + ci]!;
                const k = (kh * fw + kw) * Cin + ci;
                for (let co = 0; co < Cout; co++) dw[k * Cout + co] = Math.fround(dw[k * Cout + co]! + Math.fround(xv * dy[((n * Ho + oh) * Wo + ow) * Cout + co]!));
              }
    return dw;
  }
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; stride: number; dil: number }[] = [
    { x: [3, 28, 28, 1], f: [5, 5, 1, 20], stride: 1, dil: 1 }, // LeNet-5 conv1: 12 pairs and a single tap
    { x: [2, 11, 9, 3], f: [3, 3, 3, 8], stride: 2, dil: 1 },
    { x: [2, 12, 12, 2], f: [3, 2, 2, 24], stride: 1, dil: 2 },
    { x: [1, 6, 6, 1], f: [1, 1, 1, 4], stride: 1, dil: 1 },
    { x: [2, 5, 5, 3], f: [1, 1, 3, 32], stride: 1, dil: 1 }, // 8 groups of four: one tap a pass
  ];
  for (const c of cases) {
    it(`equals float32 multiply-adds in pixel order: x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.stride}, dilation ${c.dil}`, () => {
      const info = backend_util.computeConv2DInfo(c.x, c.f, c.stride, c.dil, 'valid');
      expect(directFilterGradFits(info)).toBe(true);
      const xs = rand(c.x.reduce((a, b) => a * b, 1), 13);
      const dys = rand(info.batchSize * info.outHeight * info.outWidth * info.outChannels, 14);
      const [x, dy, out] = [tf.tensor(xs), tf.tensor(dys), tf.fill([c.f.reduce((a, b) => a * b, 1)], Number.NaN)];
      directFilterGrad(backend, info, heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out));
      expect(Array.from(out.dataSync())).toEqual(Array.from(filterGradRef(info, xs, dys)));
      tf.dispose([x, dy, out]);
    });
  }
});

describe('WASM depthwise gradient loops (one output per channel)', async () => {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackendLike;
  /** dx and dW by the definition, float32 products added in the order of the pixels, then the taps. */
  function depthwiseRef(info: backend_util.Conv2DInfo, x: Float32Array, w: Float32Array, dy: Float32Array): { dx: Float32Array; dw: Float32Array } {
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, filterHeight: fh, filterWidth: fw } = info;
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    for (let n = 0; n < N; n++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++)
          for (let kh = 0; kh < fh; kh++)
            for (let kw = 0; kw < fw; kw++) {
              const ih = oh * info.strideHeight - info.padInfo.top + kh * info.dilationHeight;
              const iw = ow * info.strideWidth - info.padInfo.left + kw * info.dilationWidth;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) {
                const i = ((n * H + ih) * W + iw) * C + c;
                const t = (kh * fw + kw) * C + c;
                const g = dy[((n * Ho + oh) * Wo + ow) * C + c]!;
                dx[i] = Math.fround(dx[i]! + Math.fround(g * w[t]!));
                dw[t] = Math.fround(dw[t]! + Math.fround(x[i]! * g));
              }
            }
    return { dx, dw };
  }
  const cases: { x: [number, number, number, number]; k: number; stride: number; pad: 'same' | 'valid'; dil: number }[] = [
    { x: [2, 14, 14, 16], k: 3, stride: 1, pad: 'same', dil: 1 },
    { x: [2, 9, 8, 6], k: 3, stride: 2, pad: 'same', dil: 1 },
    { x: [1, 11, 10, 5], k: 3, stride: 1, pad: 'same', dil: 2 },
    { x: [1, 6, 5, 70], k: 3, stride: 1, pad: 'same', dil: 1 }, // the looped path
  ];
  for (const c of cases) {
    it(`equal float32 loops by the definition: x ${c.x.join('x')}, ${c.k}x${c.k}, stride ${c.stride}, ${c.pad}, dilation ${c.dil}`, () => {
      const f: [number, number, number, number] = [c.k, c.k, c.x[3], 1];
      const info = backend_util.computeConv2DInfo(c.x, f, c.stride, c.dil, c.pad, undefined, true);
      const xs = rand(c.x.reduce((a, b) => a * b, 1), 15);
      const ws = rand(c.k * c.k * c.x[3], 16);
      const dys = rand(info.batchSize * info.outHeight * info.outWidth * info.outChannels, 17);
      const [x, w, dy, dx, dw] = [tf.tensor(xs), tf.tensor(ws), tf.tensor(dys), tf.zeros([xs.length]), tf.zeros([ws.length])];
      const [px, pw, pdy] = [x, w, dy].map((t) => heapOffset(backend, t));
      tapLoop(backend, 'depthwiseInput', info, { a: pdy!, b: pw!, out: heapOffset(backend, dx) }, { n0: 0, n1: c.x[0] });
      tapLoop(backend, 'depthwiseFilter', info, { a: pdy!, b: px!, out: heapOffset(backend, dw) }, { n0: 0, n1: c.x[0] });
      const want = depthwiseRef(info, xs, ws, dys);
      expect(Array.from(dx.dataSync())).toEqual(Array.from(want.dx));
      expect(Array.from(dw.dataSync())).toEqual(Array.from(want.dw));
      tf.dispose([x, w, dy, dx, dw]);
    });
  }
});

describe('WASM Identity and same-type Cast', async () => {
  await initBackend('wasm');
  it('share the data (no copy) and outlive the tensor they came from', () => {
    const backend = tf.backend() as unknown as WasmBackendLike & { refCount(dataId: object): number };
    const x = tf.tensor([1.5, -2, 3], [3]);
    const c = tf.clone(x);
    const k = tf.cast(x, 'float32');
    expect(backend.refCount(x.dataId)).toBe(3);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(k.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(tf.cast(c, 'int32').dataSync())).toEqual([1, -2, 3]);
    tf.dispose([c, k]);
  });
});

describe('WASM Transpose (blocks of axes swapped)', async () => {
  await initBackend('wasm');
  /** out[perm-ordered index] = x by the definition. */
  function transposeRef(x: Float32Array, shape: number[], perm: number[]): Float32Array {
    const out = new Float32Array(x.length);
    const outShape = perm.map((p) => shape[p]!);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const idx = new Array<number>(shape.length).fill(0);
    for (let o = 0; o < out.length; o++) {
      let rem = o;
      for (let d = outShape.length - 1; d >= 0; d--) {
        idx[perm[d]!] = rem % outShape[d]!;
        rem = Math.floor(rem / outShape[d]!);
      }
      out[o] = x[idx.reduce((a, v, i) => a + v * strides[i]!, 0)]!;
    }
    return out;
  }
  const cases: [number[], number[]][] = [
    [[500, 800], [1, 0]],
    [[7, 13], [1, 0]], // edges in both directions
    [[3, 6, 5, 20], [3, 0, 1, 2]], // NHWC to channel-major
    [[2, 5, 9], [0, 2, 1]], // a batch of matrices
    [[4, 3, 2, 5], [2, 3, 0, 1]],
    [[2, 3, 4], [1, 2, 0]],
    [[3, 4, 5], [1, 0, 2]], // not two blocks: TF.js's own kernel
  ];
  it('asMatrices reads the permutations', () => {
    expect(asMatrices([3, 6, 5, 20], [3, 0, 1, 2])).toEqual({ B: 1, R: 90, C: 20 });
    expect(asMatrices([2, 5, 9], [0, 2, 1])).toEqual({ B: 2, R: 5, C: 9 });
    expect(asMatrices([3, 4, 5], [1, 0, 2])).toBeNull();
    expect(asMatrices([3, 4], [0, 1])).toBeNull();
  });
  for (const [shape, perm] of cases) {
    it(`moves every value: [${shape.join(',')}] by [${perm.join(',')}]`, () => {
      const xs = rand(shape.reduce((a, b) => a * b, 1), 21);
      const got = tf.tidy(() => tf.transpose(tf.tensor(xs, shape), perm).dataSync());
      expect(Array.from(got)).toEqual(Array.from(transposeRef(xs, shape, perm)));
    });
  }
});
