/**
 * report.html: the build report as one self-contained page (inline CSS and SVG, no scripts,
 * no fonts or anything else from the network) next to report.json. The view below is plain
 * text (the HTML template instance escapes every value), every coordinate already computed by the tested
 * helpers in format.ts and svg.ts — and templates/report/report.html.hbs holds the structure.
 * Same report in, same bytes out: nothing here reads the clock or the machine.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildReport, LayerReport } from '../contracts/report.js';
import type { ModelGraph } from '../ir/graph.js';
import { renderHtmlTemplate } from '../templates.js';
import { formatBytes, formatCount, formatInt, formatPercent, formatShape, shellQuote } from './format.js';
import { elfCommentsOf } from './elf-comment.js';
import { headline } from './summary.js';
import type { RunInfo } from './annotate.js';
import { barLengths, linearScale, niceTicks, polylinePoints, stackSegments, svgNumber } from './svg.js';
import { CHART_WIDTH, clip, sensitivityView } from './sensitivity-chart.js';

export { seriesStyle } from './sensitivity-chart.js';

/** One point of a pruning sensitivity curve (accuracy as a fraction, 0..1). */
export interface SensitivityPoint {
  layer: string;
  granularity: string;
  sparsity: number;
  accuracy: number;
}

/** A metric before and after a pipeline stage (fractions, 0..1). */
export interface BeforeAfter {
  before: number;
  after: number;
  /** The stage in between, e.g. "prune" or "quantize". */
  stage?: string;
  /** What was measured, e.g. "top-1 (validation, int8 interpreter)", and on how many samples. */
  metric?: string;
  samples?: number;
}

/** Without data: how closely the compressed model follows the original (src/pipeline). */
export interface Fidelity {
  /** Fraction of inputs on which both models pick the same top-1 class. */
  agreement: number;
  meanAbsError?: number;
  samples?: number;
  inputs?: string;
  warning?: string;
}

/**
 * What report.html renders: the build report plus sections the pipeline may add later. Each
 * optional section is rendered only when present.
 */
export type ReportInput = BuildReport & {
  accuracyNotMeasured?: { reason: string };
  sensitivity?: SensitivityPoint[];
  accuracy?: BeforeAfter;
  fidelity?: Fidelity;
  /** The pipeline's check in QEMU: validation samples whose outputs match the interpreter. */
  verify?: { samples: number; bitExact: number; onDeviceAccuracy: number | null };
  /** How the build was run (the pipeline). */
  run?: RunInfo;
  toolchain: BuildReport['toolchain'] & { versions?: Record<string, string> };
};

/** Input and output shapes of each operator (report.json does not carry them). */
export type LayerShapes = ReadonlyMap<number, { inputs: number[][]; outputs: number[][] }>;

/** Shapes of every operator's activation inputs (not its constants) and outputs. */
export function layerShapes(graph: ModelGraph): LayerShapes {
  const shapes = new Map<number, { inputs: number[][]; outputs: number[][] }>();
  graph.ops.forEach((op, i) => {
    const shapeOf = (t: number): number[] => [...graph.tensors[t]!.shape];
    shapes.set(i, {
      inputs: op.inputs.filter((t) => t >= 0 && !graph.tensors[t]!.data).map(shapeOf),
      outputs: op.outputs.filter((t) => t >= 0).map(shapeOf),
    });
  });
  return shapes;
}

/** Fill colours of the charts (exported so the screenshot test can look for them). */
export const CHART_COLORS = {
  weights: '#2e6fd0',
  model: '#8db6ec',
  code: '#e8912d',
  arena: '#2b9a48',
  static: '#9dd8a8',
  stack: '#c9383a',
  measured: '#5b4bc4',
  predicted: '#b8b0ea',
  other: '#c4c8d0',
} as const;

function memoryView(report: BuildReport) {
  const barX = 0;
  const barWidth = CHART_WIDTH;
  const resource = (
    name: string,
    used: number,
    limit: number,
    named: { key: keyof typeof CHART_COLORS; label: string; bytes: number }[],
  ) => {
    // What the named parts do not account for (RAM: the heap the linker script reserves).
    const rest = used - named.reduce((s, p) => s + p.bytes, 0);
    const parts = rest > 0 ? [...named, { key: 'other' as const, label: 'heap, other', bytes: rest }] : named;
    const onLimit = stackSegments(
      parts.map((p) => p.bytes),
      Math.max(limit, used),
      barWidth,
      barX,
      2,
    );
    const composition = stackSegments(
      parts.map((p) => p.bytes),
      used,
      barWidth,
      barX,
      0,
    );
    return {
      name,
      usedText: formatBytes(used),
      limitText: formatBytes(limit),
      pctText: formatPercent(limit > 0 ? used / limit : null),
      over: used > limit,
      limitX: svgNumber(barX + (limit >= used ? barWidth : (limit / used) * barWidth)),
      segments: parts.map((p, i) => ({
        label: p.label,
        color: CHART_COLORS[p.key],
        bytesText: formatBytes(p.bytes),
        x: svgNumber(onLimit[i]!.x),
        width: svgNumber(onLimit[i]!.width),
        cx: svgNumber(composition[i]!.x),
        cwidth: svgNumber(composition[i]!.width),
        legendX: svgNumber(barX + i * 190),
      })),
    };
  };
  return [
    resource('Flash', report.flash.total, report.flash.limit, [
      { key: 'weights', label: 'weights', bytes: report.flash.weights },
      { key: 'model', label: 'model data', bytes: report.flash.model },
      { key: 'code', label: 'code', bytes: report.flash.code },
    ]),
    resource('RAM', report.ram.total, report.ram.limit, [
      { key: 'arena', label: 'arena', bytes: report.ram.arena },
      { key: 'stack', label: 'stack', bytes: report.ram.stack },
      { key: 'static', label: 'other static', bytes: report.ram.static },
    ]),
  ];
}

function layerLabel(l: LayerReport): string {
  return `#${l.index} ${l.op} ${l.output}`;
}

function latencyView(report: BuildReport) {
  const values = report.layers.map((l) => l.measuredInstructions ?? l.predictedInstructions ?? null);
  const measured = report.layers.map((l) => l.measuredInstructions !== undefined && l.measuredInstructions !== null);
  if (values.every((v) => v === null)) return null;
  const rowHeight = 24;
  const labelWidth = 250;
  const barWidth = CHART_WIDTH - labelWidth - 110;
  const lengths = barLengths(values, barWidth);
  const anyMeasured = measured.some(Boolean);
  const anyPredicted = values.some((v, i) => v !== null && !measured[i]);
  return {
    title: anyMeasured && !anyPredicted ? 'instructions (QEMU)' : anyMeasured ? 'instructions (QEMU where measured, cost-model prediction elsewhere)' : 'instructions (predicted by the cost model)',
    anyMeasured,
    anyPredicted,
    height: svgNumber(report.layers.length * rowHeight + 8),
    labelX: svgNumber(labelWidth - 8),
    rows: report.layers.map((l, i) => {
      const y = i * rowHeight + 4;
      const len = lengths[i]!;
      return {
        label: clip(layerLabel(l), 34),
        title: layerLabel(l),
        y: svgNumber(y),
        textY: svgNumber(y + rowHeight / 2 + 4),
        x: svgNumber(labelWidth),
        width: svgNumber(len),
        height: svgNumber(rowHeight - 8),
        color: measured[i] ? CHART_COLORS.measured : CHART_COLORS.predicted,
        valueX: svgNumber(labelWidth + len + 6),
        valueText: values[i] === null ? '–' : `${formatInt(values[i]!)}${measured[i] ? '' : ' (predicted)'}`,
      };
    }),
  };
}

function qualityView(report: ReportInput) {
  const a = report.accuracy;
  const f = report.fidelity;
  if (!a && !f) return null;
  return {
    accuracy: a
      ? {
          metric: a.metric ?? 'accuracy',
          stage: a.stage ?? '–',
          samples: a.samples !== undefined ? formatInt(a.samples) : '–',
          before: formatPercent(a.before, 2),
          after: formatPercent(a.after, 2),
          delta: `${a.after - a.before >= 0 ? '+' : '−'}${Math.abs((a.after - a.before) * 100).toFixed(2)} pt`,
        }
      : null,
    fidelity: f
      ? {
          agreement: formatPercent(f.agreement, 2),
          on: f.samples !== undefined ? ` on ${formatInt(f.samples)} ${f.inputs ?? ''} inputs`.replace(/ +/g, ' ') : '',
          meanAbsError: f.meanAbsError !== undefined ? String(Number(f.meanAbsError.toPrecision(3))) : null,
          warning: f.warning !== undefined ? f.warning : null,
        }
      : null,
  };
}

/** How the build was run and checked (the pipeline's verify, data set, seed, command). */
function runView(report: ReportInput) {
  const v = report.verify;
  const r = report.run;
  if (!v && !r) return null;
  const rows: { name: string; value: string; code?: boolean }[] = [];
  if (v) {
    const device = v.onDeviceAccuracy !== null ? `; top-1 on the board ${formatPercent(v.onDeviceAccuracy, 2)}` : '';
    rows.push({ name: 'verified in QEMU', value: `${v.bitExact}/${v.samples} outputs bit-exact with the reference interpreter${device}` });
  }
  if (r) {
    rows.push({ name: 'data set', value: r.data ?? 'none (no --data: accuracy not measured)' });
    rows.push({ name: 'seed', value: String(r.seed) });
    rows.push({ name: 'command (equivalent)', value: r.command, code: true });
  }
  return { ok: !v || v.bitExact === v.samples, rows };
}

/** Why a layer is stored in a format larger than dense (null when it is not larger). */
export function formatReason(l: LayerReport, report: BuildReport): string | null {
  if (!l.dense || l.weightBytes <= l.dense.weightBytes) return null;
  const over = `${formatInt(l.weightBytes - l.dense.weightBytes)} B more than dense`;
  if (report.sparse?.format) return `${over}: --format ${report.sparse.format} asked for it`;
  const p = l.predictedInstructions;
  const d = l.dense.predictedInstructions;
  if (p !== null && d !== null && p < d) {
    return `${over}, for ${formatPercent((d - p) / d, 0)} fewer predicted instructions (${formatInt(p)} vs ${formatInt(d)} dense): the flash was there and the objective (${report.sparse?.optimize ?? 'the plan'}) weighs speed`;
  }
  return `${over}, and not predicted faster: the plan chose it`;
}

/** The view report.html.hbs renders (exported for tests). */
export function reportView(report: ReportInput, shapes?: LayerShapes) {
  const shapeText = (i: number): string => {
    const s = shapes?.get(i);
    if (!s) return '–';
    return `${s.inputs.map(formatShape).join(', ') || '–'} → ${s.outputs.map(formatShape).join(', ')}`;
  };
  const granularity = report.sparse?.granularity ?? null;
  const totalMacs = report.layers.reduce((s, l) => s + l.macs, 0);
  const predictedTotal = report.layers.some((l) => l.predictedInstructions !== null) ? report.layers.reduce((s, l) => s + (l.predictedInstructions ?? 0), 0) : null;
  const target = report.target;
  const sparse = report.sparse;
  return {
    title: `${report.model.source} on ${report.board}`,
    headline: headline(report),
    summary: [
      ['model', report.model.source],
      ['model sha256', report.model.sha256],
      ['operators', formatInt(report.model.operators)],
      ['MACs per inference', formatInt(totalMacs)],
      ['weights (as stored)', formatBytes(report.flash.weights)],
      ['board', `${report.board} (${target.core}${target.mode === 'device' ? '' : `, QEMU ${target.machine ?? ''}`}${target.mode === 'emulate' ? ', emulated with the board\'s memory sizes' : ''})`],
      ['fits', report.fits && report.flash.total <= report.flash.limit && report.ram.total <= report.ram.limit ? 'yes' : 'no'],
      ['flash', `${formatBytes(report.flash.total)} of ${formatBytes(report.flash.limit)} (${formatPercent(report.flash.total / report.flash.limit)})`],
      ['RAM', `${formatBytes(report.ram.total)} of ${formatBytes(report.ram.limit)} (${formatPercent(report.ram.total / report.ram.limit)})`],
      ['tensor arena', `${formatBytes(report.arena.bytes)} (lower bound ${formatBytes(report.arena.lowerBound)})${inPlaceNote(report.layers)}`],
      ...(report.measured ? [['instructions per inference (QEMU)', formatInt(report.measured.instructions)]] : []),
      ...(report.measured?.estimatedCycles !== undefined ? [[`estimated cycles (${target.core} timing model)`, formatInt(report.measured.estimatedCycles)]] : []),
      ...(predictedTotal !== null ? [['predicted instructions (prunable layers)', formatInt(predictedTotal)]] : []),
      ...(sparse
        ? [
            [
              'sparse',
              
                `${sparse.format ? `--format ${sparse.format}` : `--optimize ${sparse.optimize ?? 'balanced'}`}` +
                  `${sparse.sparsity !== null ? `, pruned to ${formatPercent(sparse.sparsity, 0)} by ${sparse.granularity ?? 'element'}` : ''}, ${sparse.family} kernels`,
              ,
            ],
          ]
        : []),
    ].map(([name, value]) => ({ name: name!, value: value! })),
    layers: report.layers.map((l) => ({
      index: l.index,
      op: l.op,
      output: l.output,
      kernel: l.kernel ?? '–',
      shape: shapeText(l.index),
      granularity: l.granularity ?? (l.sparsity !== null && granularity !== null ? granularity : '–'),
      sparsity: formatPercent(l.sparsity),
      format: l.format,
      channels: l.channels ? `${l.channels.kept}/${l.channels.total}` : '–',
      reason: formatReason(l, report),
      bytes: formatInt(l.weightBytes),
      denseBytes: l.dense && l.dense.weightBytes !== l.weightBytes ? formatInt(l.dense.weightBytes) : null,
      predicted: formatCount(l.predictedInstructions),
      measured: formatCount(l.measuredInstructions),
    })),
    memory: memoryView(report),
    latency: latencyView(report),
    sensitivity: sensitivityView(report.sensitivity),
    quality: qualityView(report),
    run: runView(report),
    chartWidth: svgNumber(CHART_WIDTH),
    tool: `${report.tool.name} ${report.tool.version}`,
    versions: Object.entries(report.toolchain.versions ?? {}).map(([name, v]) => ({ name: name, version: v })),
    kernels: report.kernels.join(', '),
    commands: report.toolchain.commands.map((c) => c.map(shellQuote).join(' ')),
    warnings: report.warnings.map((w) => `${w.code}: ${w.message}${w.where ? ` (${w.where})` : ''}`),
  };
}

/** report.html for a build report (pure). */
export function renderReportHtml(report: ReportInput, shapes?: LayerShapes): string {
  return renderHtmlTemplate('report/report.html.hbs', reportView(report, shapes));
}

/**
 * Writes <dir>/report.html next to report.json. The graph (when given) adds layer shapes; the
 * compiler version comes from the linked firmware's .comment section.
 */
export function writeReportHtml(dir: string, report: ReportInput, graph?: ModelGraph): string {
  const file = path.join(dir, 'report.html');
  const compilers = elfCommentsOf(path.join(dir, report.files.elf));
  const versions = { ...(compilers.length > 0 ? { [`compiler (${report.files.elf})`]: compilers.join('; ') } : {}), ...report.toolchain.versions };
  writeFileSync(file, renderReportHtml({ ...report, toolchain: { ...report.toolchain, versions } }, graph ? layerShapes(graph) : undefined));
  return file;
}

/** '; N layers write over their own input' when the arena planner overlapped them (src/plan/overlap.ts). */
function inPlaceNote(layers: readonly LayerReport[]): string {
  const n = layers.filter((l) => l.inPlace).length;
  const streamed = layers.filter((l) => l.streamed).map((l) => `; layer ${l.index} runs in ${l.streamed!.bands} bands into layer ${l.streamed!.into} (its ${l.streamed!.fullBytes} B output never exists whole)`);
  return (n === 0 ? '' : `; ${n} layer${n === 1 ? ' writes' : 's write'} over ${n === 1 ? 'its' : 'their'} own input`) + streamed.join('');
}
