/**
 * The pipeline is a list (issue #11): one runner runs every stage list, shows and times each
 * stage, reuses cached artefacts, and checks the graph after each stage that rewrites it. A
 * stage is added by one entry in the list: a no-op added to the real pipeline runs, is timed
 * and shows in the report and the progress; a stage that breaks the graph is named.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { StageTiming } from '../../src/contracts/report.js';
import type { Stage, StageContext } from '../../src/contracts/stage.js';
import { TinypruneError } from '../../src/errors.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { PIPELINE, runPipeline, type PipelineContext, type PipelineRequest } from '../../src/pipeline/pipeline.js';
import { runStages } from '../../src/pipeline/runner.js';
import { writeTflite } from '../../src/tflite/write.js';
import type { Progress } from '../../src/util/progress.js';

/** A Progress that records stage starts and ends. */
function recorder(): Progress & { events: string[] } {
  const events: string[] = [];
  const stack: string[] = [];
  return {
    events,
    start: (stage) => (stack.push(stage), events.push(`start ${stage}`)),
    tick: () => {},
    done: () => void events.push(`done ${stack.pop()}`),
    log: () => {},
  };
}

/** Breaks the graph the way a buggy rewrite would: an input index out of range. */
const corrupt = (g: ModelGraph): ModelGraph => ({ ...g, inputs: [g.tensors.length + 5] });

interface Toy extends StageContext {
  calls: string[];
  n?: number;
}

describe('the stage runner', () => {
  const double: Stage<Toy> = { name: 'double', run: (c) => void (c.calls.push('double'), (c.n = (c.n ?? 1) * 2)) };
  const noop: Stage<Toy> = { name: 'noop', run: (c) => void c.calls.push('noop') };

  it('runs a list in order; a stage added by one entry is run, timed and shown', async () => {
    const progress = recorder();
    const timings: StageTiming[] = [];
    const c = await runStages<Toy>([double, noop, double], { calls: [] }, { progress, timings });
    expect(c.calls).toEqual(['double', 'noop', 'double']);
    expect(c.n).toBe(4);
    expect(timings.map((t) => t.name)).toEqual(['double', 'noop', 'double']);
    expect(timings.every((t) => t.reused === false && t.seconds >= 0)).toBe(true);
    expect(progress.events).toEqual(['start double', 'done double', 'start noop', 'done noop', 'start double', 'done double']);
  });

  it('skips what does not apply, untimed', async () => {
    const timings: StageTiming[] = [];
    const c = await runStages<Toy>([{ ...noop, skip: () => true }, double], { calls: [] }, { timings });
    expect(c.calls).toEqual(['double']);
    expect(timings.map((t) => t.name)).toEqual(['double']);
  });

  it('reuses a cached artefact while its key is the same, and runs again when it changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tp-stages-'));
    const cached = (key: string): Stage<Toy> => ({ ...double, cache: { key: () => key, save: (c) => c.n, restore: (c, v: number) => void (c.n = v) } });
    const timings: StageTiming[] = [];
    expect((await runStages<Toy>([cached('a')], { calls: [], n: 3 }, { cacheDir: dir, timings })).n).toBe(6);
    const again = await runStages<Toy>([cached('a')], { calls: [], n: 3 }, { cacheDir: dir, timings });
    expect(again).toMatchObject({ calls: [], n: 6 });
    expect((await runStages<Toy>([cached('b')], { calls: [], n: 5 }, { cacheDir: dir, timings })).n).toBe(10);
    expect(timings.map((t) => t.reused)).toEqual([false, true, false]);
    expect(JSON.parse(readFileSync(path.join(dir, 'double.json'), 'utf8'))).toEqual({ key: 'b', value: 10 });
  });

  it('checks the graph after a stage that rewrites it, and names the stage that broke it', async () => {
    const graph = synthDigitsCnn(1);
    const fine: Stage<Toy> = { name: 'fine', rewritesGraph: true, run: () => {} };
    const breaks: Stage<Toy> = { name: 'breaks', rewritesGraph: true, run: (c) => void (c.graph = corrupt(c.graph!)) };
    await expect(runStages<Toy>([fine], { calls: [], graph })).resolves.toBeDefined();
    const e = await runStages<Toy>([fine, breaks, noop], { calls: [], graph }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TinypruneError);
    expect((e as TinypruneError).code).toBe('E_IR_INVALID');
    expect((e as TinypruneError).message).toMatch(/^stage 'breaks' left an invalid graph: /);
    expect((e as TinypruneError).data['stage']).toBe('breaks');
    // A stage that does not say it rewrites the graph is not checked (nor blamed).
    const quiet: Stage<Toy> = { ...breaks, rewritesGraph: false };
    await expect(runStages<Toy>([quiet], { calls: [], graph })).resolves.toBeDefined();
  });
});

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] pipeline stage list: arm-none-eabi-gcc or qemu-system-arm is missing');

describe.skipIf(!haveTools)('the pipeline list', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tp-stage-list-'));
  const model = path.join(root, 'synth.tflite');
  writeFileSync(model, writeTflite(synthDigitsCnn(3)));
  const request = (out: string, progress: Progress): PipelineRequest => ({
    modelPath: model,
    board: 'mps2-an386',
    emulate: false,
    outDir: out,
    toolVersion: 'test',
    unverified: true,
    verifySamples: 2,
    cwd: root,
    progress,
    log: () => {},
  });
  const after = (name: string, stage: Stage<PipelineContext>): Stage<PipelineContext>[] => {
    const i = PIPELINE.findIndex((s) => s.name === name);
    return [...PIPELINE.slice(0, i + 1), stage, ...PIPELINE.slice(i + 1)];
  };

  it('a no-op stage added by one entry runs, is timed in report.pipeline.stages and shows in the progress', async () => {
    let ran = 0;
    const noop: Stage<PipelineContext> = { name: 'noop', run: () => void ran++ };
    const progress = recorder();
    const report = await runPipeline(request(path.join(root, 'noop'), progress), after('candidates', noop));
    expect(ran).toBe(1);
    const names = report.pipeline.stages.map((s) => s.name);
    expect(names.indexOf('noop')).toBe(names.indexOf('candidates') + 1);
    expect(report.pipeline.stages.find((s) => s.name === 'noop')).toMatchObject({ reused: false, seconds: expect.any(Number) });
    expect(progress.events).toContain('start noop');
    expect(progress.events.indexOf('done noop')).toBe(progress.events.indexOf('start noop') + 1);
    const written = JSON.parse(readFileSync(path.join(root, 'noop', 'report.json'), 'utf8'));
    expect(written.pipeline.stages.map((s: StageTiming) => s.name)).toContain('noop');
  }, 300_000);

  it('a stage that breaks the graph is caught before the next stage, by name; nothing is published', async () => {
    const out = path.join(root, 'broken');
    const breaks: Stage<PipelineContext> = { name: 'breaks-graph', rewritesGraph: true, run: (c) => void (c.graph = corrupt(c.graph)) };
    const e = await runPipeline(request(out, recorder()), after('baseline', breaks)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TinypruneError);
    expect((e as TinypruneError).code).toBe('E_IR_INVALID');
    expect((e as TinypruneError).message).toMatch(/stage 'breaks-graph' left an invalid graph/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
