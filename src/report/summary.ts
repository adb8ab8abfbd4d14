/**
 * The few lines `tinyprune build` prints about a build: does it fit, flash and RAM against the
 * board's limits, and instructions (QEMU-measured when the build measured them, else the cost
 * model's prediction, else a hint how to get them). Counts are instructions, never cycles:
 * QEMU counts instructions.
 */
import type { BuildReport } from '../build/build.js';
import { formatBytes, formatInt, formatPercent } from './format.js';

export function terminalSummary(report: BuildReport): string[] {
  const fits = report.fits && report.flash.total <= report.flash.limit && report.ram.total <= report.ram.limit;
  const of = (used: number, limit: number): string => `${formatBytes(used)} / ${formatBytes(limit)} (${formatPercent(limit > 0 ? used / limit : null)})`;
  const predicted = report.layers.filter((l) => l.predictedInstructions !== null);
  const instructions = report.measured
    ? `${formatInt(report.measured.instructions)} per inference (QEMU)`
    : predicted.length > 0
      ? `${formatInt(predicted.reduce((s, l) => s + l.predictedInstructions!, 0))} predicted for the ${predicted.length} prunable layers (cost model; --measure counts them in QEMU)`
      : 'not measured (--measure counts them in QEMU)';
  return [
    `${fits ? 'fits' : 'DOES NOT FIT'} on ${report.board} (${report.target.core})`,
    `flash         ${of(report.flash.total, report.flash.limit)}`,
    `RAM           ${of(report.ram.total, report.ram.limit)}`,
    `instructions  ${instructions}`,
    ...(report.measured?.estimatedCycles !== undefined ? [`est. cycles   ${formatInt(report.measured.estimatedCycles)} (${report.target.core} timing model, zero wait states)`] : []),
  ];
}
