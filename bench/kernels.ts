/**
 * bench:kernels — sparse kernels against our dense SIMD kernel, measured exactly in QEMU:
 * FULLY_CONNECTED 784->300 and CONV_2D 3x3 32->32 on 16x16 (SAME), int8, at 0/50/70/80/90/95%
 * sparsity, for every format (each layer pruned by magnitude at the format's own granularity:
 * single weights for bitmask/CSR/relative index, blocks for the block formats, N:M groups,
 * kernel patterns, filterlets, output channels) and the dense kernel the core runs (SMLAD on
 * mps2-an386 Cortex-M4F, Helium on mps3-an547 Cortex-M55). Prints instructions, weight bytes,
 * the cost model's prediction error and each format's break-even sparsity, and writes
 * bench/results/kernels.json. Every output is checked against the reference interpreter.
 *
 *   npm run bench:kernels [-- --board mps2-an386|mps3-an547] [--op fc|conv]
 *   npm run bench:kernels -- --repredict   (recompute the cost-model column from the table, no QEMU)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { predictCall } from '../src/sparse/cost.js';
import { sparseFormatsFor } from '../src/sparse/formats/index.js';
import type { KernelFamily } from '../src/sparse/kernels.js';
import { describeCase, imageBudget, measureCases, type MeasureCase } from '../src/measure/measure.js';
import { pruneMatrix } from '../src/sparse/prune.js';
import type { LayerSpec } from '../src/sparse/synthetic.js';
import type { FormatName } from '../src/sparse/types.js';
import { granularityFor } from './cost-model.js';

const SPARSITIES = [0, 0.5, 0.7, 0.8, 0.9, 0.95];
const BOARDS: { board: string; family: KernelFamily; core: string }[] = [
  { board: 'mps2-an386', family: 'dsp', core: 'Cortex-M4F' },
  { board: 'mps3-an547', family: 'mve', core: 'Cortex-M55' },
];
type Layer = 'fc' | 'conv';
const LAYERS: Record<Layer, { title: string; spec: Omit<LayerSpec, 'prune'> }> = {
  fc: { title: 'FULLY_CONNECTED 784->300', spec: { op: 'fc', dtype: 'int8', inputs: 784, outputs: 300, activation: 'NONE' } },
  conv: {
    title: 'CONV_2D 3x3 32->32 on 16x16',
    spec: { op: 'conv', dtype: 'int8', height: 16, width: 16, cin: 32, cout: 32, kh: 3, kw: 3, padding: 'SAME', activation: 'RELU' },
  },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function natural(format: FormatName): number {
  return format === 'nm2_4' ? 0.5 : format === 'nm1_4' ? 0.75 : format === 'nm1_8' ? 0.875 : 0;
}

export interface BenchRow {
  board: string;
  core: string;
  layer: Layer;
  format: FormatName;
  sparsity: number;
  /** Fraction of zero weights actually reached (structured pruning rounds to whole units). */
  achieved: number;
  /** null when the layer does not fit the board's flash (then only predicted). */
  instructions: number | null;
  predicted: number | null;
  bytes: number;
  kernel: string | null;
  variant: string | null;
}

function benchCases(layer: Layer): MeasureCase[] {
  const out: MeasureCase[] = [];
  const formats: FormatName[] = ['dense', ...sparseFormatsFor(layer, 'int8')];
  for (const s of SPARSITIES) {
    for (const format of formats) {
      if (format === 'dense' && s !== 0) continue; // the dense kernel's cost does not depend on zeros
      if (s < natural(format)) continue; // 2:4 cannot be 0% sparse
      const g = format === 'dense' ? 'element' : granularityFor(format);
      out.push({ format, label: `${layer} ${format} ${s}`, spec: { ...LAYERS[layer].spec, seed: 4242, prune: (m, rs) => pruneMatrix(m, rs, g, s) } });
    }
  }
  return out;
}

async function benchBoard(board: string, family: KernelFamily, core: string, layer: Layer): Promise<BenchRow[]> {
  const cases = benchCases(layer);
  const budget = imageBudget(board);
  const info = cases.map(describeCase);
  const runnable = cases.filter((_, i) => info[i]!.bytes <= budget);
  const measured = await measureCases(board, runnable, {
    outDir: path.join(os.tmpdir(), `tp-bench-kernels-${board}-${layer}`),
    onImage: (done, total) => process.stderr.write(`  ${done}/${total} layers measured\n`),
  });
  const byLabel = new Map(measured.map((m) => [m.case.label!, m]));
  return cases.map((c, i) => {
    const m = byLabel.get(c.label!);
    const x = info[i]!;
    return {
      board,
      core,
      layer,
      format: c.format,
      sparsity: Number(c.label!.split(' ')[2]),
      achieved: x.sparsity,
      instructions: m?.instructions ?? null,
      predicted: predictCall(family, x.geometry, 'int8', x.encoded) ?? null,
      bytes: x.bytes,
      kernel: m?.kernel ?? null,
      variant: m?.variant ?? null,
    };
  });
}

const fmtK = (n: number | null): string => (n === null ? '—' : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`);
const pct = (x: number | null): string => (x === null ? '—' : `${Math.round(x * 100)}%`);

/** Lowest sparsity at which the value falls to `limit`, linear between measured points. */
function breakEven(points: { s: number; v: number }[], limit: number): number | null {
  const pts = [...points].sort((a, b) => a.s - b.s);
  if (pts.length === 0) return null;
  if (pts[0]!.v <= limit) return pts[0]!.s;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (b.v <= limit) return a.s + ((a.v - limit) / (a.v - b.v)) * (b.s - a.s);
  }
  return null;
}

function report(rows: BenchRow[]): string[] {
  const lines: string[] = [];
  const dense = rows.find((r) => r.format === 'dense')!;
  const dInstr = dense.instructions ?? dense.predicted!;
  const formats = [...new Set(rows.map((r) => r.format))];
  const cell = (f: FormatName, s: number, what: 'instr' | 'bytes'): string => {
    const r = rows.find((x) => x.format === f && x.sparsity === s);
    if (!r) return '—';
    if (what === 'bytes') return fmtK(r.bytes);
    return r.instructions === null ? `(${fmtK(r.predicted)})` : fmtK(r.instructions);
  };
  const head = `| format | ${SPARSITIES.map((s) => `${Math.round(s * 100)}%`).join(' | ')} | break-even (instr) | break-even (bytes) | model error |`;
  lines.push(`${dense.core} (${dense.board}), ${LAYERS[dense.layer].title}: instructions (weight bytes); dense ${dense.variant ?? ''} kernel ${fmtK(dInstr)}, ${fmtK(dense.bytes)} B`, '', head, `|${'---|'.repeat(SPARSITIES.length + 4)}`);
  for (const f of formats) {
    if (f === 'dense') continue;
    const mine = rows.filter((r) => r.format === f);
    const instrPts = mine.filter((r) => r.instructions !== null).map((r) => ({ s: r.achieved, v: r.instructions! }));
    const bytePts = mine.map((r) => ({ s: r.achieved, v: r.bytes }));
    const errs = mine.filter((r) => r.instructions !== null && r.predicted !== null).map((r) => Math.abs(r.predicted! - r.instructions!) / r.instructions!);
    lines.push(
      `| ${f} | ${SPARSITIES.map((s) => `${cell(f, s, 'instr')} (${cell(f, s, 'bytes')})`).join(' | ')} | ${pct(breakEven(instrPts, dInstr))} | ${pct(breakEven(bytePts, dense.bytes))} | ${errs.length ? `${(100 * Math.max(...errs)).toFixed(1)}%` : '—'} |`,
    );
  }
  // Goals (issue 4): on M4, some format beats dense SIMD at <= 60%; at 90% the best needs
  // <= 1/3 of its instructions and <= 1/4 of dense int8 bytes.
  const at = (s: number) => rows.filter((r) => r.sparsity === s && r.format !== 'dense' && r.instructions !== null);
  const best = (s: number) => at(s).reduce<BenchRow | undefined>((b, r) => (!b || r.instructions! < b.instructions! ? r : b), undefined);
  const be = formats
    .filter((f) => f !== 'dense')
    .map((f) => ({ f, s: breakEven(rows.filter((r) => r.format === f && r.instructions !== null).map((r) => ({ s: r.achieved, v: r.instructions! })), dInstr) }))
    .filter((x) => x.s !== null)
    .sort((a, b) => a.s! - b.s!);
  const b90 = best(0.9);
  const small90 = at(0.9).reduce<BenchRow | undefined>((b, r) => (!b || r.bytes < b.bytes ? r : b), undefined);
  lines.push(
    '',
    `earliest break-even: ${be[0] ? `${be[0].f} at ${pct(be[0].s)} sparsity` : 'none'}; ` +
      `at 90%: fastest ${b90?.format} ${fmtK(b90?.instructions ?? null)} = ${b90 ? (b90.instructions! / dInstr).toFixed(2) : '—'} x dense instructions, ` +
      `smallest ${small90?.format} ${fmtK(small90?.bytes ?? null)} B = ${small90 ? (small90.bytes / dense.bytes).toFixed(2) : '—'} x dense bytes` +
      (b90 ? `; fastest's bytes ${(b90.bytes / dense.bytes).toFixed(2)} x dense` : ''),
    '',
  );
  return lines;
}

async function main(): Promise<void> {
  const only = arg('board');
  const ops = (arg('op') ?? 'fc,conv').split(',') as Layer[];
  const all: BenchRow[] = [];
  const text: string[] = [];
  if (process.argv.includes('--repredict')) {
    const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
    const rows = (JSON.parse(readFileSync(path.join(dir, 'kernels.json'), 'utf8')) as { rows: BenchRow[] }).rows;
    for (const layer of ['fc', 'conv'] as Layer[]) {
      const cases = benchCases(layer);
      for (const c of cases) {
        const x = describeCase(c);
        const sp = Number(c.label!.split(' ')[2]);
        for (const r of rows.filter((r) => r.layer === layer && r.format === c.format && r.sparsity === sp)) {
          r.predicted = predictCall(BOARDS.find((b) => b.board === r.board)!.family, x.geometry, 'int8', x.encoded) ?? null;
        }
      }
    }
    writeResults(rows, rows);
    return;
  }
  for (const { board, family, core } of BOARDS.filter((b) => !only || b.board === only)) {
    for (const layer of ops) {
      process.stderr.write(`${board} (${core}): ${LAYERS[layer].title}\n`);
      const rows = await benchBoard(board, family, core, layer);
      all.push(...rows);
      const t = report(rows);
      text.push(...t);
      console.log(t.join('\n'));
    }
  }
  writeResults(all, undefined);
  void text;
}

/** Writes kernels.json and kernels.md; results of boards not measured this run are kept. */
function writeResults(all: BenchRow[], replace: BenchRow[] | undefined): void {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernels.json');
  const measured = new Set(all.map((r) => `${r.board} ${r.layer}`));
  const kept = replace ? [] : existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { rows: BenchRow[] }).rows.filter((r) => !measured.has(`${r.board} ${r.layer}`)) : [];
  const rows = [...kept, ...all].sort((a, b) => a.board.localeCompare(b.board) || a.layer.localeCompare(b.layer));
  writeFileSync(file, JSON.stringify({ note: 'instructions null: the layer does not fit the board flash; predicted = cost model', rows }, null, 1) + '\n');
  const md: string[] = [];
  for (const key of [...new Set(rows.map((r) => `${r.board} ${r.layer}`))]) md.push(...report(rows.filter((r) => `${r.board} ${r.layer}` === key)));
  writeFileSync(path.join(dir, 'kernels.md'), `<!-- npm run bench:kernels (bench/kernels.ts); (x) = predicted, the layer does not fit the board's flash -->\n\n${md.join('\n')}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? ((e as Error & { format?: () => string }).format?.() ?? e.stack) : e);
  process.exit(1);
});
