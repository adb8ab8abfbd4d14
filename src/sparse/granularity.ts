/**
 * The one granularity vocabulary (issue #11): the type, its parser and printer, and the mask
 * it puts on a weight matrix. `build --sparsity/--granularity`, `prune`, the pipeline, plans
 * and the config file all go through here.
 *
 * A granularity is the unit that pruning keeps or drops, on the weight matrix of
 * src/sparse/types.ts (a row per output channel, a column per term of its dot product,
 * tap-major: col = tap * cin + ci; a depthwise filter is a row of KH*KW taps per channel):
 *
 *   element       one weight (aliases: fine, unstructured)
 *   N:M           in every M consecutive columns of a row keep the N largest (2:4, 1:4, 1:8;
 *                 aliases nm2_4, nm1_4, nm1_8 — the names of the formats that store them)
 *   blockRxC      R consecutive rows by C consecutive columns (block1x4, block4x1, block4x2,
 *                 block1x16; aliases 1x4, 4x1); blocks at the edges may be partial
 *   kernel        the KH*KW taps of one (row, input channel)
 *   filterlet     the input channels of one (row, tap)
 *   pattern       every kernel keeps one of a table of tap masks (PatDNN); "pattern" picks
 *                 how many taps to keep from the target and up to 16 masks, "pattern-K/P"
 *                 keeps K taps and P masks
 *   channel       a whole row (aliases: filter, neuron)
 *
 * On an operator without kernels (FULLY_CONNECTED, taps = 1) kernel and pattern act as
 * element and filterlet as channel; on a depthwise filter (one input per row) filterlet acts
 * as element. granularityNote says so, for the log.
 */
import { TinypruneError } from '../errors.js';
import { patternTable } from './formats/pattern.js';

export type Granularity =
  | { kind: 'element' }
  | { kind: 'n:m'; n: number; m: number }
  | { kind: 'block'; rows: number; cols: number }
  | { kind: 'kernel' }
  | { kind: 'filterlet' }
  /** keep: taps kept per kernel (null: chosen from the target); patterns: table size. */
  | { kind: 'pattern'; keep: number | null; patterns: number }
  | { kind: 'channel' };

/** A granularity as granularityName prints it (the canonical spelling). */
export type GranularityName = string;

/** What a caller may pass: a parsed granularity or any accepted spelling. */
export type GranularityLike = Granularity | string;

/** The common granularities by canonical name (parametric forms accept other numbers too). */
export const GRANULARITY_NAMES = ['element', '2:4', '1:4', '1:8', 'block1x4', 'block4x1', 'block4x2', 'block1x16', 'kernel', 'filterlet', 'pattern', 'channel'] as const;

/** Table size of a bare "pattern" (the pattern format holds more; small tables index cheaply). */
const DEFAULT_PATTERNS = 16;
const MAX_PATTERNS = 255;

/** For messages, --help and the config schema. */
export const GRANULARITY_ALLOWED =
  'element, N:M (2:4, 1:4, 1:8), blockRxC (block1x4, block4x1, block4x2, block1x16), kernel, filterlet, pattern[-K][/P], channel; ' +
  'also accepted: nm2_4/nm1_4/nm1_8 (= 2:4/1:4/1:8), 1xK/Kx1 (= block1xK/blockKx1), fine|unstructured (= element), filter|neuron (= channel)';

const WORDS: Readonly<Record<string, Granularity>> = {
  element: { kind: 'element' },
  fine: { kind: 'element' },
  unstructured: { kind: 'element' },
  kernel: { kind: 'kernel' },
  filterlet: { kind: 'filterlet' },
  channel: { kind: 'channel' },
  filter: { kind: 'channel' },
  neuron: { kind: 'channel' },
};

function bad(text: string, why: string | undefined, where?: string): TinypruneError {
  return new TinypruneError('E_USAGE', why ? `granularity '${text}': ${why}` : `unknown granularity '${text}'`, { allowed: GRANULARITY_ALLOWED, ...(where ? { where } : {}) });
}

/** Parses any accepted spelling; an unknown one is E_USAGE listing the allowed names. */
export function parseGranularity(text: string, where?: string): Granularity {
  const t = text.trim().toLowerCase();
  const word = WORDS[t];
  if (word) return { ...word };
  let m: RegExpExecArray | null;
  if ((m = /^(\d+):(\d+)$/.exec(t)) || (m = /^nm(\d+)_(\d+)$/.exec(t))) {
    const n = Number(m[1]);
    const mm = Number(m[2]);
    if (n < 1 || n >= mm || mm > 32) throw bad(text, 'N:M needs 1 ≤ N < M ≤ 32', where);
    return { kind: 'n:m', n, m: mm };
  }
  if ((m = /^(?:block)?(\d+)x(\d+)$/.exec(t))) {
    const rows = Number(m[1]);
    const cols = Number(m[2]);
    if (rows < 1 || cols < 1 || rows > 64 || cols > 64 || rows * cols === 1) throw bad(text, 'a block needs 1..64 rows and columns and more than one weight (use element)', where);
    return { kind: 'block', rows, cols };
  }
  if ((m = /^pattern(?:-(\d+))?(?:\/(\d+))?$/.exec(t))) {
    const keep = m[1] === undefined ? null : Number(m[1]);
    const patterns = m[2] === undefined ? DEFAULT_PATTERNS : Number(m[2]);
    if ((keep !== null && keep < 1) || patterns < 1 || patterns > MAX_PATTERNS) throw bad(text, `pattern-K/P needs K ≥ 1 and 1 ≤ P ≤ ${MAX_PATTERNS}`, where);
    return { kind: 'pattern', keep, patterns };
  }
  throw bad(text, undefined, where);
}

/** The canonical spelling: parseGranularity(granularityName(g)) equals g. */
export function granularityName(g: Granularity): GranularityName {
  switch (g.kind) {
    case 'n:m':
      return `${g.n}:${g.m}`;
    case 'block':
      return `block${g.rows}x${g.cols}`;
    case 'pattern':
      return `pattern${g.keep === null ? '' : `-${g.keep}`}${g.patterns === DEFAULT_PATTERNS ? '' : `/${g.patterns}`}`;
    default:
      return g.kind;
  }
}

export function toGranularity(g: GranularityLike, where?: string): Granularity {
  return typeof g === 'string' ? parseGranularity(g, where) : g;
}

/** The canonical name of any accepted spelling. */
export function canonicalGranularity(text: string, where?: string): GranularityName {
  return granularityName(parseGranularity(text, where));
}

/** For validators (the config file): what is wrong with a spelling, or undefined. */
export function granularityProblem(text: string): string | undefined {
  try {
    parseGranularity(text);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Rows x cols, cols = taps x input channels (a WeightMatrix satisfies it). */
export interface MatrixShape {
  rows: number;
  cols: number;
  taps: number;
}

/**
 * How a granularity acts on a matrix of this shape when that differs from its name (FC has no
 * kernels, a depthwise row has one input channel, blocks at the edges are partial), or
 * undefined when it applies as named.
 */
export function granularityNote(s: MatrixShape, g: Granularity, opcode: string): string | undefined {
  const cin = s.cols / s.taps;
  const name = granularityName(g);
  if ((g.kind === 'kernel' || g.kind === 'pattern') && s.taps === 1) return `${name} on ${opcode} acts as element (no spatial kernels)`;
  if (g.kind === 'filterlet' && s.taps === 1) return `filterlet on ${opcode} acts as channel (one tap per row)`;
  if (g.kind === 'filterlet' && cin === 1) return `filterlet on ${opcode} acts as element (one input channel per filter)`;
  if (g.kind === 'block' && opcode === 'DEPTHWISE_CONV_2D' && g.rows > 1) return `${name} on ${opcode} groups ${g.rows} channels at the same tap`;
  if (g.kind === 'block' && (s.rows % g.rows !== 0 || s.cols % g.cols !== 0)) return `${name} on ${opcode} [${s.rows}x${s.cols}] has partial blocks at the edges`;
  if (g.kind === 'n:m' && s.cols % g.m !== 0) return `${name} on ${opcode} has a partial last group of ${s.cols % g.m} in each row of ${s.cols}`;
  return undefined;
}

type Mag = (i: number) => number;

/**
 * Drops whole units, least important first (ties by unit order), until at least
 * round(target * n) weights are dropped (weights already dropped count).
 */
function dropUnits(keep: Uint8Array, units: number[][], mag: Mag, target: number): void {
  const goal = Math.round(target * keep.length);
  let zeros = 0;
  for (let i = 0; i < keep.length; i++) if (!keep[i]) zeros++;
  if (zeros >= goal) return;
  const scored = units.map((u, k) => ({ u, k, score: u.reduce((s, i) => s + mag(i), 0) }));
  scored.sort((a, b) => a.score - b.score || a.k - b.k);
  for (const { u } of scored) {
    if (zeros >= goal) break;
    for (const i of u) {
      if (keep[i]) {
        keep[i] = 0;
        zeros++;
      }
    }
  }
}

function blockUnits(s: MatrixShape, br: number, bc: number): number[][] {
  const units: number[][] = [];
  for (let g = 0; g * br < s.rows; g++) {
    for (let b = 0; b * bc < s.cols; b++) {
      const u: number[] = [];
      for (let i = g * br; i < Math.min(s.rows, g * br + br); i++) for (let j = b * bc; j < Math.min(s.cols, b * bc + bc); j++) u.push(i * s.cols + j);
      units.push(u);
    }
  }
  return units;
}

/** The taps of every (row, input channel), in (row, ci) order. */
function kernelUnits(s: MatrixShape): number[][] {
  const cin = s.cols / s.taps;
  const kernels: number[][] = [];
  for (let r = 0; r < s.rows; r++) for (let ci = 0; ci < cin; ci++) kernels.push(Array.from({ length: s.taps }, (_, t) => r * s.cols + t * cin + ci));
  return kernels;
}

/** The units a group granularity keeps or drops whole (undefined for N:M and pattern). */
export function unitsOf(s: MatrixShape, g: Granularity): number[][] | undefined {
  const cin = s.cols / s.taps;
  switch (g.kind) {
    case 'element':
      return Array.from({ length: s.rows * s.cols }, (_, i) => [i]);
    case 'block':
      return blockUnits(s, g.rows, g.cols);
    case 'kernel':
      return kernelUnits(s);
    case 'filterlet': {
      const units: number[][] = [];
      for (let r = 0; r < s.rows; r++) for (let t = 0; t < s.taps; t++) units.push(Array.from({ length: cin }, (_, ci) => r * s.cols + t * cin + ci));
      return units;
    }
    case 'channel':
      return Array.from({ length: s.rows }, (_, r) => Array.from({ length: s.cols }, (_, c) => r * s.cols + c));
    default:
      return undefined;
  }
}

/** Keeps the n largest of every m consecutive columns of a row. */
function keepNM(keep: Uint8Array, s: MatrixShape, mag: Mag, n: number, mm: number): void {
  for (let r = 0; r < s.rows; r++) {
    for (let g = 0; g * mm < s.cols; g++) {
      const idx: number[] = [];
      for (let c = g * mm; c < Math.min(s.cols, g * mm + mm); c++) idx.push(r * s.cols + c);
      idx.sort((a, b) => mag(b) - mag(a) || a - b);
      for (const i of idx.slice(n)) keep[i] = 0;
    }
  }
}

/**
 * Pattern pruning (PatDNN): every kernel keeps its k largest taps (k given, or chosen so that
 * the layer reaches the target); the most frequent resulting masks form the table and each
 * kernel is projected onto the table mask that keeps the most of its magnitude. Whole kernels
 * are dropped on top when that is not sparse enough (connectivity pruning).
 */
function keepPattern(keep: Uint8Array, s: MatrixShape, mag: Mag, g: { keep: number | null; patterns: number }, target: number): void {
  const k = Math.min(s.taps, g.keep ?? Math.max(1, Math.ceil((1 - target) * s.taps - 1e-9)));
  const kernels = kernelUnits(s);
  const topMask = (u: number[]): number => {
    const order = u.map((i, t) => ({ t, v: mag(i) })).sort((a, b) => b.v - a.v || a.t - b.t);
    return order.slice(0, k).reduce((mask, o) => (mask | (1 << o.t)) >>> 0, 0);
  };
  const table = patternTable(kernels.map(topMask)).slice(0, g.patterns);
  for (const u of kernels) {
    let best = table[0] ?? 0;
    let bestScore = -1;
    for (const mask of table) {
      const sc = u.reduce((acc, i, t) => acc + ((mask >>> t) & 1 ? mag(i) : 0), 0);
      if (sc > bestScore) (best = mask), (bestScore = sc);
    }
    u.forEach((i, t) => {
      if (!((best >>> t) & 1)) keep[i] = 0;
    });
  }
  dropUnits(keep, kernels, mag, target);
}

/**
 * The keep mask (1 = kept) of a matrix at a target fraction of dropped weights. `score` is
 * each weight's importance (≥ 0, row-major); `alive` marks the weights not already zero
 * (default all). Least important units go first, ties by position: deterministic. N:M keeps
 * its N of M and then drops single weights up to the target.
 */
export function granularityMask(s: MatrixShape, score: ArrayLike<number>, g: GranularityLike, target: number, alive?: Uint8Array): Uint8Array {
  if (!(target >= 0 && target <= 1)) {
    throw new TinypruneError('E_USAGE', `sparsity ${target} is not in [0, 1]`, { allowed: 'a fraction from 0 (dense) to 1 (all zero), e.g. 0.8' });
  }
  const gran = toGranularity(g);
  const keep = alive ? alive.slice() : new Uint8Array(s.rows * s.cols).fill(1);
  const mag: Mag = (i) => (keep[i] ? score[i]! : 0);
  if (gran.kind === 'n:m') {
    keepNM(keep, s, mag, gran.n, gran.m);
    dropUnits(keep, unitsOf(s, { kind: 'element' })!, mag, target);
  } else if (gran.kind === 'pattern') {
    keepPattern(keep, s, mag, gran, target);
  } else {
    dropUnits(keep, unitsOf(s, gran)!, mag, target);
  }
  return keep;
}
