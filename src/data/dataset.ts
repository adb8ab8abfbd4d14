/**
 * Labelled data sets as plain typed arrays, and deterministic (seeded) splits.
 *
 * Samples are float32 and stored back to back (`x.length === count * prod(sampleShape)`), in the
 * layout the model consumes (NHWC images without the batch axis, [features] vectors, [samples]
 * audio). Labels are class indices 0..numClasses-1.
 */
import { TinypruneError } from '../errors.js';
import { Prng } from '../util/prng.js';

export interface Dataset {
  name: string;
  /** Shape of one sample, e.g. [28, 28, 1]. */
  sampleShape: number[];
  x: Float32Array;
  y: Int32Array;
  numClasses: number;
}

export function sampleSize(ds: Pick<Dataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

export function datasetCount(ds: Dataset): number {
  return ds.y.length;
}

/** Checks sizes and label range; every loader ends with it so a mismatch fails here, named. */
export function checkDataset(ds: Dataset): Dataset {
  const per = sampleSize(ds);
  if (ds.sampleShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new TinypruneError('E_DATA', `sample shape [${ds.sampleShape.join(', ')}] has a non-positive dimension`, { where: ds.name });
  }
  if (ds.x.length !== per * ds.y.length) {
    throw new TinypruneError(
      'E_DATA',
      `${ds.y.length} labels but ${ds.x.length / per} samples of shape [${ds.sampleShape.join(', ')}] (${ds.x.length} values)`,
      { where: ds.name, hint: 'the sample file and the label file must hold the same number of items, in the same order' },
    );
  }
  for (let i = 0; i < ds.y.length; i++) {
    const l = ds.y[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= ds.numClasses) {
      throw new TinypruneError('E_DATA', `label ${l} of sample ${i} is outside 0..${ds.numClasses - 1}`, {
        where: ds.name,
        allowed: `integer class indices 0..${ds.numClasses - 1}`,
      });
    }
  }
  return ds;
}

/** The samples at `indices`, in that order. */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  const per = sampleSize(ds);
  const x = new Float32Array(indices.length * per);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    x.set(ds.x.subarray(i * per, (i + 1) * per), k * per);
    y[k] = ds.y[i]!;
  }
  return { name, sampleShape: [...ds.sampleShape], x, y, numClasses: ds.numClasses };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates on our own PRNG: same on every machine). */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = new Prng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

export interface SplitOptions {
  /** Number of samples in the first part (or a fraction in (0, 1)). */
  first: number;
  seed: number;
}

/**
 * Splits a data set into two disjoint parts after a seeded shuffle, e.g. MNIST's 10,000 test
 * images into 8,000 for training and 2,000 held out.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions): [Dataset, Dataset] {
  const n = ds.y.length;
  const k = opts.first > 0 && opts.first < 1 ? Math.round(opts.first * n) : opts.first;
  if (!Number.isInteger(k) || k <= 0 || k >= n) {
    throw new TinypruneError('E_DATA', `cannot split ${n} samples into ${opts.first} and the rest`, {
      where: ds.name,
      allowed: `a count 1..${n - 1} or a fraction in (0, 1)`,
    });
  }
  const perm = seededPermutation(n, opts.seed);
  return [subset(ds, perm.subarray(0, k), `${ds.name}[split ${opts.seed}: first ${k}]`), subset(ds, perm.subarray(k), `${ds.name}[split ${opts.seed}: last ${n - k}]`)];
}

/** Per-class counts (a quick sanity check of a split). */
export function classCounts(ds: Dataset): number[] {
  const c = new Array<number>(ds.numClasses).fill(0);
  for (const l of ds.y) c[l] = (c[l] ?? 0) + 1;
  return c;
}
