/**
 * Sensitivity analysis: prune one layer at a time over a grid of ratios, per granularity,
 * and measure validation accuracy with forward passes only (no fine-tuning). The curves show
 * which layers tolerate pruning — the input to choosing per-layer targets.
 */
import type { Dataset } from '../data/dataset.js';
import type { Progress } from '../util/progress.js';
import { evaluate } from '../train/train.js';
import { paramValues, setParamValues, weightLayers, type TrainableModel } from '../train/view.js';
import { criterion as criterionByName } from './criteria.js';
import { granularityName, parseGranularity, type Granularity } from '../sparse/granularity.js';
import { computeMask, maskSparsity } from './mask.js';

export interface SensitivityRow {
  layer: string;
  granularity: string;
  targetSparsity: number;
  sparsity: number;
  accuracy: number;
}

export interface SensitivityOptions {
  granularities?: string[];
  ratios?: number[];
  layers?: string[];
  criterion?: string;
  /** Validation samples used (the first N). */
  samples?: number;
  onRow?: (r: SensitivityRow) => void;
  /** Progress reporter: one step per (layer, granularity, ratio) evaluation, stage "sensitivity". */
  progress?: Progress;
}

export const DEFAULT_RATIOS = [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95];

export function sensitivity(m: TrainableModel, validation: Dataset, opts: SensitivityOptions = {}): SensitivityRow[] {
  const crit = criterionByName(opts.criterion ?? 'l1');
  const grans = (opts.granularities ?? ['element']).map((t) => [t, parseGranularity(t)] as [string, Granularity]);
  const ratios = opts.ratios ?? DEFAULT_RATIOS;
  const n = Math.min(validation.y.length, opts.samples ?? validation.y.length);
  const val: Dataset = n === validation.y.length ? validation : { ...validation, x: validation.x.subarray(0, n * (validation.x.length / validation.y.length)), y: validation.y.subarray(0, n) };
  const rows: SensitivityRow[] = [];
  const layers = weightLayers(m.graph).filter((l) => !opts.layers || opts.layers.includes(l.name));
  const progress = opts.progress;
  progress?.start('sensitivity', layers.length * grans.length * ratios.length);
  try {
    for (const l of layers) {
      const original = paramValues(m, l.weight).slice();
      const bias = l.bias !== undefined ? paramValues(m, l.bias).slice() : undefined;
      const shape = m.graph.tensors[l.weight]!.shape;
      const scores = crit.needsGradients ? original.map(Math.abs) : crit.score({ weights: original });
      for (const [, g] of grans) {
        for (const [ri, r] of ratios.entries()) {
          let mask: Float32Array;
          try {
            mask = computeMask(scores, { opcode: l.opcode, shape }, g, r);
          } catch {
            progress?.tick(1);
            continue; // this granularity does not apply to this layer
          }
          const pruned = original.map((v, i) => (mask[i] ? v : 0));
          setParamValues(m, l.weight, pruned);
          if (g.kind === 'channel' && bias) {
            // A removed channel loses its bias too.
            const per = original.length / bias.length;
            setParamValues(m, l.bias!, bias.map((b, c) => (l.opcode === 'DEPTHWISE_CONV_2D' ? (mask[c] ? b : 0) : mask[c * per] ? b : 0)));
          }
          const row = { layer: l.name, granularity: granularityName(g), targetSparsity: r, sparsity: maskSparsity(mask), accuracy: evaluate(m, val) };
          rows.push(row);
          opts.onRow?.(row);
          progress?.tick(1, `${row.layer} ${row.granularity} ${(row.sparsity * 100).toFixed(0)}%: ${(row.accuracy * 100).toFixed(2)}%`);
          if (g.kind === 'n:m') {
            progress?.tick(ratios.length - ri - 1);
            break; // N:M has one sparsity of its own
          }
        }
        setParamValues(m, l.weight, original);
        if (bias) setParamValues(m, l.bias!, bias);
      }
    }
  } finally {
    progress?.done();
  }
  return rows;
}

export function sensitivityCsv(rows: SensitivityRow[]): string {
  return ['layer,granularity,target_sparsity,sparsity,accuracy', ...rows.map((r) => `${r.layer},${r.granularity},${r.targetSparsity},${r.sparsity.toFixed(6)},${r.accuracy.toFixed(6)}`)].join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One panel per granularity; x = sparsity, y = accuracy; one line per layer. */
export function sensitivitySvg(rows: SensitivityRow[], title = 'Pruning sensitivity'): string {
  const grans = [...new Set(rows.map((r) => r.granularity))];
  const layers = [...new Set(rows.map((r) => r.layer))];
  const W = 360;
  const H = 260;
  const pad = 44;
  const width = W * grans.length;
  const height = H + 40 + 16 * layers.length;
  const minAcc = Math.min(...rows.map((r) => r.accuracy), 1);
  const lo = Math.max(0, Math.floor(minAcc * 10) / 10);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`, `<text x="8" y="16" font-size="14">${esc(title)}</text>`];
  grans.forEach((g, gi) => {
    const ox = gi * W;
    const x = (s: number): number => ox + pad + s * (W - pad - 16);
    const y = (a: number): number => 30 + (H - pad) * (1 - (a - lo) / (1 - lo || 1));
    parts.push(`<text x="${ox + pad}" y="${28}" font-weight="bold">${esc(g)}</text>`);
    parts.push(`<line x1="${x(0)}" y1="${y(lo)}" x2="${x(1)}" y2="${y(lo)}" stroke="#000"/><line x1="${x(0)}" y1="${y(lo)}" x2="${x(0)}" y2="${y(1)}" stroke="#000"/>`);
    for (const s of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${x(s) - 8}" y="${y(lo) + 14}">${s}</text>`);
    for (const a of [lo, (lo + 1) / 2, 1]) parts.push(`<text x="${ox + 4}" y="${y(a) + 4}">${a.toFixed(2)}</text>`);
    layers.forEach((l, li) => {
      const pts = rows.filter((r) => r.granularity === g && r.layer === l).sort((a, b) => a.sparsity - b.sparsity);
      if (pts.length === 0) return;
      const c = COLORS[li % COLORS.length]!;
      parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.map((p) => `${x(p.sparsity).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ')}"/>`);
      for (const p of pts) parts.push(`<circle cx="${x(p.sparsity).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="2" fill="${c}"/>`);
    });
  });
  layers.forEach((l, li) => {
    const yy = H + 30 + 16 * li;
    parts.push(`<rect x="8" y="${yy - 9}" width="10" height="10" fill="${COLORS[li % COLORS.length]}"/><text x="24" y="${yy}">${esc(l)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
