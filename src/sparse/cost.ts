/**
 * Cost model: instructions of one kernel call as a linear function of a few counts,
 *
 *   instructions = c0 + c1*n + c2*n*rows + c3*n*stored + c4*n*units + c5*n*extra + c6*copies
 *
 * where n is the number of input vectors the weights are applied to (batches for
 * FULLY_CONNECTED, output pixels for the convolutions), rows the output channels, stored the
 * values the format stores (what the kernel multiplies, padding included), units the format's
 * own loop units (blocks, groups, filterlets, mask bytes, kernels …), extra the values moved
 * per vector besides the weights (a convolution's im2col patch, a gathered input) and copies the
 * pieces those are moved in (per output pixel: one per kernel row that lies inside the input,
 * one per tap where a row is clipped by padding; n*taps for depthwise, n for fully-connected). Coefficients are per core family (the kernel variant a core runs), op, dtype and
 * format, fitted by least squares to exact QEMU instruction counts by bench/cost-model.ts,
 * which regenerates cost-table.ts. Dense kernels have entries too (stored = MACs per vector).
 */
import type { Conv2DParams } from '../interp/kernels/conv_2d.js';
import type { DepthwiseConv2DParams } from '../interp/kernels/depthwise_conv_2d.js';
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import type { SparseOp } from './formats/index.js';
import type { KernelFamily } from './kernels.js';
import type { EncodedMatrix, FormatName, WeightDType } from './types.js';
import { COST_TABLE } from './cost-table.js';

export const FEATURE_NAMES = ['fixed', 'n', 'n*rows', 'n*stored', 'n*units', 'n*extra', 'copies'] as const;

export interface CostEntry {
  /** One coefficient per FEATURE_NAMES entry. */
  coef: number[];
  /** Calls measured for the fit, and the largest relative error of the fit on them. */
  samples: number;
  maxError: number;
}

export interface CostTable {
  /** How the counts were obtained (machines, toolchain, date-free). */
  source: string;
  /** Which QEMU machine measured each family. */
  machines: Record<KernelFamily, string>;
  entries: Record<string, CostEntry>;
}

export function costKey(family: KernelFamily, op: SparseOp, dtype: WeightDType, format: FormatName): string {
  return `${family}/${op}/${dtype === 'int8' ? 's8' : 'f32'}/${format}`;
}

/** The geometry a call's cost depends on, from the interpreter's prepared parameters. */
export interface CallGeometry {
  op: SparseOp;
  /** Input vectors: batches (FULLY_CONNECTED) or output pixels (convolutions). */
  n: number;
  rows: number;
  cols: number;
  taps: number;
  /** Convolutions: input channels; 1x1 convolutions with no padding read the input in place. */
  cin: number;
  /** Dense convolutions skip taps outside the input: the MACs they really do, per vector. */
  denseMacsPerVector: number;
  /** The conv patch is the input pixel itself (1x1, in bounds): no im2col copy. */
  inPlace: boolean;
  /** Convolutions: copies that build the patches (whole kernel rows inside the input, else taps). */
  rowCopies: number;
}

/** The part of an encoding the cost depends on. */
export type CostEncoding = Pick<EncodedMatrix, 'format' | 'aux2' | 'taps' | 'cols' | 'stored' | 'units'>;

export function callGeometry(op: SparseOp, params: FullyConnectedParams | Conv2DParams | DepthwiseConv2DParams): CallGeometry {
  if (op === 'fc') {
    const p = params as FullyConnectedParams;
    return { op, n: p.batches, rows: p.outputDepth, cols: p.accumDepth, taps: 1, cin: p.accumDepth, denseMacsPerVector: p.outputDepth * p.accumDepth, inPlace: true, rowCopies: 0 };
  }
  const p = params as Conv2DParams | DepthwiseConv2DParams;
  const taps = p.filterHeight * p.filterWidth;
  // Count the taps that fall inside the input, summed over output pixels.
  const inside = (outSize: number, stride: number, pad: number, dil: number, k: number, inSize: number): number => {
    let s = 0;
    for (let o = 0; o < outSize; o++) for (let t = 0; t < k; t++) {
      const i = o * stride - pad + t * dil;
      if (i >= 0 && i < inSize) s++;
    }
    return s;
  };
  const n = p.batches * p.outputHeight * p.outputWidth;
  const insideTaps =
    inside(p.outputHeight, p.strideH, p.padH, p.dilationH, p.filterHeight, p.inputHeight) *
    inside(p.outputWidth, p.strideW, p.padW, p.dilationW, p.filterWidth, p.inputWidth) * p.batches;
  if (op === 'conv') {
    const q = p as Conv2DParams;
    // Per output pixel and kernel row: one copy when the whole row lies inside the input
    // (dilation 1), else one per tap (tp_sp_patch_s8).
    let rowCopies = 0;
    for (let oy = 0; oy < p.outputHeight; oy++) {
      for (let ox = 0; ox < p.outputWidth; ox++) {
        const x0 = ox * p.strideW - p.padW;
        const rowFits = p.dilationW === 1 && x0 >= 0 && x0 + p.filterWidth <= p.inputWidth;
        for (let ky = 0; ky < p.filterHeight; ky++) {
          const y = oy * p.strideH - p.padH + ky * p.dilationH;
          rowCopies += rowFits && y >= 0 && y < p.inputHeight ? 1 : p.filterWidth;
        }
      }
    }
    rowCopies *= p.batches;
    const inPlace = taps === 1 && p.padH === 0 && p.padW === 0;
    return { op, n, rows: q.outputDepth, cols: taps * q.filterInputDepth, taps, cin: q.filterInputDepth, denseMacsPerVector: (insideTaps / n) * q.filterInputDepth * q.outputDepth, inPlace, rowCopies: inPlace ? 0 : rowCopies };
  }
  return { op, n, rows: p.outputDepth, cols: taps, taps, cin: 1, denseMacsPerVector: (insideTaps / n) * p.outputDepth, inPlace: false, rowCopies: 0 };
}

/** The feature vector of a call (dense when `e` is undefined). */
export function costFeatures(g: CallGeometry, e: CostEncoding | undefined): number[] {
  const n = g.n;
  const copies = g.op === 'conv' ? g.rowCopies : n * g.taps;
  if (!e || e.format === 'dense') {
    return [1, n, n * g.rows, n * g.denseMacsPerVector, 0, n * (g.op === 'conv' && !g.inPlace ? g.cols : 0), copies];
  }
  let extra = 0;
  let c = copies;
  if (g.op === 'fc') extra = e.format === 'channel' ? e.aux2 : 0;
  else if (g.op === 'conv') {
    // The channel format gathers its channels tap by tap; 1x1 in-place patches copy nothing.
    extra = g.inPlace && e.format !== 'channel' ? 0 : e.format === 'channel' ? e.taps * e.aux2 : e.cols;
    c = e.format === 'channel' ? n * g.taps : copies;
  } else extra = g.taps;
  return [1, n, n * g.rows, n * e.stored, n * e.units, n * extra, c];
}

export function predict(entry: CostEntry, features: number[]): number {
  let s = 0;
  for (let i = 0; i < features.length; i++) s += (entry.coef[i] ?? 0) * features[i]!;
  return Math.max(0, Math.round(s));
}

/** Predicted instructions of a call, or undefined when the table has no entry for it. */
export function predictCall(family: KernelFamily, g: CallGeometry, dtype: WeightDType, e: CostEncoding | undefined, table: CostTable = COST_TABLE): number | undefined {
  const entry = table.entries[costKey(family, g.op, dtype, e?.format ?? 'dense')];
  return entry ? predict(entry, costFeatures(g, e)) : undefined;
}

/**
 * Least squares (normal equations, a tiny ridge for features a sample set does not vary).
 * Relative residuals are what must stay small, so each sample is weighted by 1/y.
 */
export function fitCost(samples: { features: number[]; instructions: number }[]): CostEntry {
  const k = FEATURE_NAMES.length;
  const a = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const b = new Array<number>(k).fill(0);
  // Scale columns so the ridge term treats them alike.
  const scale = new Array<number>(k).fill(0);
  for (const s of samples) s.features.forEach((f, i) => (scale[i] = Math.max(scale[i]!, Math.abs(f))));
  for (let i = 0; i < k; i++) if (scale[i] === 0) scale[i] = 1;
  // Weighted by 1/y: each sample's row is divided by its count, so the target is 1.
  for (const s of samples) {
    const w = 1 / Math.max(1, s.instructions);
    const x = s.features.map((f, i) => (w * f) / scale[i]!);
    for (let i = 0; i < k; i++) {
      b[i]! += x[i]!;
      for (let j = 0; j < k; j++) a[i]![j]! += x[i]! * x[j]!;
    }
  }
  // A tiny ridge, relative to the data, for features the samples do not vary.
  const ridge = 1e-9 * Math.max(...a.map((row, i) => row[i]!));
  for (let i = 0; i < k; i++) a[i]![i]! += ridge;
  const sol = solve(a, b).map((c, i) => c / scale[i]!);
  const entry: CostEntry = { coef: sol, samples: samples.length, maxError: 0 };
  for (const s of samples) {
    const err = Math.abs(predict(entry, s.features) - s.instructions) / Math.max(1, s.instructions);
    entry.maxError = Math.max(entry.maxError, err);
  }
  return entry;
}

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    if (Math.abs(piv) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / piv;
      for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[n]! / row[i]!));
}
