/**
 * Benchmarks in a user's CI: compare a run with a stored baseline and fail when latency,
 * flash or RAM grew by more than a percentage. Pure.
 *
 * A baseline is either an earlier `tinyprune bench --json` result (latency with its unit,
 * memory) or a build's report.json (flash, RAM, and `measured.instructions` after
 * `build --measure`). Latencies are compared only in the same unit: instructions (QEMU) and
 * cycles (a board) are different quantities.
 */
import { TinypruneError } from '../errors.js';

export interface Measured {
  latency: { unit: string; total: number } | undefined;
  flash: number;
  ram: number;
}

export interface MetricComparison {
  metric: 'latency' | 'flash' | 'ram';
  unit: string;
  baseline: number;
  current: number;
  /** (current - baseline) / baseline * 100. */
  changePct: number;
  regressed: boolean;
}

export interface Comparison {
  maxRegressionPct: number;
  metrics: MetricComparison[];
  /** Metrics that could not be compared, and why. */
  skipped: string[];
  regressed: boolean;
}

/** The measurable numbers of a baseline file's JSON. */
export function baselineMeasures(json: unknown, where: string): Measured {
  const j = json as Record<string, any>;
  if (typeof j !== 'object' || j === null) throw new TinypruneError('E_DATA', 'the baseline is not a JSON object', { where });
  // A bench result.
  if (j['latency'] && typeof j['latency'].total === 'number' && j['memory']) {
    return { latency: { unit: String(j['latency'].unit), total: j['latency'].total }, flash: Number(j['memory'].flash), ram: Number(j['memory'].ram) };
  }
  // A build report.
  if (j['flash'] && typeof j['flash'].total === 'number' && j['ram'] && typeof j['ram'].total === 'number') {
    const instr = j['measured']?.instructions;
    return { latency: typeof instr === 'number' ? { unit: 'instructions', total: instr } : undefined, flash: j['flash'].total, ram: j['ram'].total };
  }
  throw new TinypruneError('E_DATA', 'the baseline is neither a `tinyprune bench --json` result nor a build report.json', {
    where,
    allowed: 'the JSON printed by `tinyprune bench --json`, or <build-dir>/report.json',
  });
}

export function compareToBaseline(current: Measured, baseline: Measured, maxRegressionPct: number): Comparison {
  const metrics: MetricComparison[] = [];
  const skipped: string[] = [];
  const add = (metric: MetricComparison['metric'], unit: string, b: number, c: number): void => {
    const changePct = b === 0 ? (c === 0 ? 0 : Infinity) : ((c - b) / b) * 100;
    metrics.push({ metric, unit, baseline: b, current: c, changePct, regressed: changePct > maxRegressionPct });
  };
  if (current.latency && baseline.latency) {
    if (current.latency.unit === baseline.latency.unit) add('latency', current.latency.unit, baseline.latency.total, current.latency.total);
    else skipped.push(`latency: the baseline is in ${baseline.latency.unit}, this run in ${current.latency.unit}`);
  } else {
    skipped.push(`latency: ${baseline.latency ? 'this run has' : 'the baseline has'} no latency`);
  }
  add('flash', 'bytes', baseline.flash, current.flash);
  add('ram', 'bytes', baseline.ram, current.ram);
  return { maxRegressionPct, metrics, skipped, regressed: metrics.some((m) => m.regressed) };
}

/** One line per metric, for the terminal. */
export function formatComparison(c: Comparison): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}%` : '+inf%');
  return [
    `baseline comparison (max regression ${c.maxRegressionPct}%):`,
    ...c.metrics.map((m) => `  ${m.metric.padEnd(8)} ${n(m.baseline).padStart(14)} -> ${n(m.current).padStart(14)} ${m.unit.padEnd(12)} ${pct(m.changePct).padStart(9)}  ${m.regressed ? 'REGRESSED' : 'ok'}`),
    ...c.skipped.map((s) => `  skipped  ${s}`),
  ];
}
