/**
 * `tinyprune build --board <b> <model> --data <d>` end to end on the bundled example (the
 * digits DS-CNN, ~410 KB of int8 weights and ~15 KB of activations): for a micro:bit (256 KB
 * flash, 16 KB RAM) the solver must prune channels (RAM) and weights (flash); the build
 * fits, runs bit-exact in QEMU, and states the accuracy cost. A second run resumes from the
 * artefacts; a 4 KB-RAM board cannot be met and says why; a bad plan is a clear error.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { hasTool } from '../../src/firmware/toolchain.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] build pipeline: arm-none-eabi-gcc or qemu-system-arm is missing');

const model = path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite');

describe.skipIf(!haveTools)('build --board microbit --data: prune to fit', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tp-pipeline-'));
  const out = path.join(root, 'mb');
  // Small data and 2 epochs for speed: the loss budget is looser than the default 1 pt.
  const args = ['build', '--board', 'microbit', model, '--data', 'generated-digits:1500', '--epochs', '2', '--max-loss', '5', '-o', out];

  it('fits by pruning channels (RAM) and weights (flash), bit-exact in QEMU, accuracy stated', async () => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.fits).toBe(true);
    expect(report.flash.total).toBeLessThanOrEqual(report.flash.limit);
    expect(report.ram.total).toBeLessThanOrEqual(report.ram.limit);
    const layers = Object.values(report.plan.layers) as { granularity: string; sparsity: number }[];
    expect(layers.some((l) => l.granularity === 'channel' && l.sparsity > 0)).toBe(true);
    expect(layers.some((l) => l.granularity !== 'channel' && l.sparsity > 0)).toBe(true);
    expect(report.accuracy.before).toBeGreaterThan(0.9);
    expect(report.accuracy.after).toBeGreaterThan(0.9);
    expect(report.verify.bitExact).toBe(report.verify.samples);
    for (const f of ['plan.json', 'sensitivity.json', 'candidates.json', 'pruned.tflite']) expect(existsSync(path.join(out, 'pipeline', f)), f).toBe(true);
    console.info(`[pipeline] microbit: accuracy ${(report.accuracy.before * 100).toFixed(2)}% → ${(report.accuracy.after * 100).toFixed(2)}%, flash ${report.flash.total}/${report.flash.limit}, RAM ${report.ram.total}/${report.ram.limit}, plan ${JSON.stringify(report.plan.layers)}`);
  }, 900_000);

  it('a second run resumes from the artefacts and gives the same build', async () => {
    const before = readFileSync(path.join(out, 'lib/tp_model.c'), 'utf8');
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    const reused = Object.fromEntries(report.pipeline.stages.map((s: { name: string; reused: boolean }) => [s.name, s.reused]));
    expect(reused).toMatchObject({ baseline: true, sensitivity: true, candidates: true, prune: true });
    expect(readFileSync(path.join(out, 'lib/tp_model.c'), 'utf8')).toBe(before);
  }, 300_000);

  it('an edited plan that names a point off the grid is a clear error; the build stays', async () => {
    const plan = JSON.parse(readFileSync(path.join(out, 'pipeline/plan.json'), 'utf8'));
    const first = Object.keys(plan.layers)[0]!;
    plan.layers[first] = { granularity: 'element', sparsity: 0.33 };
    const file = path.join(root, 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const r = await runCli([...args, '--plan', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_SOLVE/);
    expect(r.stderr).toContain(first);
    expect(existsSync(path.join(out, 'firmware.elf'))).toBe(true);
  }, 300_000);

  it('a board with 4 KB of RAM cannot be met: non-zero exit with the floor and the binding layers', async () => {
    const board = JSON.parse(readFileSync(path.join(REPO_ROOT, 'boards/microbit.json'), 'utf8'));
    board.name = 'microbit-4k';
    board.ram.size = '4K';
    board.reservedBytes = { flash: '8K', ram: '0K' };
    delete board.$schema;
    const file = path.join(root, 'microbit-4k.json');
    writeFileSync(file, JSON.stringify(board));
    const r = await runCli(['build', '--board', file, model, '--data', 'generated-digits:1500', '--epochs', '2', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_DOES_NOT_FIT/);
    expect(r.stderr).toMatch(/microbit-4k/);
    // The earlier build is still there: a failed build replaces nothing.
    expect(existsSync(path.join(out, 'firmware.elf'))).toBe(true);
    console.info(`[pipeline] 4 KB board: ${r.stderr.split('\n').slice(0, 8).join(' | ')}`);
  }, 300_000);
});
