/**
 * The few lines `tinyprune build` prints about a build: does it fit, flash and RAM against the
 * board's limits, and instructions (QEMU-measured when the build measured them, else the cost
 * model's prediction, else a hint how to get them). Counts are instructions, never cycles:
 * QEMU counts instructions.
 */
import type { BuildReport } from '../contracts/report.js';
import { formatBytes, formatInt, formatPercent } from './format.js';

/** What the pipeline adds about accuracy (src/pipeline/pipeline.ts); loss and maxLoss in points. */
export type HeadlineInput = BuildReport & {
  accuracy?: { before: number; after: number; loss?: number; maxLoss?: number; samples?: number };
  accuracyNotMeasured?: { reason: string };
};

/**
 * The one line that heads the summary and report.html: does it fit, and what it cost in
 * accuracy — measured, or said plainly not to be.
 */
export function headline(report: HeadlineInput): string {
  const fits = report.fits && report.flash.total <= report.flash.limit && report.ram.total <= report.ram.limit;
  const head = `${fits ? 'fits' : 'DOES NOT FIT'} on ${report.board} (${report.target.core})`;
  if (report.accuracyNotMeasured) return `${head} — accuracy not measured (pruned without data, --unverified)`;
  const a = report.accuracy;
  if (!a) return head;
  const loss = a.loss ?? Math.round((a.before - a.after) * 10000) / 100;
  const budget = a.maxLoss === undefined ? '' : `, budget ${a.maxLoss} pt`;
  return `${head} — accuracy ${formatPercent(a.before, 2)} → ${formatPercent(a.after, 2)} (loss ${loss.toFixed(2)} pt${budget}${a.samples === undefined ? '' : `, ${formatInt(a.samples)} held-out samples`})`;
}

export function terminalSummary(report: HeadlineInput): string[] {
  const of = (used: number, limit: number): string => `${formatBytes(used)} / ${formatBytes(limit)} (${formatPercent(limit > 0 ? used / limit : null)})`;
  const predicted = report.layers.filter((l) => l.predictedInstructions !== null);
  const instructions = report.measured
    ? `${formatInt(report.measured.instructions)} per inference (QEMU)`
    : predicted.length > 0
      ? `${formatInt(predicted.reduce((s, l) => s + l.predictedInstructions!, 0))} predicted for the ${predicted.length} prunable layers (cost model; --measure counts them in QEMU)`
      : 'not measured (--measure counts them in QEMU)';
  return [
    headline(report),
    `flash         ${of(report.flash.total, report.flash.limit)}`,
    `RAM           ${of(report.ram.total, report.ram.limit)}`,
    `instructions  ${instructions}`,
    ...(report.measured?.estimatedCycles !== undefined ? [`est. cycles   ${formatInt(report.measured.estimatedCycles)} (${report.target.core} timing model, zero wait states)`] : []),
  ];
}
