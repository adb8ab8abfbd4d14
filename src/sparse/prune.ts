/**
 * One-shot magnitude pruning of a weight matrix (no data, no fine-tuning): zero the least
 * important units until a target fraction of the weights is zero. The unit is the
 * granularity — single weights, blocks, N:M groups, kernel patterns, filterlets or whole
 * output channels — so each sparse format can be fed the structure it stores best.
 * Importance is the L1 norm of |weight| * row scale (the real value of a per-channel
 * quantised int8 weight). Ties break by position, so the result is deterministic.
 */
import { TinypruneError } from '../errors.js';
import { patternTable } from './formats/pattern.js';
import type { WeightMatrix } from './types.js';

export const GRANULARITIES = ['element', 'block1x4', 'block4x1', 'block4x2', 'block1x16', 'nm2_4', 'nm1_4', 'nm1_8', 'pattern', 'filterlet', 'channel'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export function isGranularity(s: string): s is Granularity {
  return (GRANULARITIES as readonly string[]).includes(s);
}

/** Fraction of zero weights. */
export function sparsityOf(m: WeightMatrix): number {
  let z = 0;
  for (let i = 0; i < m.values.length; i++) if (m.values[i] === 0) z++;
  return m.values.length === 0 ? 0 : z / m.values.length;
}

function copy(m: WeightMatrix): WeightMatrix {
  return { ...m, values: m.values.slice() };
}

/**
 * Zeroes whole units, least important first, until at least round(target * n) weights are
 * zero (weights that already are zero count).
 */
function zeroUnits(m: WeightMatrix, units: number[][], mag: (i: number) => number, target: number): void {
  const goal = Math.round(target * m.values.length);
  let zeros = 0;
  for (let i = 0; i < m.values.length; i++) if (m.values[i] === 0) zeros++;
  if (zeros >= goal) return;
  const scored = units.map((u, k) => ({ u, k, score: u.reduce((s, i) => s + mag(i), 0) }));
  scored.sort((a, b) => a.score - b.score || a.k - b.k);
  for (const { u } of scored) {
    if (zeros >= goal) break;
    for (const i of u) {
      if (m.values[i] !== 0) {
        m.values[i] = 0;
        zeros++;
      }
    }
  }
}

function blockUnits(m: WeightMatrix, br: number, bc: number): number[][] {
  const units: number[][] = [];
  for (let g = 0; g * br < m.rows; g++) {
    for (let b = 0; b * bc < m.cols; b++) {
      const u: number[] = [];
      for (let i = g * br; i < Math.min(m.rows, g * br + br); i++) for (let j = b * bc; j < Math.min(m.cols, b * bc + bc); j++) u.push(i * m.cols + j);
      units.push(u);
    }
  }
  return units;
}

/** Keeps the n largest of every m consecutive inputs of a row. */
function pruneNM(p: WeightMatrix, mag: (i: number) => number, n: number, mm: number): void {
  for (let r = 0; r < p.rows; r++) {
    for (let g = 0; g * mm < p.cols; g++) {
      const idx: number[] = [];
      for (let c = g * mm; c < Math.min(p.cols, g * mm + mm); c++) idx.push(r * p.cols + c);
      idx.sort((a, b) => mag(b) - mag(a) || a - b);
      for (const i of idx.slice(n)) p.values[i] = 0;
    }
  }
}

/**
 * Pattern pruning (PatDNN): every KxK kernel keeps its k largest taps, k chosen so that the
 * layer reaches the target (whole kernels are dropped on top when k = 1 is not sparse
 * enough); the 16 most frequent resulting masks form the table and each kernel is projected
 * onto the table mask that keeps the most of its magnitude.
 */
function prunePattern(p: WeightMatrix, mag: (i: number) => number, target: number, tableSize = 16): void {
  const cin = p.cols / p.taps;
  const keepFrac = 1 - target;
  const k = Math.min(p.taps, Math.max(1, Math.ceil(keepFrac * p.taps - 1e-9)));
  const kernels: number[][] = [];
  for (let r = 0; r < p.rows; r++) for (let ci = 0; ci < cin; ci++) kernels.push(Array.from({ length: p.taps }, (_, t) => r * p.cols + t * cin + ci));
  const topMask = (u: number[]): number => {
    const order = u.map((i, t) => ({ t, v: mag(i) })).sort((a, b) => b.v - a.v || a.t - b.t);
    return order.slice(0, k).reduce((mask, o) => (mask | (1 << o.t)) >>> 0, 0);
  };
  const table = patternTable(kernels.map(topMask)).slice(0, tableSize);
  for (const u of kernels) {
    let best = table[0] ?? 0;
    let bestScore = -1;
    for (const mask of table) {
      const s = u.reduce((acc, i, t) => acc + ((mask >>> t) & 1 ? mag(i) : 0), 0);
      if (s > bestScore) (best = mask), (bestScore = s);
    }
    u.forEach((i, t) => {
      if (!((best >>> t) & 1)) p.values[i] = 0;
    });
  }
  // Kernel-level pruning for what k taps per kernel could not reach.
  zeroUnits(p, kernels, mag, target);
}

export function pruneMatrix(m: WeightMatrix, rowScale: readonly number[], granularity: Granularity, target: number): WeightMatrix {
  if (!(target >= 0 && target <= 1)) {
    throw new TinypruneError('E_USAGE', `sparsity ${target} is not in [0, 1]`, { allowed: 'a fraction from 0 (dense) to 1 (all zero), e.g. 0.8' });
  }
  const p = copy(m);
  const mag = (i: number): number => Math.abs(p.values[i]!) * (rowScale[Math.floor(i / p.cols)] ?? 1);
  const cin = p.cols / p.taps;
  switch (granularity) {
    case 'element':
      zeroUnits(p, Array.from({ length: p.values.length }, (_, i) => [i]), mag, target);
      break;
    case 'block1x4':
      zeroUnits(p, blockUnits(p, 1, 4), mag, target);
      break;
    case 'block4x1':
      zeroUnits(p, blockUnits(p, 4, 1), mag, target);
      break;
    case 'block4x2':
      zeroUnits(p, blockUnits(p, 4, 2), mag, target);
      break;
    case 'block1x16':
      zeroUnits(p, blockUnits(p, 1, 16), mag, target);
      break;
    case 'nm2_4':
    case 'nm1_4':
    case 'nm1_8': {
      const [n, mm] = granularity === 'nm2_4' ? [2, 4] : granularity === 'nm1_4' ? [1, 4] : [1, 8];
      pruneNM(p, mag, n, mm);
      zeroUnits(p, Array.from({ length: p.values.length }, (_, i) => [i]), mag, target);
      break;
    }
    case 'pattern':
      prunePattern(p, mag, target);
      break;
    case 'filterlet': {
      const units: number[][] = [];
      for (let r = 0; r < p.rows; r++) for (let t = 0; t < p.taps; t++) units.push(Array.from({ length: cin }, (_, ci) => r * p.cols + t * cin + ci));
      zeroUnits(p, units, mag, target);
      break;
    }
    case 'channel':
      zeroUnits(p, Array.from({ length: p.rows }, (_, r) => Array.from({ length: p.cols }, (_, c) => r * p.cols + c)), mag, target);
      break;
  }
  return p;
}
