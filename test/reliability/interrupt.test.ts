/**
 * Issue 12, interrupts: Ctrl-C (SIGINT to the process group) at many moments of a build that
 * replaces an earlier one leaves the earlier build byte-identical (tree hash) and nothing
 * beside it (no staging directory, no lock). Moments are spread by delay and by watching the
 * staging directory (firmware being linked; report.json written, i.e. QEMU measure/verify
 * running). A run the signal reaches only after it published is a complete, consistent build.
 *
 * QEMU/gcc children that outlive the interrupt are src/device + src/firmware's concern (issue
 * 12 item 3, another change); this test reports them but does not fail on them.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { hasTool } from '../../src/firmware/toolchain.js';
import { stagingPath } from '../../src/util/outdir.js';
import { REPO_ROOT, hasShared, sharedPath } from '../helpers/shared.js';
import { cli, haveDist, interrupt, leftovers, sleep, start, treeHash, until, type Running } from './helpers.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
const runnable = haveTools && haveDist && hasShared;
if (!runnable) console.warn('[skip] reliability/interrupt: needs arm-none-eabi-gcc, qemu-system-arm, dist/ (npm run build) and ../shared');

/** When to interrupt: after a delay, or once a file appears in the run's staging directory. */
type Moment = { after: number } | { staged: string };
const describeMoment = (m: Moment): string => ('after' in m ? `after ${m.after} ms` : `once staging has ${m.staged}`);

/** Whether anything of the run's process group is still alive (children that outlived it). */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Outcome {
  moment: string;
  code: number | null;
  interrupted: boolean;
  survivors: boolean;
}

/**
 * Start `args` in `ws`, interrupt it at `moment`, and check the output `out`: the earlier
 * tree byte-identical when the run was interrupted, a complete new build when it finished first.
 */
async function interruptAt(args: string[], ws: string, out: string, moment: Moment, isNewBuild: (report: { model: { source: string } }) => boolean): Promise<Outcome> {
  const before = treeHash(path.join(ws, out));
  const run: Running = start(args, ws);
  const pid = run.child.pid!;
  let finished = false;
  void run.done.then(() => (finished = true));
  if ('after' in moment) await sleep(moment.after);
  else await until(() => finished || existsSync(path.join(stagingPath(path.join(ws, out), pid), moment.staged)), 120_000);
  interrupt(run);
  const exit = await run.done;
  await sleep(2000);
  const survivors = groupAlive(pid);
  if (survivors) {
    try {
      process.kill(-pid, 'SIGKILL'); // not this change's part (see the header); do not leak them into later tests
    } catch {
      // gone meanwhile
    }
  }
  expect(leftovers(ws), describeMoment(moment)).toEqual([]);
  const report = JSON.parse(readFileSync(path.join(ws, out, 'report.json'), 'utf8'));
  if (exit.code === 0) {
    expect(isNewBuild(report), `${describeMoment(moment)}: exit 0 but the report is not the new build`).toBe(true);
  } else {
    expect(exit.stderr, describeMoment(moment)).not.toMatch(/internal error|    at /);
    expect(treeHash(path.join(ws, out)), `${describeMoment(moment)}: the earlier build changed`).toEqual(before);
  }
  return { moment: describeMoment(moment), code: exit.code, interrupted: exit.code !== 0, survivors };
}

function workspace(): string {
  const ws = mkdtempSync(path.join(tmpdir(), 'tp-interrupt-'));
  copyFileSync(sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite'), path.join(ws, 'hello.tflite'));
  copyFileSync(path.join(REPO_ROOT, 'examples/mnist-mlp/model.tflite'), path.join(ws, 'mlp.tflite'));
  return ws;
}

describe.skipIf(!runnable)('SIGINT during a build leaves the earlier build byte-identical', () => {
  it('plain build --measure, at 7 moments', async () => {
    const ws = workspace();
    const first = await cli(['build', '--board', 'mps2-an386', 'hello.tflite', '-o', 'out'], ws);
    expect(first.code, first.stderr).toBe(0);
    const args = ['build', '--board', 'mps2-an386', 'mlp.tflite', '--sparsity', '0.5', '--measure', '-o', 'out'];
    const moments: Moment[] = [{ after: 150 }, { after: 2000 }, { staged: 'lib' }, { staged: 'firmware.elf' }, { staged: 'bench.elf' }, { staged: 'report.json' }, { after: 3500 }];
    const outcomes: Outcome[] = [];
    for (const m of moments) outcomes.push(await interruptAt(args, ws, 'out', m, (r) => r.model.source === 'mlp.tflite'));
    console.info(`[interrupt] build: ${outcomes.map((o) => `${o.moment}: exit ${o.code}${o.survivors ? ' (children outlived it)' : ''}`).join('; ')}`);
    expect(outcomes.filter((o) => o.interrupted).length).toBeGreaterThanOrEqual(5);
    const done = await cli(args, ws);
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(ws, 'out/report.json'), 'utf8'));
    expect(report.model.source).toBe('mlp.tflite');
    expect(report.measured.instructions).toBeGreaterThan(0);
    expect(leftovers(ws)).toEqual([]);
  }, 600_000);

  it('--data pipeline, at 6 moments including QEMU verify; a later run resumes from the earlier artefacts', async () => {
    const ws = workspace();
    const base = ['build', '--board', 'mps2-an386', 'mlp.tflite', '--data', 'generated-digits:300', '-o', 'p'];
    const first = await cli([...base, '--epochs', '1'], ws);
    expect(first.code, first.stderr).toBe(0);
    // Another fine-tuning length: the plan's artefacts are reused, the pruned model and build differ.
    const args = [...base, '--epochs', '2'];
    const moments: Moment[] = [{ after: 300 }, { after: 2500 }, { after: 5000 }, { staged: 'lib' }, { staged: 'firmware.elf' }, { staged: 'report.json' }];
    const outcomes: Outcome[] = [];
    const isNew = (r: { pipeline?: { stages: { name: string; reused: boolean }[] } }): boolean => r.pipeline?.stages.find((s) => s.name === 'prune')?.reused === false;
    for (const m of moments) outcomes.push(await interruptAt(args, ws, 'p', m, isNew as (r: unknown) => boolean));
    console.info(`[interrupt] pipeline: ${outcomes.map((o) => `${o.moment}: exit ${o.code}${o.survivors ? ' (children outlived it)' : ''}`).join('; ')}`);
    expect(outcomes.filter((o) => o.interrupted).length).toBeGreaterThanOrEqual(4);

    const done = await cli(args, ws);
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(ws, 'p/report.json'), 'utf8'));
    const reused = Object.fromEntries(report.pipeline.stages.map((s: { name: string; reused: boolean }) => [s.name, s.reused]));
    expect(reused).toMatchObject({ baseline: true, sensitivity: true, candidates: true });
    expect(report.verify.bitExact).toBe(report.verify.samples);
    for (const k of ['accuracy', 'plan', 'sensitivity', 'verify']) expect(report[k], k).toBeDefined();
    expect(leftovers(ws)).toEqual([]);
  }, 900_000);
});
