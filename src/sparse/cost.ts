/**
 * Cost model: instructions of one kernel call as a linear function of a few counts,
 *
 *   instructions = c0 + c1*rows + c2*n + c3*n*rows + c4*n*stored + c5*n*units + c6*n*runs
 *                + c7*n*extra + c8*patches + c9*copies + c10*n*tail + c11*n*vec
 *
 * where the lone rows term is the call's argument check (int8 kernels walk the per-channel
 * requantisation arrays once per call, not per vector: a batch of 2 pays it once; counted for
 * FULLY_CONNECTED only — beside a convolution's per-pixel work it is lost, and the few row
 * counts of the conv samples cannot tell it from the fixed cost); n is the number of input
 * vectors the weights are applied to (batches for FULLY_CONNECTED, output pixels for the
 * convolutions); rows the output channels; stored the values the format stores (what the
 * kernel multiplies, padding included); units the format's own loop units (blocks, groups,
 * filterlets, mask bytes, kernels …; for dense kernels the dot-product calls); runs the times
 * the loop over those units starts (the rows, row groups or CSR segments of a row-pointer
 * format that hold at least one unit — an empty one skips it, and at high sparsity many are;
 * N:M: the metadata words, each a run of groups); extra the values moved per vector besides
 * the weights (a convolution's im2col patch, a gathered input); patches the vectors whose
 * patch is built (a convolution's output pixels unless the input pixel is the patch itself);
 * copies the pieces those are moved in (per output pixel: one per kernel row that lies inside
 * the input, one per tap where a row is clipped by padding; n*taps for depthwise, n for
 * fully-connected). The last two count what a kernel's main loop does not: tail the work of
 * its remainder path beside an unrolled or vector main loop (values done one at a time; block
 * 4x1: a row group's odd last block, outside the loop over pairs), and vec the
 * iterations of its Helium vector loops (16 bytes, or 8 gathered lanes, each, the last one
 * predicated: a short dot product costs a whole iteration). See costFeatures for what each
 * counts per kernel. Why these: issue 4 wants predictions within 5%; each was added where a
 * kernel's structure made the fit miss (e.g. channel: the kept rows left after the groups of
 * four take a one-row loop; int8 CSR: its remainder loop; Helium: whole 16-byte iterations).
 *
 * Coefficients are per cost family (see CostFamily), op, dtype and format, fitted by least
 * squares to exact QEMU instruction counts by bench/cost-model.ts, which regenerates
 * cost-table.ts. Dense kernels have entries too (stored = MACs per vector).
 */
import type { Core } from '../boards/schema.js';
import type { SparseOp } from './formats/index.js';
import { FC_PAIRS_MIN_MACS, type KernelFamily } from './kernels.js';
import type { EncodedMatrix, FormatName, WeightDType } from './types.js';
import { COST_TABLE } from './cost-table.js';
import type { CallGeometry } from './cost-geometry.js';

export { callGeometry, SMALL_PATCH_MAX_TAPS, type CallGeometry } from './cost-geometry.js';

export const FEATURE_NAMES = ['fixed', 'rows', 'n', 'n*rows', 'n*stored', 'n*units', 'n*runs', 'n*extra', 'patches', 'copies', 'n*tail', 'n*vec'] as const;

/**
 * What the coefficients are keyed by: the kernel family, except that the plain kernels on an
 * ARMv6-M core (Cortex-M0/M0+) get their own rows, 'm0'. There the same C compiles to Thumb-1
 * (no multiply-accumulate, no unaligned or post-indexed loads, 8 low registers): roughly
 * twice the instructions per MAC, so the Cortex-M3 rows predicted half or less of what QEMU
 * measures on the micro:bit. Fitted there by `npm run bench:cost-model -- --family m0`.
 */
export type CostFamily = KernelFamily | 'm0';
export const COST_FAMILIES: readonly CostFamily[] = ['plain', 'dsp', 'mve', 'm0'];

/** The cost family of a build: its kernel family on its core. */
export function costFamily(kernels: KernelFamily, core: Core): CostFamily {
  return kernels === 'plain' && (core === 'cortex-m0' || core === 'cortex-m0plus') ? 'm0' : kernels;
}

/** The kernels a cost family runs (whose loop structure its features follow). */
export function kernelFamilyOf(family: CostFamily): KernelFamily {
  return family === 'm0' ? 'plain' : family;
}

export interface CostEntry {
  /** One coefficient per FEATURE_NAMES entry. */
  coef: number[];
  /** Calls measured for the fit, and the largest relative error of the fit on them. */
  samples: number;
  maxError: number;
  /** The largest relative error on samples left out of the fit (4-fold cross-validation in
   * bench/cost-model.ts: each quarter against the fit of the other three). */
  heldOutError?: number;
}

export interface CostTable {
  /** How the counts were obtained (machines, toolchain, date-free). */
  source: string;
  /** Which QEMU machine measured each family. */
  machines: Record<CostFamily, string>;
  entries: Record<string, CostEntry>;
}

export function costKey(family: CostFamily, op: SparseOp, dtype: WeightDType, format: FormatName): string {
  return `${family}/${op}/${dtype === 'int8' ? 's8' : 'f32'}/${format}`;
}

/** Whether the dense int8 kernel of this call is tp_conv_2d_s8_small (see smallPatch). */
export function smallPatchConv(g: CallGeometry, dtype: WeightDType): boolean {
  return dtype === 'int8' && g.smallPatch === true;
}

/** The cost table key of a call: costKey, with dense small-patch convolutions apart. */
export function callCostKey(family: CostFamily, g: CallGeometry, dtype: WeightDType, format: FormatName): string {
  const key = costKey(family, g.op, dtype, format);
  return format === 'dense' && smallPatchConv(g, dtype) ? `${key}-small` : key;
}

/** Pairs of taps of tp_conv_2d_s8_small's patch (tp_conv_small_pairs in tp_kernels.h). */
const smallPairs = (n: number): number => 2 * Math.floor((n - 1) / 4) + ((n - 1) % 4 !== 0 ? 2 : 1);

/** Pairs from which the dsp tp_conv_2d_s8_small runs two pixels at a time
 * (TP_SMALL_PX2_MIN_PAIRS in firmware/kernels/dsp/tp_conv_2d_s8_small.c). */
const SMALL_PAIRS_TWO_PIXELS = 8;

/** What the cost depends on in an encoding besides its sizes: counts over its arrays. */
export interface EncodingCounts {
  /** CSR: values in the remainder of each row segment after its groups of four (len % 4),
   * and the segments with at least one group of four. */
  segRem4: number;
  segRuns4: number;
  /** CSR: 8-lane iterations over the row segments (sum of ceil(len / 8)). */
  segVec8: number;
  /** Blocks 4x1: row groups with an odd number of blocks (the last one left over by the
   * loop over pairs of blocks). */
  oddGroups: number;
  /** Blocks 1xC: blocks cut short by the matrix's last column, and the real columns they hold. */
  shortBlocks: number;
  shortCols: number;
  /** Runs of the inner loop over units: row-pointer formats' rows (row groups, segments)
   * that hold at least one unit; N:M: metadata words. */
  runs: number;
}

/** The part of an encoding the cost depends on. */
export type CostEncoding = Pick<EncodedMatrix, 'format' | 'aux' | 'aux2' | 'taps' | 'cols' | 'stored' | 'units'> & { counts: EncodingCounts };

/** Formats whose ptr array holds row (row group, segment) offsets. */
const ROW_POINTERS: FormatName[] = ['csr8', 'csr16', 'rel4', 'block1x4', 'block4x1', 'block4x2', 'block1x16', 'filterlet'];

/** An encoding's cost summary (kept by bench/cost-model.ts with its samples). */
export function costEncoding(e: EncodedMatrix | CostEncoding): CostEncoding {
  if ('counts' in e) return e;
  const counts: EncodingCounts = { segRem4: 0, segRuns4: 0, segVec8: 0, oddGroups: 0, shortBlocks: 0, shortCols: 0, runs: 0 };
  if (ROW_POINTERS.includes(e.format) && e.ptr) {
    const p = e.ptr.values;
    for (let i = 0; i + 1 < p.length; i++) if (p[i + 1]! > p[i]!) counts.runs++;
  }
  if (e.format === 'block4x1' && e.ptr) {
    const p = e.ptr.values;
    for (let i = 0; i + 1 < p.length; i++) if ((p[i + 1]! - p[i]!) % 2 === 1) counts.oddGroups++;
  }
  if (e.format === 'nm2_4' || e.format === 'nm1_4' || e.format === 'nm1_8') {
    // aux = N, aux2 = M: 32 / (N * position bits) groups per word, words per row (tp_sp_rows_s8_nm).
    const perWord = Math.floor(32 / (e.aux * (e.aux2 === 4 ? 2 : 3)));
    counts.runs = e.rows * Math.ceil(Math.ceil(e.cols / e.aux2) / perWord);
  }
  if ((e.format === 'csr8' || e.format === 'csr16') && e.ptr) {
    const p = e.ptr.values;
    for (let i = 0; i + 1 < p.length; i++) {
      const len = p[i + 1]! - p[i]!;
      counts.segRem4 += len % 4;
      if (len >= 4) counts.segRuns4++;
      counts.segVec8 += Math.ceil(len / 8);
    }
  }
  if ((e.format === 'block1x4' || e.format === 'block1x16') && e.index && e.cols % e.aux2 !== 0) {
    const last = Math.floor(e.cols / e.aux2);
    counts.shortBlocks = e.index.values.filter((b) => b === last).length;
    counts.shortCols = counts.shortBlocks * (e.cols % e.aux2);
  }
  return { format: e.format, aux: e.aux, aux2: e.aux2, taps: e.taps, cols: e.cols, stored: e.stored, units: e.units, counts };
}

/** Kernels whose inner loops are Helium vector loops (firmware/kernels/mve, sparse/mve). */
function helium(family: KernelFamily, g: CallGeometry, dtype: WeightDType, format: FormatName): boolean {
  return family === 'mve' && dtype === 'int8' && g.op !== 'dw' && ['dense', 'block1x16', 'channel', 'csr16', 'csr8', 'filterlet'].includes(format);
}

/** Rows done as groups of four plus one at a time (dot4 kernels): dot-product calls. */
const dotCalls = (rows: number): number => Math.floor(rows / 4) + (rows % 4);

/** The feature vector of a dense call (costFeatures with no encoding). */
function denseFeatures(family: KernelFamily, g: CallGeometry, dtype: WeightDType): number[] {
  const n = g.n;
  const copies = g.op === 'conv' ? g.rowCopies : n * g.taps;
  const checked = g.op === 'fc' ? g.rows : 0;
  const patches = g.op === 'conv' && !g.inPlace ? n : 0;
  if (smallPatchConv(g, dtype)) {
    // tp_conv_2d_s8_small: per pixel its patch as int16 pairs (n*cols; border pixels first
    // filled with the zero point, border*cols), then blocks of 4 channels (units) with one
    // SMLAD per pair of taps and channel (stored; the plain kernel: the taps inside the input),
    // the channels left over one by one (tail), a requantisation per output (n*rows), a clamp
    // per output unless the range is all of int8 (patches). The plain kernel has the same
    // structure, one channel at a time; its gather loops over the taps, then their channels
    // (runs: n*taps). The dsp kernel (mve too) expands a pixel whose taps are all inside the
    // input straight from the input rows when a filter row is whole words, and otherwise
    // copies its patch a filter row at a time (copies: n*kh for those pixels). From
    // SMALL_PAIRS_TWO_PIXELS pairs on it runs the 4-channel blocks of two pixels per call (one
    // weight load for both, a call and the sums stored per block): its own MAC and per-block
    // coefficients, in the 'rows' and 'n*vec' slots (unused here).
    const pairs = smallPairs(g.cols);
    const border = n - (g.interiorPixels ?? n);
    const dsp = family !== 'plain';
    const kh = g.taps / g.kw;
    const patchPixels = dsp && (g.kw * g.cin) % 4 === 0 ? border : n;
    const gather = dsp ? patchPixels * kh : n * g.taps;
    const two = dsp && pairs >= SMALL_PAIRS_TWO_PIXELS;
    // Two pixels a call: a lone last pixel is computed twice (n2: n rounded up to even).
    const n2 = n + (n % 2);
    return [1, two ? n2 * g.rows * pairs : 0, n, n * g.rows, n * g.rows * pairs, n * dotCalls(g.rows), gather, n * g.cols, g.fullRange ? 0 : n * g.rows, border * g.cols, n * (g.rows % 4) * pairs, two ? n2 * dotCalls(g.rows) : 0];
  }
  // Dense kernels (units = dot products): four output channels per dot product (the rest
  // one by one), one per kernel row inside the input (dsp: one per pixel for 1x1 kernels and
  // for the short rows it gathers into a patch, kw * cin < 32 bytes).
  let units = 0;
  let vec = 0;
  let macs = g.denseMacsPerVector;
  // Helium with an input offset: each group of four rows is two loops over the input.
  const loops = helium(family, g, dtype, 'dense') && g.inputOffset ? 2 : 1;
  if (g.op === 'fc') {
    units = dotCalls(g.rows);
    if (helium(family, g, dtype, 'dense')) vec = loops * units * Math.ceil(g.cols / 16);
  } else if (g.op === 'conv') {
    const gathered = family === 'dsp' && dtype === 'int8' && (g.inPlace || (g.taps > 1 && g.kw * g.cin < 32 && g.cols <= 512));
    // The plain C kernel loops over output channels, then the kernel rows inside the input.
    units = family === 'plain' ? (g.rows * g.runs) / n : dotCalls(g.rows) * (gathered ? 1 : g.runs / n);
    // A gathered patch holds the padding too, and the dot products run over all of it.
    if (gathered && !g.inPlace) macs = g.rows * g.cols;
    if (helium(family, g, dtype, 'dense')) vec = (loops * dotCalls(g.rows) * g.runVec16) / n;
  }
  // extra, patches, copies: the pixel's taps as the sparse kernels' patch would take them
  // (dense kernels walk the same kernel rows, in place or through a patch).
  // The dsp 1x1 kernel is its own loop nest (pixel pairs, input expanded to int16 once,
  // 2-channel blocks in assembly): its own coefficients for outputs, input bytes and MACs.
  // Filters packed in channel pairs (src/codegen/ops/conv_pairs.ts, input depth 8-256) run a
  // cheaper loop of the same nest and are priced as this one, whose fit covers both (refitted
  // after the quads: fit within 6.0%, fresh cases 6.3%; before, the row fitted within 1.3% but
  // was 16.6% off on fresh cases, the packed layers ~20% over). A refit with features of their
  // own was tried before the quads: -flto's inlining across the sample layers moved the other
  // dense rows by 6-16%.
  if (g.op === 'conv' && g.inPlace && family === 'dsp' && dtype === 'int8') return [1, 0, n, 0, 0, 0, n * g.rows, n * g.cols, 0, 0, n * macs, 0];
  // The dsp int8 FULLY_CONNECTED with weights in row pairs (src/codegen/ops/fc_pairs.ts: input
  // depth a multiple of 4, at least 4 rows, FC_PAIRS_MIN_MACS multiply-adds): per output the requantisation (runs), per input
  // byte its share of the input sum (extra), the MACs of the row blocks (tail). The rows left
  // over run the one-row loop: their MACs go with the row-major kernel's (stored), as no
  // sample has such rows to fit a coefficient of their own.
  if (g.op === 'fc' && family === 'dsp' && dtype === 'int8' && g.cols % 4 === 0 && g.rows >= 4 && g.rows * g.cols >= FC_PAIRS_MIN_MACS) {
    const left = g.rows % 4;
    return [1, 0, n, 0, n * left * g.cols, 0, n * g.rows, n * g.cols, 0, 0, n * (g.rows - left) * g.cols, 0];
  }
  // So is its 3x3 depthwise path: per pixel all 9 taps of 4-channel blocks in assembly and
  // the requantisation (n*runs: outputs), a border pixel's window first gathered into a patch
  // (patches: the border pixels, n*extra: their window's channels). The requantisation's form
  // (tp_rq_mode) is not a feature: every sample is a RELU layer with right shifts, so the
  // samples could not tell the forms apart.
  if (g.op === 'dw' && g.dw3x3 === true && family === 'dsp' && dtype === 'int8') {
    const border = n - (g.interiorPixels ?? n);
    return [1, 0, n, 0, 0, 0, n * g.rows, border * g.rows, border, 0, 0, 0];
  }
  // The generic depthwise loops (plain C, any float kernel): per output channel a loop over
  // the kernel rows inside the input (n*units), then over their taps.
  if (g.op === 'dw' && (family === 'plain' || dtype === 'float32')) units = (g.rows * g.runs) / n;
  return [1, checked, n, n * g.rows, n * macs, n * units, 0, n * (g.op === 'conv' && !g.inPlace ? g.cols : 0), patches, copies, 0, n * vec];
}

/** The feature vector of a call (dense when `e` is undefined). */
export function costFeatures(costFam: CostFamily, g: CallGeometry, dtype: WeightDType, enc: EncodedMatrix | CostEncoding | undefined): number[] {
  const family = kernelFamilyOf(costFam);
  const n = g.n;
  const copies = g.op === 'conv' ? g.rowCopies : n * g.taps;
  const checked = g.op === 'fc' ? g.rows : 0;
  const patches = g.op === 'conv' && !g.inPlace ? n : 0;
  if (!enc || enc.format === 'dense') return denseFeatures(family, g, dtype);
  const e = costEncoding(enc);
  let extra = 0;
  let c = copies;
  if (g.op === 'fc') extra = e.format === 'channel' ? e.aux2 : 0;
  else if (g.op === 'conv') {
    // The channel format gathers its channels tap by tap (a tap outside the input is filled
    // four bytes at a time instead); 1x1 in-place patches copy nothing.
    extra = e.format === 'channel' ? (g.insideTaps / n) * e.aux2 : g.inPlace ? 0 : e.cols;
    c = e.format === 'channel' ? n * g.taps : copies;
  } else extra = g.taps;
  let tail = 0;
  let vec = 0;
  const vector = helium(family, g, dtype, e.format);
  const len = e.taps * e.aux2; // channel: the length of a kept row
  switch (e.format) {
    case 'csr8':
    case 'csr16':
      // int8 C kernels unroll the dot product by four; Helium gathers eight lanes at a time.
      if (vector) vec = e.counts.segVec8;
      else if (dtype === 'int8') tail = e.counts.segRem4;
      break;
    case 'block1x4':
    case 'block1x16':
      // A block cut short by the last column: int8 kernels do its real columns one by one
      // beside the unrolled (or vector) whole blocks; float kernels skip its padding.
      if (dtype === 'int8') tail = e.counts.shortCols;
      else tail = e.counts.shortBlocks * e.aux2 - e.counts.shortCols;
      if (vector) vec = e.units - e.counts.shortBlocks;
      break;
    case 'block4x1':
      // Blocks go in pairs; a group's odd last block takes the one-block path.
      tail = e.counts.oddGroups;
      break;
    case 'channel':
      // Kept rows go four at a time through one dot product; the 1-3 left over one by one.
      if (dtype === 'int8' && family !== 'plain') tail = (e.aux % 4) * len;
      // Plain int8 conv: the patch bytes of taps outside the input, filled a word at a time
      // (byte stores on the Cortex-M0, which has no unaligned access: its small samples pad a lot).
      else if (dtype === 'int8' && g.op === 'conv') tail = ((n * g.taps - g.insideTaps) / n) * e.aux2;
      if (vector) vec = dotCalls(e.aux) * Math.ceil(len / 16);
      break;
    case 'filterlet':
      if (vector) vec = e.units * Math.ceil(e.aux / 16);
      break;
    default:
      break;
  }
  // The int8 C CSR dot product is unrolled by four, then a remainder loop: the loop that
  // starts or not is the unrolled one (segments of four values or more).
  const runs = (e.format === 'csr8' || e.format === 'csr16') && dtype === 'int8' && !vector ? e.counts.segRuns4 : e.counts.runs;
  return [1, checked, n, n * g.rows, n * e.stored, n * e.units, n * runs, n * extra, e.format === 'channel' && g.op === 'conv' ? n : patches, c, n * tail, n * vec];
}

export function predict(entry: CostEntry, features: number[]): number {
  let s = 0;
  for (let i = 0; i < features.length; i++) s += (entry.coef[i] ?? 0) * features[i]!;
  return Math.max(0, Math.round(s));
}

/** Predicted instructions of a call, or undefined when the table has no entry for it. */
export function predictCall(family: CostFamily, g: CallGeometry, dtype: WeightDType, e: EncodedMatrix | CostEncoding | undefined, table: CostTable = COST_TABLE): number | undefined {
  const entry = table.entries[callCostKey(family, g, dtype, e?.format ?? 'dense')];
  return entry ? predict(entry, costFeatures(family, g, dtype, e)) : undefined;
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
