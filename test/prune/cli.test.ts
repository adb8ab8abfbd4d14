import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

describe('tinyprune prune: usage errors', () => {
  it('needs --data and a target', async () => {
    const r = await runCli(['prune', 'tiny-digits']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--data is required/);
    const r2 = await runCli(['prune', 'tiny-digits', '--data', 'x.csv']);
    expect(r2.stderr).toMatch(/--sparsity or --plan/);
  });
});

describe.skipIf(!hasShared)('tinyprune prune on optdigits', () => {
  warnIfNoShared('prune CLI on ../shared/datasets/digits');
  it('trains the tiny example, prunes 2:4 + channels, quantizes to int8, writes a valid .tflite and a report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-prune-'));
    const plan = join(dir, 'plan.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(plan, JSON.stringify({ sparsity: 0.5, layers: { 'fc6/weights': { granularity: '2:4' }, 'conv1/weights': { granularity: 'channel', sparsity: 0.25 } }, fineTune: { epochs: 1 } }));
    const r = await runCli([
      'prune', 'tiny-digits', '--data', `digits:${sharedPath('datasets/digits/optdigits.tra')}`, '--plan', plan,
      '--train-epochs', '2', '--lr', '0.003', '--int8', '--backend', 'wasm', '--out', join(dir, 'p.tflite'), '--report', join(dir, 'r.json'),
    ]);
    expect(r.stderr).toMatch(/\[prune\] backend: wasm/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.backend).toBe('wasm');
    expect(report.layers.find((l: { name: string }) => l.name === 'conv1/weights').shape).toEqual([6, 3, 3, 1]);
    expect(report.layers.find((l: { name: string }) => l.name === 'fc6/weights').achievedSparsity).toBeCloseTo(0.5, 2);
    expect(report.int8.int8Accuracy).toBeGreaterThan(0.7);
    expect(report.stages.length).toBe(4);
    expect(existsSync(join(dir, 'p.tflite'))).toBe(true);
    const g = readTfliteFile(join(dir, 'p.tflite')).graph;
    verifyGraph(g);
    expect(g.tensors[g.inputs[0]!]!.dtype).toBe('int8');
  }, 120_000);
});

describe.skipIf(!hasShared)('tinyprune prune --granularity block4x1 on mnist-dscnn (a depthwise layer)', () => {
  warnIfNoShared('block prune of examples/mnist-dscnn on ../shared/datasets/mnist');
  it('prunes every layer, the depthwise one in blocks of 4 channels at one tap, with a note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-prune-dw-'));
    const out = join(dir, 'p.tflite');
    const r = await runCli([
      'prune', 'examples/mnist-dscnn/model.tflite', '--data', `mnist:${sharedPath('datasets/mnist')}`, '--sparsity', '0.5', '--granularity', 'block4x1',
      '--epochs', '0', '--backend', 'wasm', '--progress', 'lines', '--out', out, '--report', join(dir, 'r.json'),
    ]);
    expect(r.stderr, r.stderr).not.toMatch(/error\[/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: dw2\/weights: block4x1 on DEPTHWISE_CONV_2D groups 4 channels at the same tap/);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    const dw = report.layers.find((l: { opcode: string }) => l.opcode === 'DEPTHWISE_CONV_2D');
    expect(dw.granularity).toBe('block4x1');
    expect(dw.achievedSparsity).toBeGreaterThanOrEqual(0.5);
    // In the written model the depthwise zeros come in runs of 4 channels (1HWC: channels innermost).
    const g = readTfliteFile(out).graph;
    verifyGraph(g);
    const t = g.tensors.find((x) => x.name === dw.name)!;
    const w = new Float32Array(t.data!.buffer.slice(t.data!.byteOffset, t.data!.byteOffset + t.data!.byteLength));
    const c = t.shape[3]!;
    for (let i = 0; i < w.length; i += 4) expect(new Set(Array.from(w.subarray(i, i + 4), (v) => v === 0)).size, `block at ${i} of ${c} channels`).toBe(1);
  }, 180_000);
});
