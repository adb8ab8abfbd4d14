/**
 * In-place geometry (src/plan/overlap.ts): the displacement formula on known layers, and a
 * brute-force check that it is safe — the audited kernels' read/write orders simulated on one
 * shared byte array (output placed D bytes below the input) must give the same output as with
 * separate buffers, on random small geometries.
 */
import { describe, expect, it } from 'vitest';
import { minDisplacement, needMin, tapRange, type WindowGeometry } from '../../src/plan/overlap.js';
import { Prng } from '../../src/util/prng.js';

function geometry(over: Partial<WindowGeometry>): WindowGeometry {
  return {
    batches: 1,
    inputHeight: 5,
    inputWidth: 5,
    inputDepth: 1,
    outputHeight: 5,
    outputWidth: 5,
    outputDepth: 1,
    filterHeight: 3,
    filterWidth: 3,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padH: 1,
    padW: 1,
    elementBytes: 1,
    ...over,
  };
}

/** Loop orders of the audited kernels, as sequences of reads (input element indices) and writes. */
type Kernel = 'pixel' | 'channel' | 'pairs';

/**
 * Run a window op over `mem` (input at `inAt`, output at `outAt`, element = one slot) in the
 * order of `kernel`: 'channel' = per pixel, per output channel read its taps then write it (the
 * depthwise and pooling kernels: reads and writes of one pixel interleave); 'pixel' = per pixel
 * read every tap of every channel (dsp conv patch gather), then write all channels; 'pairs' =
 * pixels two at a time, per output channel read both pixels' taps then write both (dsp
 * pointwise). Output channel o reads input channel o * inC / outC (depthwise) or all of them.
 */
function run(g: WindowGeometry, mem: Float64Array, inAt: number, outAt: number, kernel: Kernel, depthwise: boolean): void {
  const pixels: [number, number, number][] = [];
  for (let b = 0; b < g.batches; b++) for (let oy = 0; oy < g.outputHeight; oy++) for (let ox = 0; ox < g.outputWidth; ox++) pixels.push([b, oy, ox]);
  const taps = ([b, oy, ox]: [number, number, number], oc: number): number[] => {
    const y0 = oy * g.strideH - g.padH;
    const x0 = ox * g.strideW - g.padW;
    const [ky0, ky1] = tapRange(y0, g.dilationH, g.filterHeight, g.inputHeight);
    const [kx0, kx1] = tapRange(x0, g.dilationW, g.filterWidth, g.inputWidth);
    const chans = depthwise ? [Math.floor((oc * g.inputDepth) / g.outputDepth)] : [...Array(g.inputDepth).keys()];
    const idx: number[] = [];
    for (let ky = ky0; ky < ky1; ky++)
      for (let kx = kx0; kx < kx1; kx++)
        for (const c of chans) idx.push(((b * g.inputHeight + y0 + g.dilationH * ky) * g.inputWidth + x0 + g.dilationW * kx) * g.inputDepth + c);
    return idx;
  };
  const value = (p: [number, number, number], oc: number): number => taps(p, oc).reduce((s, i, k) => s + mem[inAt + i]! * (k + 1 + oc), 0);
  const outIndex = (pi: number, oc: number): number => outAt + pi * g.outputDepth + oc;
  if (kernel === 'pairs') {
    for (let i = 0; i < pixels.length; i += 2) {
      const j = Math.min(i + 1, pixels.length - 1);
      for (let oc = 0; oc < g.outputDepth; oc++) {
        const a = value(pixels[i]!, oc);
        const b = value(pixels[j]!, oc);
        mem[outIndex(i, oc)] = a;
        mem[outIndex(j, oc)] = b;
      }
    }
    return;
  }
  pixels.forEach((p, pi) => {
    if (kernel === 'channel') {
      for (let oc = 0; oc < g.outputDepth; oc++) mem[outIndex(pi, oc)] = value(p, oc);
    } else {
      const vals = [...Array(g.outputDepth).keys()].map((oc) => value(p, oc));
      vals.forEach((v, oc) => (mem[outIndex(pi, oc)] = v));
    }
  });
}

const inElems = (g: WindowGeometry): number => g.batches * g.inputHeight * g.inputWidth * g.inputDepth;
const outElems = (g: WindowGeometry): number => g.batches * g.outputHeight * g.outputWidth * g.outputDepth;

/** Output of the op run over one array with the output `d` elements below the input, against separate buffers. */
function overlapIsExact(g: WindowGeometry, d: number, kernel: Kernel, depthwise: boolean, rng: Prng): boolean {
  const input = Array.from({ length: inElems(g) }, () => rng.int(-9, 9));
  const separate = new Float64Array(inElems(g) + outElems(g));
  separate.set(input, 0);
  run(g, separate, 0, inElems(g), kernel, depthwise);
  const base = Math.max(0, d);
  const shared = new Float64Array(base + Math.max(inElems(g), outElems(g) - d) + 1);
  shared.set(input, base);
  run(g, shared, base, base - d, kernel, depthwise);
  for (let i = 0; i < outElems(g); i++) if (shared[base - d + i] !== separate[inElems(g) + i]) return false;
  return true;
}

describe('minDisplacement', () => {
  it('depthwise 3x3 stride 1 SAME: W + 2 pixels (kws: 25x5x64 → 448 B, not 8000)', () => {
    const kws = geometry({ inputHeight: 25, inputWidth: 5, inputDepth: 64, outputHeight: 25, outputWidth: 5, outputDepth: 64 });
    expect(minDisplacement(kws, 0)).toBe((5 + 2) * 64);
  });

  it('1x1 convolution: one output pixel ahead, two with pairs of pixels; cout > cin grows with the layer', () => {
    const pw = geometry({ inputHeight: 4, inputWidth: 4, inputDepth: 8, outputHeight: 4, outputWidth: 4, outputDepth: 8, filterHeight: 1, filterWidth: 1, padH: 0, padW: 0 });
    expect(minDisplacement(pw, 0)).toBe(8);
    expect(minDisplacement(pw, 1)).toBe(16);
    const wider = { ...pw, outputDepth: 16 };
    // Last pixel: 16 pixels × 16 B written, input needed from pixel 15 × 8 B.
    expect(minDisplacement(wider, 0)).toBe(16 * 16 - 15 * 8);
  });

  it('stride-2 layers that shrink can start inside their input (negative displacement)', () => {
    const pool = geometry({ inputHeight: 8, inputWidth: 8, inputDepth: 4, outputHeight: 4, outputWidth: 4, outputDepth: 4, filterHeight: 2, filterWidth: 2, strideH: 2, strideW: 2, padH: 0, padW: 0 });
    expect(minDisplacement(pool, 0)).toBeLessThanOrEqual(4);
    expect(needMin(pool)[1]).toBe(2 * 4);
  });

  it('is safe for the audited loop orders on random geometries (brute force)', () => {
    const rng = new Prng(14);
    let tight = 0;
    for (let trial = 0; trial < 400; trial++) {
      const filterHeight = rng.int(1, 3);
      const filterWidth = rng.int(1, 3);
      const dilationH = rng.int(1, 2);
      const dilationW = rng.int(1, 2);
      const strideH = rng.int(1, 2);
      const strideW = rng.int(1, 2);
      const inputHeight = rng.int(1, 6);
      const inputWidth = rng.int(1, 6);
      const padH = rng.int(0, 2);
      const padW = rng.int(0, 2);
      const span = (size: number, pad: number, f: number, d: number, s: number): number => Math.floor((size + 2 * pad - d * (f - 1) - 1) / s) + 1;
      const outputHeight = span(inputHeight, padH, filterHeight, dilationH, strideH);
      const outputWidth = span(inputWidth, padW, filterWidth, dilationW, strideW);
      if (outputHeight < 1 || outputWidth < 1) continue;
      const depthwise = rng.int(0, 1) === 1;
      const inputDepth = rng.int(1, 4);
      const outputDepth = depthwise ? inputDepth * rng.int(1, 3) : rng.int(1, 5);
      const g = geometry({ batches: rng.int(1, 2), inputHeight, inputWidth, inputDepth, outputHeight, outputWidth, outputDepth, filterHeight, filterWidth, strideH, strideW, dilationH, dilationW, padH, padW });
      const kernels: [Kernel, number][] = depthwise ? [['channel', 0]] : [['channel', 0], ['pixel', 0], ['pairs', 1]];
      for (const [kernel, k] of kernels) {
        const d = minDisplacement(g, k);
        expect(overlapIsExact(g, d, kernel, depthwise, rng), `${kernel} ${JSON.stringify(g)} d=${d}`).toBe(true);
        // The simulation is not vacuous: two output pixels closer usually breaks it.
        if (!overlapIsExact(g, d - 2 * g.outputDepth, kernel, depthwise, rng)) tight++;
      }
    }
    expect(tight).toBeGreaterThan(50);
  });
});
