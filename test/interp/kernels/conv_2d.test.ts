import { describe, expect, it } from 'vitest';
import { computeConvQuantParams, interpret } from '../../../src/interp/index.js';
import { bytesOf, randInt, refMbqm, rng, singleOpGraph } from '../reference.js';

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: [number, number];
  dilation: [number, number];
  padding: 'SAME' | 'VALID';
  act: 'NONE' | 'RELU' | 'RELU6';
}

function outSize(p: 'SAME' | 'VALID', n: number, k: number, s: number, d: number): number {
  const eff = (k - 1) * d + 1;
  return p === 'SAME' ? Math.ceil(n / s) : Math.floor((n - eff) / s) + 1;
}

/** TensorFlow's documented SAME rule: total padding split with the extra row/column at the end. */
function padBefore(p: 'SAME' | 'VALID', n: number, k: number, s: number, d: number, out: number): number {
  if (p === 'VALID') return 0;
  return Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) / 2);
}

/** Naive int8 convolution, written from the TFLite quantization spec. */
function refConvInt8(
  c: ConvCase,
  x: Int8Array,
  f: Int8Array,
  b: Int32Array,
  q: { inZp: number; outZp: number; mult: number[]; shift: number[]; lo: number; hi: number },
): Int8Array {
  const oh = outSize(c.padding, c.h, c.kh, c.stride[0], c.dilation[0]);
  const ow = outSize(c.padding, c.w, c.kw, c.stride[1], c.dilation[1]);
  const pt = padBefore(c.padding, c.h, c.kh, c.stride[0], c.dilation[0], oh);
  const pl = padBefore(c.padding, c.w, c.kw, c.stride[1], c.dilation[1], ow);
  const out = new Int8Array(c.n * oh * ow * c.cout);
  for (let n = 0; n < c.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let oc = 0; oc < c.cout; oc++) {
          let acc = 0;
          for (let ky = 0; ky < c.kh; ky++)
            for (let kx = 0; kx < c.kw; kx++) {
              const iy = oy * c.stride[0] - pt + ky * c.dilation[0];
              const ix = ox * c.stride[1] - pl + kx * c.dilation[1];
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue; // padded with real zero
              for (let ic = 0; ic < c.cin; ic++) {
                acc += f[((oc * c.kh + ky) * c.kw + kx) * c.cin + ic]! * (x[((n * c.h + iy) * c.w + ix) * c.cin + ic]! - q.inZp);
              }
            }
          acc += b[oc]!;
          const v = refMbqm(acc, q.mult[oc]!, q.shift[oc]!) + q.outZp;
          out[((n * oh + oy) * ow + ox) * c.cout + oc] = Math.min(q.hi, Math.max(q.lo, v));
        }
  return out;
}

function randomInt8Case(c: ConvCase, seed: number) {
  const r = rng(seed);
  const inScale = 0.05;
  const inZp = randInt(r, -20, 20);
  const outScale = 0.2;
  const outZp = randInt(r, -10, 10);
  const wScales = Array.from({ length: c.cout }, () => 0.002 + r() * 0.02);
  const x = Int8Array.from({ length: c.n * c.h * c.w * c.cin }, () => randInt(r, -128, 127));
  const f = Int8Array.from({ length: c.cout * c.kh * c.kw * c.cin }, () => randInt(r, -127, 127));
  const b = Int32Array.from({ length: c.cout }, () => randInt(r, -2000, 2000));
  const oh = outSize(c.padding, c.h, c.kh, c.stride[0], c.dilation[0]);
  const ow = outSize(c.padding, c.w, c.kw, c.stride[1], c.dilation[1]);
  const graph = singleOpGraph(
    'CONV_2D',
    { padding: c.padding, strideH: c.stride[0], strideW: c.stride[1], dilationHFactor: c.dilation[0], dilationWFactor: c.dilation[1], fusedActivationFunction: c.act },
    [
      { dtype: 'int8', shape: [c.n, c.h, c.w, c.cin], scale: inScale, zeroPoint: inZp },
      { dtype: 'int8', shape: [c.cout, c.kh, c.kw, c.cin], scale: wScales, zeroPoint: wScales.map(() => 0), axis: 0, data: bytesOf(f) },
      { dtype: 'int32', shape: [c.cout], scale: wScales.map((s) => s * inScale), axis: 0, data: bytesOf(b) },
    ],
    [{ dtype: 'int8', shape: [c.n, oh, ow, c.cout], scale: outScale, zeroPoint: outZp }],
  );
  return { graph, x, f, b, inZp, outZp, inScale, outScale, wScales, oh, ow };
}

describe('CONV_2D int8', () => {
  it('hand case: 3x3 SAME, two channels, per-channel multipliers 0.5 and 0.25 (double rounding)', () => {
    const x = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const f = new Int8Array(18).fill(1);
    const graph = singleOpGraph(
      'CONV_2D',
      { padding: 'SAME', strideH: 1, strideW: 1, fusedActivationFunction: 'NONE' },
      [
        { dtype: 'int8', shape: [1, 3, 3, 1], scale: 0.5, zeroPoint: 0 },
        { dtype: 'int8', shape: [2, 3, 3, 1], scale: [1, 0.5], zeroPoint: [0, 0], axis: 0, data: bytesOf(f) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 3, 3, 2], scale: 1, zeroPoint: 0 }],
    );
    const params = computeConvQuantParams(graph, graph.ops[0]!);
    expect(params.kind).toBe('int8');
    if (params.kind !== 'int8') return;
    expect(params.outputMultiplier).toEqual([2 ** 30, 2 ** 30]);
    expect(params.outputShift).toEqual([0, -1]);
    expect([params.padH, params.padW]).toEqual([1, 1]);
    const out = new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    // Window sums of a 3x3 box filter with zero padding:
    const sums = [12, 21, 16, 27, 45, 33, 24, 39, 28];
    // channel 0: sum * 0.5 rounded half away from zero; channel 1: sum * 0.25 with TFLM's
    // double rounding: 21 -> round(10.5) = 11 -> round(5.5) = 6 and 33 -> 17 -> 9, where a single
    // rounding of 5.25 and 8.25 would give 5 and 8.
    expect([...out].filter((_, i) => i % 2 === 0)).toEqual([6, 11, 8, 14, 23, 17, 12, 20, 14]);
    expect([...out].filter((_, i) => i % 2 === 1)).toEqual([3, 6, 4, 7, 12, 9, 6, 10, 7]);
    expect(sums.map((s) => Math.round(s * 0.5))).toEqual([6, 11, 8, 14, 23, 17, 12, 20, 14]);
  });

  const cases: [string, ConvCase][] = [
    ['SAME, stride 2 on an even size (extra padding at the end)', { n: 1, h: 6, w: 8, cin: 3, cout: 4, kh: 3, kw: 3, stride: [2, 2], dilation: [1, 1], padding: 'SAME', act: 'NONE' }],
    ['SAME, stride 2 on an odd size, RELU6', { n: 1, h: 7, w: 5, cin: 2, cout: 3, kh: 3, kw: 3, stride: [2, 2], dilation: [1, 1], padding: 'SAME', act: 'RELU6' }],
    ['VALID, non-square kernel and strides', { n: 2, h: 9, w: 7, cin: 3, cout: 5, kh: 4, kw: 2, stride: [2, 1], dilation: [1, 1], padding: 'VALID', act: 'RELU' }],
    ['dilation 2, SAME', { n: 1, h: 8, w: 8, cin: 4, cout: 3, kh: 3, kw: 3, stride: [1, 1], dilation: [2, 2], padding: 'SAME', act: 'NONE' }],
    ['dilation (2, 3), VALID', { n: 1, h: 10, w: 11, cin: 2, cout: 2, kh: 2, kw: 3, stride: [1, 2], dilation: [2, 3], padding: 'VALID', act: 'NONE' }],
    ['1x1 pointwise', { n: 1, h: 4, w: 4, cin: 16, cout: 8, kh: 1, kw: 1, stride: [1, 1], dilation: [1, 1], padding: 'SAME', act: 'RELU6' }],
  ];
  for (const [name, c] of cases) {
    it(`${name}: matches the naive reference exactly and real math within 1 LSB`, () => {
      const t = randomInt8Case(c, name.length * 7919);
      const params = computeConvQuantParams(t.graph, t.graph.ops[0]!);
      if (params.kind !== 'int8') throw new Error('expected int8');
      const want = refConvInt8(c, t.x, t.f, t.b, {
        inZp: t.inZp,
        outZp: t.outZp,
        mult: params.outputMultiplier,
        shift: params.outputShift,
        lo: params.activationMin,
        hi: params.activationMax,
      });
      const got = new Int8Array(interpret(t.graph, [bytesOf(t.x)]).outputs[0]!.buffer);
      expect([...got]).toEqual([...want]);
      // Independent sanity check of layout and scaling: float math, quantized, within one step.
      const oh = t.oh;
      const ow = t.ow;
      const pt = padBefore(c.padding, c.h, c.kh, c.stride[0], c.dilation[0], oh);
      const pl = padBefore(c.padding, c.w, c.kw, c.stride[1], c.dilation[1], ow);
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let oc = 0; oc < c.cout; oc++) {
            let real = t.b[oc]! * t.wScales[oc]! * t.inScale;
            for (let ky = 0; ky < c.kh; ky++)
              for (let kx = 0; kx < c.kw; kx++) {
                const iy = oy * c.stride[0] - pt + ky * c.dilation[0];
                const ix = ox * c.stride[1] - pl + kx * c.dilation[1];
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                for (let ic = 0; ic < c.cin; ic++)
                  real += t.f[((oc * c.kh + ky) * c.kw + kx) * c.cin + ic]! * t.wScales[oc]! * (t.x[(iy * c.w + ix) * c.cin + ic]! - t.inZp) * t.inScale;
              }
            const q = Math.min(params.activationMax, Math.max(params.activationMin, Math.round(real / t.outScale) + t.outZp));
            expect(Math.abs(got[(oy * ow + ox) * c.cout + oc]! - q)).toBeLessThanOrEqual(1);
          }
    });
  }
});

describe('CONV_2D float32', () => {
  it('rounds every product and sum to float32 in TFLM order, bias last', () => {
    const r = rng(11);
    const c = { h: 5, w: 6, cin: 3, cout: 2, k: 3 };
    const x = Float32Array.from({ length: c.h * c.w * c.cin }, () => r() * 2 - 1);
    const f = Float32Array.from({ length: c.cout * c.k * c.k * c.cin }, () => r() * 2 - 1);
    const b = Float32Array.from({ length: c.cout }, () => r());
    const graph = singleOpGraph(
      'CONV_2D',
      { padding: 'SAME', strideH: 2, strideW: 2, fusedActivationFunction: 'RELU' },
      [
        { dtype: 'float32', shape: [1, c.h, c.w, c.cin] },
        { dtype: 'float32', shape: [c.cout, c.k, c.k, c.cin], data: bytesOf(f) },
        { dtype: 'float32', shape: [c.cout], data: bytesOf(b) },
      ],
      [{ dtype: 'float32', shape: [1, 3, 3, c.cout] }],
    );
    const got = new Float32Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    // 5 rows, stride 2, k 3: out 3, total pad (3-1)*2+3-5 = 2 -> 1 before; 6 cols: total 1 -> 0 before.
    const acc = new Float32Array(1);
    for (let oy = 0; oy < 3; oy++)
      for (let ox = 0; ox < 3; ox++)
        for (let oc = 0; oc < c.cout; oc++) {
          acc[0] = 0;
          for (let ky = 0; ky < c.k; ky++)
            for (let kx = 0; kx < c.k; kx++) {
              const iy = oy * 2 - 1 + ky;
              const ix = ox * 2 + kx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (let ic = 0; ic < c.cin; ic++) {
                const p = new Float32Array([x[(iy * c.w + ix) * c.cin + ic]! * f[((oc * c.k + ky) * c.k + kx) * c.cin + ic]!]);
                acc[0] = acc[0]! + p[0]!;
              }
            }
          acc[0] = acc[0]! + b[oc]!;
          expect(got[(oy * 3 + ox) * c.cout + oc]).toBe(Math.max(0, acc[0]!));
        }
  });
});

describe('CONV_2D prepare', () => {
  it('rejects an output shape that disagrees with the padding rule', () => {
    const graph = singleOpGraph(
      'CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1 },
      [
        { dtype: 'int8', shape: [1, 4, 4, 1], scale: 1, zeroPoint: 0 },
        { dtype: 'int8', shape: [1, 3, 3, 1], scale: 1, data: new Uint8Array(9) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 4, 4, 1], scale: 1, zeroPoint: 0 }],
    );
    expect(() => interpret(graph, [new Uint8Array(16)])).toThrow(/VALID padding .* gives 2x2/);
  });

  it('rejects packed int4 filters with a type error, not a size error', () => {
    const graph = singleOpGraph(
      'CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1 },
      [
        { dtype: 'int8', shape: [1, 3, 3, 1], scale: 1 },
        { dtype: 'int4', shape: [1, 3, 3, 1], scale: 1, data: new Uint8Array(5) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 1, 1, 1], scale: 1 }],
    );
    expect(() => interpret(graph, [new Uint8Array(9)])).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_TYPE' }));
  });

  it('rejects hybrid float activations with int8 weights (E_UNSUPPORTED_TYPE)', () => {
    const graph = singleOpGraph(
      'CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1 },
      [
        { dtype: 'float32', shape: [1, 3, 3, 1] },
        { dtype: 'int8', shape: [1, 3, 3, 1], scale: 1, data: new Uint8Array(9) },
        null,
      ],
      [{ dtype: 'float32', shape: [1, 1, 1, 1] }],
    );
    expect(() => interpret(graph, [new Uint8Array(36)])).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_TYPE' }));
  });
});
