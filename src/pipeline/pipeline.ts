/**
 * `tinyprune build --board <board> <model> [--data <dataset>]`: the whole job, as one ordered
 * list of stages (src/pipeline/stages/), run by one runner (src/pipeline/runner.ts) that shows
 * progress, times each stage, checks the graph after each stage that rewrites it, and caches
 * artefacts under <out>/pipeline/, keyed by a hash of everything they depend on, so a second
 * run resumes from the earlier build's artefacts at the first stage whose inputs changed (the
 * run works in a staging copy: an interrupted one leaves the earlier build as it was). Graphs
 * pass from stage to stage in memory.
 *
 *   load        the plan file (--plan), the board, the model (int8 .tflite, or a float one
 *               to quantize with the data)
 *   data        the data set, split train/validation (seeded); none → pruning needs --unverified
 *   baseline    the int8 model (quantized with the data when float) and its accuracy
 *   footprint   the dense build linked without limits: firmware code, model data, static
 *               RAM and stack — what the board's memory must hold besides weights and arena
 *   sensitivity per layer and granularity, accuracy over a sparsity grid (forward only)
 *   candidates  per layer, exact encoded bytes and predicted instructions of each choice
 *   solve       the per-layer choice that fits flash/RAM(/latency) with the objective's least
 *               predicted loss, instructions or flash within --max-loss; each choice goes
 *               through `prune` (prune to the plan, fine-tune with fixed masks, re-quantize to
 *               int8; measured over --max-loss: calibrate and solve again, budget.ts) and the
 *               build stages (encode, lower, render, compile, bench, report, measure:
 *               stages/build.ts), tightened and re-solved if the real build overshoots
 *   verify      emulated boards: run samples in QEMU, outputs = the reference interpreter's
 *   report      accuracy, plan, sensitivity, timings → report.json, report.html
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import type { PipelineReport } from '../contracts/report.js';
import type { Stage } from '../contracts/stage.js';
import { exportBuild } from '../export/index.js';
import { withOutput } from '../util/outdir.js';
import { runStages } from './runner.js';
import { baseline, candidates, footprint, sensitivity } from './stages/analyse.js';
import type { PipelineContext, PipelineRequest } from './stages/context.js';
import { data, load } from './stages/load.js';
import { report } from './stages/report.js';
import { solve } from './stages/solve.js';
import { verify } from './stages/verify.js';

export type { PipelineReport } from '../contracts/report.js';
export type { PipelineContext, PipelineRequest } from './stages/context.js';

/** The pipeline, in order. A stage is added by adding it here. */
export const PIPELINE: readonly Stage<PipelineContext>[] = [load, data, baseline, footprint, sensitivity, candidates, solve, verify, report];

/**
 * The whole pipeline in a staging directory beside the output (src/util/outdir.ts): the
 * earlier build's artefacts are copied in to resume from, and the build — verified, measured,
 * its report complete — replaces the output only at the very end. A failed or interrupted run
 * leaves the earlier build (and its artefacts) as they were. `stages`: another list (tests).
 */
export async function runPipeline(req: PipelineRequest, stages: readonly Stage<PipelineContext>[] = PIPELINE): Promise<PipelineReport> {
  const outDir = path.resolve(req.cwd, req.outDir);
  return withOutput(outDir, { inputs: [path.resolve(req.cwd, req.modelPath)], toolVersion: req.toolVersion, cwd: req.cwd }, async (staging) => {
    const earlier = path.join(outDir, 'pipeline');
    if (existsSync(earlier)) cpSync(earlier, path.join(staging, 'pipeline'), { recursive: true });
    const c = await pipeline(req, staging, outDir, stages);
    if (req.emit && req.emit.length > 0) exportBuild(staging, req.emit);
    return c.report;
  });
}

async function pipeline(req: PipelineRequest, staging: string, outDir: string, stages: readonly Stage<PipelineContext>[]): Promise<PipelineContext> {
  const work = path.join(staging, 'pipeline');
  mkdirSync(work, { recursive: true });
  const run = { cacheDir: work, timings: [], ...(req.progress ? { progress: req.progress } : {}) };
  // Each stage sets the fields it names in PipelineContext before a later stage reads them.
  const start: Partial<PipelineContext> = { req, staging, outDir, work, seed: req.seed ?? 1, log: req.log, run, warnings: [], sensitivity: [], plan: {}, pruned: { accuracy: null }, attempts: [] };
  return runStages(stages, start as PipelineContext, run);
}
