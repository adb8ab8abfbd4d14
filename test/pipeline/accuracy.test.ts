/**
 * The accuracy budget and unmeasured pruning end to end, on a board with 4 KB of RAM (the
 * micro:bit's profile with "ram": 4K, no RAM reserved, no heap, a 1.5 KB stack): the digits
 * DS-CNN fits only with most of conv1's channels gone.
 * - with data (small: 600 samples, 1 epoch) and a loose --max-loss it builds and states the
 *   measured loss; with the default budget (1 pt) the same pruning is E_ACCURACY, with the
 *   budget that would fit this board and the boards that would fit the budget;
 * - without data it stops with E_NO_DATA; so does the micro:bit, where --unverified then
 *   builds and the summary and report.html say "accuracy not measured" in their headline.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { hasTool } from '../../src/firmware/toolchain.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] accuracy budget: arm-none-eabi-gcc or qemu-system-arm is missing');

const model = path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite');

function tiny4k(dir: string): string {
  const board = JSON.parse(readFileSync(path.join(REPO_ROOT, 'boards/microbit.json'), 'utf8'));
  board.name = 'tiny4k';
  board.ram.size = '4K';
  board.reservedBytes = { flash: '8K', ram: '0K' };
  board.heapBytes = 0;
  board.stackBytes = 1536;
  delete board.$schema;
  const file = path.join(dir, 'tiny4k.json');
  writeFileSync(file, JSON.stringify(board));
  return file;
}

describe.skipIf(!haveTools)('build --board tiny4k: accuracy budget and unmeasured pruning', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tp-accuracy-'));
  const board = tiny4k(root);
  const out = path.join(root, 'out');
  const withData = ['build', '--board', board, model, '--data', 'generated-digits:600', '--epochs', '1', '-o', out];

  it('a loose --max-loss: builds, and the summary and report state the measured loss', async () => {
    const r = await runCli([...withData, '--max-loss', '90']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.fits).toBe(true);
    expect(report.objective).toBe('fit');
    const a = report.accuracy;
    expect(a.maxLoss).toBe(90);
    expect(a.loss).toBeCloseTo((a.before - a.after) * 100, 1);
    expect(a.loss).toBeGreaterThan(1); // the default budget would not take this
    expect(a.attempts.length).toBeGreaterThanOrEqual(1);
    expect(report.fidelity).toBeUndefined();
    expect(r.stdout).toMatch(/fits on tiny4k .* accuracy .* \(loss \d+\.\d\d pt, budget 90 pt/);
    console.info(`[accuracy] tiny4k: ${r.stdout.split('\n')[1]}`);
  }, 900_000);

  it('the default budget (1 pt): E_ACCURACY with the best loss, what fits the budget and the budget that fits', async () => {
    const r = await runCli(withData);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_ACCURACY/);
    expect(r.stderr).toMatch(/keeps the accuracy loss within 1\.00 pt/);
    expect(r.stderr).toMatch(/binding: .*conv1\/weights \(channel/);
    expect(r.stderr).toMatch(/a board that fits within 1\.00 pt \(predicted\): microbit/);
    const loss = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).accuracy.loss as number;
    expect(r.stderr).toContain(`--max-loss ${Math.ceil(loss * 100 - 1e-6) / 100}`);
    // The earlier build stays.
    expect(existsSync(path.join(out, 'firmware.elf'))).toBe(true);
    console.info(`[accuracy] tiny4k default budget: ${r.stderr.split('\n').slice(0, 6).join(' | ')}`);
  }, 600_000);

  it('without --data: E_NO_DATA saying how to give data; --unverified builds with "accuracy not measured"', async () => {
    // On the micro:bit (16 KB RAM, 256 KB flash) the dense model's 400 KB of weights must be pruned.
    const plain = path.join(root, 'plain');
    const r = await runCli(['build', '--board', 'microbit', model, '-o', plain]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_NO_DATA/);
    expect(r.stderr).toMatch(/must be pruned to fit microbit \(.*fc3\/weights/);
    expect(r.stderr).toMatch(/--data mnist:<dir>/);
    expect(r.stderr).toMatch(/--unverified/);
    expect(existsSync(plain)).toBe(false);

    const u = await runCli(['build', '--board', 'microbit', model, '--unverified', '-o', plain]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout.split('\n')[1]).toMatch(/fits on microbit .* accuracy not measured/);
    const report = JSON.parse(readFileSync(path.join(plain, 'report.json'), 'utf8'));
    expect(report.accuracyNotMeasured.reason).toMatch(/--unverified/);
    expect(report.accuracy).toBeUndefined();
    expect(report.fidelity).toBeUndefined();
    const html = readFileSync(path.join(plain, 'report.html'), 'utf8');
    expect(html).toMatch(/<h1>Build report<\/h1>\s*<p><strong>fits on microbit [^<]*accuracy not measured/);
    expect(html).not.toMatch(/seeded random/);
  }, 600_000);

  it('without --data on the 4 KB board: E_NO_DATA too', async () => {
    const r = await runCli(['build', '--board', board, model, '-o', path.join(root, 'nodata4k')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_NO_DATA/);
    expect(r.stderr).toMatch(/conv1\/weights channel/);
  }, 600_000);

  it('--objective latency without data is E_NO_DATA even with --unverified (its bound is measured on data)', async () => {
    const r = await runCli(['build', '--board', board, model, '--objective', 'latency', '--unverified', '-o', path.join(root, 'lat')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_NO_DATA/);
    expect(r.stderr).toMatch(/--objective latency/);
  }, 120_000);

  it('bad values: --objective and --max-loss are usage errors', async () => {
    const a = await runCli(['build', '--board', board, model, '--objective', 'speed']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/fit, latency, size/);
    const b = await runCli(['build', '--board', board, model, '--max-loss', '-1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--max-loss/);
  });
});
