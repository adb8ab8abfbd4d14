import { describe, expect, it } from 'vitest';
import { computeDepthwiseConvQuantParams, interpret } from '../../../src/interp/index.js';
import { bytesOf, randInt, refMbqm, rng, singleOpGraph } from '../reference.js';

interface DwCase {
  h: number;
  w: number;
  cin: number;
  mult: number;
  k: [number, number];
  stride: [number, number];
  dilation: [number, number];
  padding: 'SAME' | 'VALID';
}

function outSize(p: 'SAME' | 'VALID', n: number, k: number, s: number, d: number): number {
  return p === 'SAME' ? Math.ceil(n / s) : Math.floor((n - ((k - 1) * d + 1)) / s) + 1;
}

function padBefore(p: 'SAME' | 'VALID', n: number, k: number, s: number, d: number, out: number): number {
  return p === 'VALID' ? 0 : Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) / 2);
}

describe('DEPTHWISE_CONV_2D int8', () => {
  it('hand case: depth multiplier 2 maps output channel ic*2+m to input channel ic', () => {
    // 1x2x2x2 input, 1x1 kernel: out[c*2+m] = x[c] * w[c*2+m]
    const x = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const f = Int8Array.from([1, 2, 3, 4]);
    const graph = singleOpGraph(
      'DEPTHWISE_CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1, depthMultiplier: 2, fusedActivationFunction: 'NONE' },
      [
        { dtype: 'int8', shape: [1, 2, 2, 2], scale: 1, zeroPoint: 0 },
        { dtype: 'int8', shape: [1, 1, 1, 4], scale: [1, 1, 1, 1], zeroPoint: [0, 0, 0, 0], axis: 3, data: bytesOf(f) },
        { dtype: 'int32', shape: [4], scale: [1, 1, 1, 1], axis: 0, data: bytesOf(Int32Array.from([0, 0, 0, 100])) },
      ],
      [{ dtype: 'int8', shape: [1, 2, 2, 4], scale: 1, zeroPoint: 0 }],
    );
    const out = new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    expect([...out]).toEqual([1, 2, 6, 108, 3, 6, 12, 116, 5, 10, 18, 124, 7, 14, 24, 127]);
  });

  const cases: [string, DwCase][] = [
    ['multiplier 3, SAME, stride 2 on an even size', { h: 6, w: 6, cin: 2, mult: 3, k: [3, 3], stride: [2, 2], dilation: [1, 1], padding: 'SAME' }],
    ['multiplier 1, dilation 2, SAME', { h: 7, w: 9, cin: 4, mult: 1, k: [3, 3], stride: [1, 1], dilation: [2, 2], padding: 'SAME' }],
    ['multiplier 8 from one channel, stride 2 (person_detect / micro_speech first layer)', { h: 9, w: 8, cin: 1, mult: 8, k: [3, 4], stride: [2, 2], dilation: [1, 1], padding: 'SAME' }],
    ['multiplier 2, VALID, dilation (1, 2), stride (1, 2)', { h: 6, w: 9, cin: 3, mult: 2, k: [2, 3], stride: [1, 2], dilation: [1, 2], padding: 'VALID' }],
  ];
  for (const [name, c] of cases) {
    it(`${name}: matches the naive reference`, () => {
      const r = rng(name.length * 31 + c.mult);
      const cout = c.cin * c.mult;
      const inZp = randInt(r, -30, 30);
      const outZp = randInt(r, -30, 30);
      const wScales = Array.from({ length: cout }, () => 0.001 + r() * 0.01);
      const x = Int8Array.from({ length: c.h * c.w * c.cin }, () => randInt(r, -128, 127));
      const f = Int8Array.from({ length: c.k[0] * c.k[1] * cout }, () => randInt(r, -127, 127));
      const b = Int32Array.from({ length: cout }, () => randInt(r, -5000, 5000));
      const oh = outSize(c.padding, c.h, c.k[0], c.stride[0], c.dilation[0]);
      const ow = outSize(c.padding, c.w, c.k[1], c.stride[1], c.dilation[1]);
      const graph = singleOpGraph(
        'DEPTHWISE_CONV_2D',
        {
          padding: c.padding,
          strideH: c.stride[0],
          strideW: c.stride[1],
          dilationHFactor: c.dilation[0],
          dilationWFactor: c.dilation[1],
          depthMultiplier: c.mult,
          fusedActivationFunction: 'RELU6',
        },
        [
          { dtype: 'int8', shape: [1, c.h, c.w, c.cin], scale: 0.03, zeroPoint: inZp },
          { dtype: 'int8', shape: [1, c.k[0], c.k[1], cout], scale: wScales, zeroPoint: wScales.map(() => 0), axis: 3, data: bytesOf(f) },
          { dtype: 'int32', shape: [cout], scale: wScales.map((s) => s * 0.03), data: bytesOf(b) },
        ],
        [{ dtype: 'int8', shape: [1, oh, ow, cout], scale: 0.04, zeroPoint: outZp }],
      );
      const p = computeDepthwiseConvQuantParams(graph, graph.ops[0]!);
      if (p.kind !== 'int8') throw new Error('int8 expected');
      expect(p.depthMultiplier).toBe(c.mult);
      const pt = padBefore(c.padding, c.h, c.k[0], c.stride[0], c.dilation[0], oh);
      const pl = padBefore(c.padding, c.w, c.k[1], c.stride[1], c.dilation[1], ow);
      expect([p.padH, p.padW]).toEqual([pt, pl]);
      const got = new Int8Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let oc = 0; oc < cout; oc++) {
            const ic = Math.floor(oc / c.mult);
            let acc = 0;
            for (let ky = 0; ky < c.k[0]; ky++)
              for (let kx = 0; kx < c.k[1]; kx++) {
                const iy = oy * c.stride[0] - pt + ky * c.dilation[0];
                const ix = ox * c.stride[1] - pl + kx * c.dilation[1];
                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                acc += f[(ky * c.k[1] + kx) * cout + oc]! * (x[(iy * c.w + ix) * c.cin + ic]! - inZp);
              }
            const v = refMbqm(acc + b[oc]!, p.outputMultiplier[oc]!, p.outputShift[oc]!) + outZp;
            const want = Math.min(p.activationMax, Math.max(p.activationMin, v));
            expect(got[(oy * ow + ox) * cout + oc], `(${oy},${ox},${oc})`).toBe(want);
          }
    });
  }

  it('rejects a depth multiplier inconsistent with the shapes', () => {
    const graph = singleOpGraph(
      'DEPTHWISE_CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1, depthMultiplier: 3 },
      [
        { dtype: 'int8', shape: [1, 1, 1, 2], scale: 1 },
        { dtype: 'int8', shape: [1, 1, 1, 4], scale: 1, data: new Uint8Array(4) },
        null,
      ],
      [{ dtype: 'int8', shape: [1, 1, 1, 4], scale: 1 }],
    );
    expect(() => interpret(graph, [new Uint8Array(2)])).toThrow(/depth multiplier 3/);
  });
});

describe('DEPTHWISE_CONV_2D float32', () => {
  it('accumulates in float32 over the window, bias last, with depth multiplier 2', () => {
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.4]); // 1x2x1x2
    const f = Float32Array.from([1, 2, 3, 4, 0.5, 0.25, 0.125, 1 / 3]); // 1x2x1x4
    const b = Float32Array.from([0.01, 0.02, 0.03, 0.04]);
    const graph = singleOpGraph(
      'DEPTHWISE_CONV_2D',
      { padding: 'VALID', strideH: 1, strideW: 1, depthMultiplier: 2 },
      [
        { dtype: 'float32', shape: [1, 2, 1, 2] },
        { dtype: 'float32', shape: [1, 2, 1, 4], data: bytesOf(f) },
        { dtype: 'float32', shape: [4], data: bytesOf(b) },
      ],
      [{ dtype: 'float32', shape: [1, 1, 1, 4] }],
    );
    const got = new Float32Array(interpret(graph, [bytesOf(x)]).outputs[0]!.buffer);
    const fr = Math.fround;
    for (let oc = 0; oc < 4; oc++) {
      const ic = oc >> 1;
      let t = 0;
      for (let ky = 0; ky < 2; ky++) t = fr(t + fr(x[ky * 2 + ic]! * f[ky * 4 + oc]!));
      expect(got[oc]).toBe(fr(t + b[oc]!));
    }
  });
});
