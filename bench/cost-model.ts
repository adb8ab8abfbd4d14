/**
 * Fits the sparse cost model (src/sparse/cost.ts) to exact QEMU instruction counts and
 * regenerates src/sparse/cost-table.ts:
 *
 *   npm run bench:cost-model [-- --family plain|dsp|mve|m0] [--ops fc,conv,dw] [--formats a,b] [--dtypes s8,f32] [--samples N] [--seeds 1,777] [--reuse] [--check]
 *
 * For every cost family (the kernel variants a core runs: plain C on Cortex-M3, SMLAD on
 * M4/M7/M33, Helium on M55; and m0, the plain C compiled to Thumb-1 for Cortex-M0/M0+), every
 * op x dtype x format that has a kernel — dense included — it measures seeded single-layer
 * cases of varied shapes and sparsities on that family's QEMU machine (mps2-an385, mps2-an386,
 * mps3-an547, microbit), fits instructions = c . features by least
 * squares over every seed's set, and records the fit's largest relative error and its
 * cross-validated one (each quarter of the samples against the fit of the rest). --check refits
 * nothing: it measures fresh cases and reports the committed table's prediction error on them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { COST_FAMILIES, FEATURE_NAMES, SMALL_PATCH_MAX_TAPS, callCostKey, costEncoding, costFeatures, fitCost, smallPatchConv, predict, type CallGeometry, type CostEncoding, type CostEntry, type CostFamily, type CostTable } from '../src/sparse/cost.js';
import { COST_TABLE } from '../src/sparse/cost-table.js';
import { sparseFormatsFor, type SparseOp } from '../src/sparse/formats/index.js';
import { measureCases, type MeasureCase, type MeasuredLayer } from '../src/measure/measure.js';
import { pruneMatrix } from '../src/sparse/prune.js';
import type { GranularityLike as Granularity } from '../src/sparse/granularity.js';
import type { LayerSpec } from '../src/sparse/synthetic.js';
import type { FormatName } from '../src/sparse/types.js';
import { Prng } from '../src/util/prng.js';

const MACHINES: Record<CostFamily, string> = { plain: 'mps2-an385', dsp: 'mps2-an386', mve: 'mps3-an547', m0: 'microbit' };

/** The micro:bit has 16 KiB of RAM (about 9 KiB of arena): its images take less input at a
 * time and its samples are smaller layers (see sampleCases). */
const SMALL_RAM: ReadonlySet<CostFamily> = new Set(['m0']);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The granularity that gives a format its structure (element for the unstructured ones). */
export function granularityFor(format: FormatName): Granularity {
  return (['block1x4', 'block4x1', 'block4x2', 'block1x16', 'nm2_4', 'nm1_4', 'nm1_8', 'pattern', 'filterlet', 'channel'] as string[]).includes(format) ? (format as Granularity) : 'element';
}

function natural(format: FormatName): number {
  return format === 'nm2_4' ? 0.5 : format === 'nm1_4' ? 0.75 : format === 'nm1_8' ? 0.875 : 0;
}

/**
 * Seeded sample layers for one op x dtype x format: shapes and sparsities spread out. `small`:
 * shapes whose activations fit a 16 KiB-RAM board (the convolutions' spatial sizes about
 * halved, float ones with fewer channels too; float fully-connected layers narrower).
 */
export function sampleCases(op: SparseOp, dtype: 'int8' | 'float32', format: FormatName, count: number, seed: number, small = false, smallPatch = false): MeasureCase[] {
  const rng = new Prng(seed);
  const out: MeasureCase[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  for (let i = 0; i < count; i++) {
    const s = Math.max(natural(format), [0.3, 0.5, 0.7, 0.85, 0.95][i % 5]!);
    const g = format === 'dense' ? 'element' : granularityFor(format);
    const spec: LayerSpec = { op, dtype, prune: (m, rs) => pruneMatrix(m, rs, g, s), activation: 'RELU' };
    if (smallPatch) {
      // First layers for tp_conv_2d_s8_small: 1..4 input channels (a depthwise one: 1), at
      // most SMALL_PATCH_MAX_TAPS taps per output channel (micro_speech's 10x8 too).
      const hw = small ? [6, 8, 10] : [8, 16, 24, 32, 48];
      const k = pick([[3, 3], [3, 3], [5, 5], [4, 2], [10, 8]] as const);
      const cin = op === 'dw' ? 1 : rng.int(1, Math.min(4, Math.floor(SMALL_PATCH_MAX_TAPS / (k[0] * k[1]))));
      const cout = pick([3, 8, 12, 16, 32]);
      Object.assign(spec, {
        height: Math.max(pick(hw), k[0]), width: Math.max(pick(hw), k[1]), cin, kh: k[0], kw: k[1],
        ...(op === 'dw' ? { depthMultiplier: cout } : { cout }),
        stride: i % 3 === 2 ? [2, 2] : [1, 1], padding: i % 2 === 0 ? 'SAME' : 'VALID',
        // Both requantisation ends: a clamp, or the whole int8 range (one SSAT).
        activation: i % 4 < 2 ? 'RELU' : 'NONE',
      });
    } else if (op === 'fc') {
      // Float layers smaller: every sample must fit the Cortex-M55's 512 KiB ITCM.
      const big = dtype === 'int8';
      Object.assign(spec, { inputs: pick(big ? [48, 130, 256, 400, 784] : [48, 130, 256, 400]), outputs: pick(big ? [12, 40, 96, 200] : [12, 40, 96]), batches: i % 4 === 3 ? 2 : 1 });
      if (small && !big) Object.assign(spec, { inputs: pick([24, 48, 130, 200]), outputs: pick([8, 24, 40]) });
    } else if (op === 'conv') {
      const k = format === 'pattern' ? 3 : pick([1, 3, 3]);
      const hw = small ? [4, 6, 8] : [6, 8, 12];
      const ch = small && dtype === 'float32' ? [4, 6, 8] : [8, 16, 32];
      Object.assign(spec, {
        height: pick(hw),
        width: pick(hw),
        cin: pick(ch),
        cout: pick(ch),
        kh: k,
        kw: k,
        stride: i % 3 === 2 ? [2, 2] : [1, 1],
        padding: i % 2 === 0 ? 'SAME' : 'VALID',
      });
    } else {
      const hw = small ? [6, 8, 10] : [8, 12, 16];
      const ch = small ? (dtype === 'int8' ? [8, 16, 24, 32] : [4, 8, 12, 16]) : [8, 16, 32, 64];
      Object.assign(spec, { height: pick(hw), width: pick(hw), cin: pick(ch), kh: 3, kw: 3, depthMultiplier: 1, stride: i % 3 === 2 ? [2, 2] : [1, 1], padding: i % 2 === 0 ? 'SAME' : 'VALID' });
    }
    out.push({ spec, format, label: `${op}/${dtype}/${format}#${i}` });
  }
  return out;
}

/** Every (op, dtype, format) with a kernel, dense first; then the dense int8 convolutions
 * with small patches (tp_conv_2d_s8_small: 'dense-small' in --formats), last so that the
 * other combos keep their seeds. */
export function combos(): { op: SparseOp; dtype: 'int8' | 'float32'; format: FormatName; smallPatch?: boolean }[] {
  const out: { op: SparseOp; dtype: 'int8' | 'float32'; format: FormatName; smallPatch?: boolean }[] = [];
  for (const op of ['fc', 'conv', 'dw'] as SparseOp[]) {
    for (const dtype of ['int8', 'float32'] as const) {
      for (const format of ['dense' as FormatName, ...sparseFormatsFor(op, dtype)]) out.push({ op, dtype, format });
    }
  }
  for (const op of ['conv', 'dw'] as SparseOp[]) out.push({ op, dtype: 'int8', format: 'dense', smallPatch: true });
  return out;
}

/** What a fit needs of a measured layer (kept in bench/results so refits skip QEMU). */
interface Sample {
  key: string;
  family: CostFamily;
  dtype: 'int8' | 'float32';
  label: string;
  geometry: CallGeometry;
  encoding: CostEncoding | null;
  instructions: number;
}

const featuresOf = (s: Sample): number[] => costFeatures(s.family, s.geometry, s.dtype, s.encoding ?? undefined);

/** Cross-validation folds of the held-out check. */
const FOLDS = 4;

const RESULTS = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');

/** The dtype as cost keys spell it. */
const dtypeTag = (d: 'int8' | 'float32'): string => (d === 'int8' ? 's8' : 'f32');

async function measureFamily(family: CostFamily, samples: number, seed: number, reuse: boolean, formats: string[] | undefined, ops: string[] | undefined, dtypes: string[] | undefined): Promise<Sample[]> {
  const tag = `${seed === 1 ? '' : `-${seed}`}${ops ? `-${ops.join('-')}` : ''}${formats ? `-${formats.join('-')}` : ''}${dtypes ? `-${dtypes.join('-')}` : ''}`;
  const cache = path.join(RESULTS, `cost-samples-${family}${tag}.json`);
  if (reuse && existsSync(cache)) {
    const kept = JSON.parse(readFileSync(cache, 'utf8')) as Sample[];
    // Samples saved before the encoding counts were kept cannot give today's features.
    if (kept.some((s) => !s.family || (s.encoding && !('counts' in s.encoding)))) {
      throw new Error(`${cache} was measured by an older bench:cost-model (no encoding counts): run without --reuse`);
    }
    return kept;
  }
  // Seeds follow the position in the full list, so a --formats or --ops run measures the same cases.
  const cases = combos().flatMap((c, k) =>
    (formats && !formats.includes(c.smallPatch ? 'dense-small' : c.format)) || (ops && !ops.includes(c.op)) || (dtypes && !dtypes.includes(dtypeTag(c.dtype))) ? [] : sampleCases(c.op, c.dtype, c.format, samples, seed + 1000 * k, SMALL_RAM.has(family), c.smallPatch),
  );
  const t = Date.now();
  const r: MeasuredLayer[] = await measureCases(MACHINES[family], cases, {
    outDir: path.join(os.tmpdir(), `tp-cost-model-${family}-${seed}`),
    seed,
    ...(SMALL_RAM.has(family) ? { inputBytesPerImage: 2048 } : {}),
    onImage: (done, total) => process.stderr.write(`  [${family}] ${done}/${total} layers measured (${Math.round((Date.now() - t) / 1000)} s)\n`),
  });
  for (const l of r) {
    // The key follows the geometry (as predictions do); the kernel that ran must agree.
    if (l.case.format === 'dense' && smallPatchConv(l.geometry, l.case.spec.dtype) !== (l.kernel === 'tp_conv_2d_s8_small')) {
      throw new Error(`${l.case.label}: ran ${l.kernel}, the cost model expects ${smallPatchConv(l.geometry, l.case.spec.dtype) ? 'tp_conv_2d_s8_small' : 'the generic kernel'}`);
    }
  }
  const out: Sample[] = r.map((l) => ({
    key: callCostKey(family, l.geometry, l.case.spec.dtype, l.case.format),
    family,
    dtype: l.case.spec.dtype,
    label: l.case.label ?? '',
    geometry: l.geometry,
    encoding: l.encoded ? costEncoding(l.encoded) : null,
    instructions: l.instructions,
  }));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(cache, JSON.stringify(out) + '\n');
  return out;
}

function groupByKey(layers: Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const l of layers) m.set(l.key, [...(m.get(l.key) ?? []), l]);
  return m;
}

function renderTable(table: CostTable): string {
  const entries = Object.keys(table.entries)
    .sort()
    .map((k) => {
      const e = table.entries[k]!;
      const coef = e.coef.map((c) => Number(c.toPrecision(6)));
      const held = e.heldOutError === undefined ? '' : `, heldOutError: ${Number(e.heldOutError.toFixed(4))}`;
      return `    ${JSON.stringify(k)}: { coef: [${coef.join(', ')}], samples: ${e.samples}, maxError: ${Number(e.maxError.toFixed(4))}${held} },`;
    });
  return [
    '/* Generated by `npm run bench:cost-model` (bench/cost-model.ts) — do not edit. */',
    "import type { CostTable } from './cost.js';",
    '',
    `/** Features: ${FEATURE_NAMES.join(', ')}. */`,
    'export const COST_TABLE: CostTable = {',
    `  source: ${JSON.stringify(table.source)},`,
    `  machines: ${JSON.stringify(table.machines).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ')},`,
    '  entries: {',
    ...entries,
    '  },',
    '};',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const only = arg('family') as CostFamily | undefined;
  if (only && !COST_FAMILIES.includes(only)) throw new Error(`--family ${only}: not one of ${COST_FAMILIES.join(', ')}`);
  const samples = Number(arg('samples') ?? 12);
  const check = process.argv.includes('--check');
  // --seeds a,b: the sample sets fitted together (two sets of 12: the model has 12 features).
  // Each entry also records its cross-validated error: on layers its fit never saw.
  const seeds = (arg('seeds') ?? '1,777').split(',').map(Number);
  // --reuse: fit the samples measured last time (bench/results/cost-samples-*.json).
  const reuse = process.argv.includes('--reuse');
  // --formats a,b: measure and refit only these (other entries of the table are kept).
  const formats = arg('formats')?.split(',');
  // --ops a,b: only these ops (fc, conv, dw), with --formats or alone.
  const ops = arg('ops')?.split(',');
  // --dtypes s8,f32: only these weight types, with the others or alone.
  const dtypes = arg('dtypes')?.split(',');
  const families: CostFamily[] = only ? [only] : [...COST_FAMILIES];
  const table: CostTable = { source: COST_TABLE.source, machines: MACHINES, entries: { ...COST_TABLE.entries } };
  const fit = (ls: Sample[]): CostEntry => fitCost(ls.map((l) => ({ features: featuresOf(l), instructions: l.instructions })));
  const maxError = (e: CostEntry, ls: Sample[]): number => Math.max(0, ...ls.map((l) => Math.abs(predict(e, featuresOf(l)) - l.instructions) / l.instructions));
  for (const family of families) {
    process.stderr.write(`${family}: measuring on ${MACHINES[family]}\n`);
    if (check) {
      // Fresh cases, seeded apart from the fitted sets.
      const byKey = groupByKey(await measureFamily(family, samples, 4099, reuse, formats, ops, dtypes));
      let worst = 0;
      for (const [key, ls] of [...byKey].sort()) {
        const e = COST_TABLE.entries[key];
        if (!e) {
          console.log(`${key.padEnd(28)} no entry`);
          continue;
        }
        const max = maxError(e, ls);
        worst = Math.max(worst, max);
        console.log(`${key.padEnd(28)} max error ${(100 * max).toFixed(2)}% over ${ls.length}`);
      }
      console.log(`${family}: worst ${(100 * worst).toFixed(2)}%`);
      continue;
    }
    const sets: Map<string, Sample[]>[] = [];
    for (const seed of seeds) sets.push(groupByKey(await measureFamily(family, samples, seed, reuse, formats, ops, dtypes)));
    let worst = 0;
    let worstHeld = 0;
    for (const key of [...sets[0]!.keys()].sort()) {
      const all = sets.flatMap((m) => m.get(key) ?? []);
      // A dense case whose geometry turned out a small patch is keyed dense-small: with
      // --formats dense those few strays would replace the row fitted on its own samples.
      if (formats && !formats.includes(key.split('/')[3]!)) {
        console.log(`${key.padEnd(28)} kept (${all.length} samples of another --formats)`);
        continue;
      }
      const entry = fit(all);
      table.entries[key] = entry;
      // Held out: 4-fold cross-validation, each quarter against the fit of the other three.
      // Contiguous quarters: the samples cycle through sparsities and batch sizes, so every
      // quarter holds some of each.
      const fold = (i: number): number => Math.floor((i * FOLDS) / all.length);
      let held = 0;
      for (let f = 0; f < FOLDS; f++) {
        const out = all.filter((_, i) => fold(i) === f);
        held = Math.max(held, maxError(fit(all.filter((_, i) => fold(i) !== f)), out));
      }
      entry.heldOutError = held;
      worst = Math.max(worst, entry.maxError);
      worstHeld = Math.max(worstHeld, held);
      console.log(`${key.padEnd(28)} fit over ${all.length}: max error ${(100 * entry.maxError).toFixed(2)}%, held out ${(100 * held).toFixed(2)}%`);
    }
    console.log(`${family}: worst ${(100 * worst).toFixed(2)}% (held out ${(100 * worstHeld).toFixed(2)}%)`);
  }
  if (!check) {
    table.source = 'exact instruction counts in QEMU 7.2 (TCG plugin), arm-none-eabi-gcc 12.2 -O2; plain = mps2-an385 Cortex-M3, dsp = mps2-an386 Cortex-M4F, mve = mps3-an547 Cortex-M55, m0 = microbit Cortex-M0 (plain kernels, Thumb-1)';
    const file = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'src', 'sparse', 'cost-table.ts');
    writeFileSync(file, renderTable(table));
    console.log(`wrote ${file}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e as Error & { format?: () => string }).format?.() ?? e.stack : e);
    process.exit(1);
  });
}
