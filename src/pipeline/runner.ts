/**
 * The one runner of stage lists (src/contracts/stage.ts). For each stage in order it skips
 * what does not apply, shows progress, reuses the stage's cached artefact when the key
 * matches (so a second run resumes at the first stage whose inputs changed), times it, and
 * checks the graph after every stage that rewrites it — a stage that breaks the graph is
 * named then, not three stages later when the C does not compile.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Stage, StageContext } from '../contracts/stage.js';
import type { StageTiming } from '../contracts/report.js';
import { TinypruneError } from '../errors.js';
import { verifyGraph } from '../ir/verify.js';
import type { Progress } from '../util/progress.js';

export interface RunOptions {
  /** Each stage is shown as a progress stage of one step. */
  progress?: Progress;
  /** Folder of the cached artefacts; absent: nothing is cached. */
  cacheDir?: string;
  /** Each stage that ran (or was reused) is appended here. */
  timings?: StageTiming[];
}

/** Runs the stages in order over one context and returns it. */
export async function runStages<C extends StageContext>(stages: readonly Stage<C>[], ctx: C, o: RunOptions = {}): Promise<C> {
  for (const stage of stages) await runStage(stage, ctx, o);
  return ctx;
}

/** Runs one stage (also for a stage that a stage runs, e.g. prune within solve). */
export async function runStage<C extends StageContext>(stage: Stage<C>, ctx: C, o: RunOptions = {}): Promise<void> {
  if (stage.skip?.(ctx)) return;
  const t0 = performance.now();
  o.progress?.start(stage.name, 1);
  try {
    const reused = o.cacheDir !== undefined && stage.cache ? await runCached(stage, ctx, o.cacheDir) : (await stage.run(ctx), false);
    if (stage.rewritesGraph) checkGraph(stage.name, ctx);
    o.timings?.push({ name: stage.name, reused, seconds: reused ? 0 : Math.round((performance.now() - t0) / 100) / 10 });
    o.progress?.tick(1, reused ? 'reused' : undefined);
  } finally {
    o.progress?.done();
  }
}

/** True when the artefact was reused; otherwise the stage runs and its artefact is written. */
async function runCached<C extends StageContext>(stage: Stage<C>, ctx: C, dir: string): Promise<boolean> {
  const cache = stage.cache!;
  const file = path.join(dir, `${stage.name}.json`);
  const key = cache.key(ctx);
  if (existsSync(file)) {
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { key: string; value: unknown };
      if (j.key === key) {
        cache.restore(ctx, j.value, dir);
        return true;
      }
    } catch {
      // an unreadable artefact (or one whose side files are gone): computed again
    }
  }
  await stage.run(ctx);
  writeJsonAtomic(file, { key, value: cache.save(ctx, dir) });
  return false;
}

function checkGraph(stage: string, ctx: StageContext): void {
  if (!ctx.graph) throw new TinypruneError('E_IR_INVALID', `stage '${stage}' rewrites the graph but left none`, { where: `stage ${stage}`, data: { stage } });
  try {
    verifyGraph(ctx.graph);
  } catch (e) {
    if (!(e instanceof TinypruneError) || e.code !== 'E_IR_INVALID') throw e;
    throw new TinypruneError('E_IR_INVALID', `stage '${stage}' left an invalid graph: ${e.message}`, {
      where: `stage ${stage}${e.where ? `, ${e.where}` : ''}`,
      ...(e.hint ? { hint: e.hint } : {}),
      cause: e,
      data: { ...e.data, stage },
    });
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}
