/**
 * `tinyprune prune` reports training, the sensitivity sweep and fine-tuning through the
 * progress reporter (issue #8): plain lines without control characters when stderr is not a
 * terminal, JSON lines with --progress json, nothing with --quiet.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

let dir = '';
let args: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-progress-'));
  // 150 samples in the optdigits layout (64 values 0..16, then the label): enough to train on.
  const rows: string[] = [];
  for (let i = 0; i < 150; i++) {
    const label = i % 10;
    rows.push([...Array.from({ length: 64 }, (_, j) => ((j * 7 + label * 13 + i) % 17)), label].join(','));
  }
  writeFileSync(join(dir, 'tiny.tra'), rows.join('\n') + '\n');
  args = ['prune', 'tiny-digits', '--data', `digits:${join(dir, 'tiny.tra')}`, '--sparsity', '0.5', '--train-epochs', '1', '--epochs', '1', '--backend', 'cpu', '--sensitivity', join(dir, 'sens'), '--report', join(dir, 'r.json')];
});

describe('tinyprune prune progress', () => {
  it('not a terminal: plain [stage] lines for train, sensitivity and fine-tune, no control characters', async () => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).toMatch(/^\[prune\] backend: cpu$/m);
    for (const stage of ['train', 'sensitivity', 'fine-tune']) expect(r.stderr).toMatch(new RegExp(`^\\[${stage}\\] \\d+/\\d+ \\(100%\\) done in `, 'm'));
  }, 120_000);

  it('--progress json: every stderr line is a JSON event', async () => {
    const r = await runCli([...args, '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as { event: string; stage: string; done?: number; total?: number });
    expect(events.filter((e) => e.event === 'done').map((e) => e.stage)).toEqual(['train', 'sensitivity', 'fine-tune']);
    for (const e of events.filter((x) => x.event !== 'log')) expect(typeof e.total).toBe('number');
  }, 120_000);

  it('--quiet prints nothing on stderr', async () => {
    const r = await runCli([...args, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  }, 120_000);

  it('--progress with an unknown mode is a usage error', async () => {
    const r = await runCli([...args, '--progress', 'fancy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--progress fancy is not a progress mode/);
    expect(r.stderr).toMatch(/allowed: auto, bar, lines, json, none/);
  });
});
