/**
 * Activation ranges from a calibration set: run the float model (TF.js view) on batches and
 * record, for every activation tensor, its min/max — or a percentile range, which ignores rare
 * outliers and so gives finer int8 steps for the bulk of the values.
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { tf } from '../train/backend.js';
import { forward, type TrainableModel } from '../train/view.js';

export type RangeMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

export interface TensorRange {
  min: number;
  max: number;
}

/** At most this many values per tensor are kept for percentiles (evenly strided). */
const PERCENTILE_KEEP = 200_000;

export function calibrate(m: TrainableModel, data: Dataset, opts: { samples?: number; batchSize?: number; method?: RangeMethod } = {}): Map<number, TensorRange> {
  const method = opts.method ?? { kind: 'minmax' };
  const n = Math.min(data.y.length, opts.samples ?? 512);
  const bs = opts.batchSize ?? 64;
  const per = sampleSize(data);
  const keep = m.graph.tensors.map((t, i) => i).filter((i) => !m.graph.tensors[i]!.data && m.graph.tensors[i]!.dtype === 'float32');
  const mins = new Map<number, number>();
  const maxs = new Map<number, number>();
  const values = new Map<number, number[]>();
  for (let s = 0; s < n; s += bs) {
    const count = Math.min(bs, n - s);
    const got = new Map<number, Float32Array>();
    tf.tidy(() => {
      const x = tf.tensor(data.x.slice(s * per, (s + count) * per), [count, ...m.sampleShape]);
      const { kept } = forward(m, x, { keep });
      for (const [t, v] of kept) got.set(t, v.dataSync() as Float32Array);
    });
    for (const [t, v] of got) {
      let lo = mins.get(t) ?? Infinity;
      let hi = maxs.get(t) ?? -Infinity;
      for (const x of v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      mins.set(t, lo);
      maxs.set(t, hi);
      if (method.kind === 'percentile') {
        const arr = values.get(t) ?? [];
        const stride = Math.max(1, Math.ceil((v.length * Math.ceil(n / bs)) / PERCENTILE_KEEP));
        for (let i = 0; i < v.length; i += stride) arr.push(v[i]!);
        values.set(t, arr);
      }
    }
  }
  const out = new Map<number, TensorRange>();
  for (const [t, lo] of mins) {
    let min = lo;
    let max = maxs.get(t)!;
    if (method.kind === 'percentile') {
      const arr = Float64Array.from(values.get(t)!).sort();
      const q = (p: number): number => arr[Math.min(arr.length - 1, Math.max(0, Math.round((p / 100) * (arr.length - 1))))]!;
      min = q(100 - method.percentile);
      max = q(method.percentile);
    }
    out.set(t, { min, max });
  }
  return out;
}
