/**
 * report: the build's report completed with what led to it — accuracy before and after (or
 * why it was not measured), the plan, the sensitivity curves, the stages' timings and how to
 * make the same build again — written as report.json and report.html.
 */
import type { Stage } from '../../contracts/stage.js';
import { annotateChannels, runInfo } from '../../report/annotate.js';
import { DEFAULT_MAX_LOSS } from '../budget.js';
import { writeBuildReport } from './build-report.js';
import type { PipelineContext } from './context.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

export const report: Stage<PipelineContext> = {
  name: 'report',
  run(c) {
    const { req, report: r, plan, graph: g1 } = c;
    if (c.data) {
      const before = c.baseline.accuracy ?? 0;
      const after = c.pruned.accuracy ?? 0;
      const attempts = c.attempts.map((a) => ({ plan: a.plan, loss: round2(a.loss * 100), predicted: round2(a.predicted * 100) }));
      r.accuracy = { before, after, samples: c.data.validation.y.length, metric: 'top-1 (validation, int8 interpreter)', loss: round2((before - after) * 100), maxLoss: req.maxLoss ?? DEFAULT_MAX_LOSS, attempts };
    } else if (Object.values(plan.layers ?? {}).some((l) => (l.sparsity ?? 0) > 0)) {
      const reason = 'no --data (--unverified): pruned by weight magnitude alone, without fine-tuning; nothing measured what this costs';
      r.accuracyNotMeasured = { reason };
      c.warnings.push({ code: 'W_NO_DATA', message: `accuracy not measured: ${reason}` });
    }
    r.objective = req.objective ?? 'fit';
    r.plan = {
      source: req.planPath ? 'file' : 'solver',
      file: 'pipeline/plan.json',
      predicted: c.result.totals,
      layers: Object.fromEntries(Object.entries(plan.layers ?? {}).map(([k, v]) => [k, { granularity: v.granularity ?? 'element', sparsity: v.sparsity ?? 0, format: v.format ?? 'dense' }])),
    };
    for (const l of r.layers) {
      const w = g1.ops[l.index]?.inputs[1];
      const entry = w !== undefined && w >= 0 ? plan.layers?.[g1.tensors[w]?.name ?? ''] : undefined;
      if (entry?.granularity && entry.sparsity) l.granularity = entry.granularity;
    }
    if (c.sensitivity.length > 0) r.sensitivity = c.sensitivity.filter((p) => p.layer !== '*');
    // This stage's own timing is not in the report it writes.
    r.pipeline = { stages: [...c.run.timings], backend: c.baseline.backend };
    r.run = runInfo(req, c.seed);
    annotateChannels(r.layers, c.baseline.graph, g1);
    r.warnings = [...c.warnings, ...r.warnings];
    writeBuildReport(c.staging, r, g1);
  },
};
