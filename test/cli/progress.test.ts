import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, type ProgressMode } from '../../src/cli/progress.js';

/** Control characters other than the newline (issue #8: CI logs must not get any). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

/** Runs a 100-step stage with a log line in the middle, 50 ms of fake time per step. */
function run(mode: ProgressMode, isTTY = false): string {
  let out = '';
  let t = 0;
  const p = createProgress({ mode, isTTY, write: (s) => (out += s), prefix: 'prune', now: () => t });
  p.log('backend: wasm');
  p.start('train', 100);
  for (let i = 0; i < 100; i++) {
    t += 50;
    p.tick(1, `epoch ${1 + Math.floor(i / 50)}/2`);
    if (i === 49) p.log('epoch 1: loss 0.5\x1b[31m red');
  }
  p.done();
  p.close();
  return out;
}

describe('progress reporter', () => {
  it('not a TTY: plain rate-limited lines with count, percentage and ETA, no control characters', () => {
    const out = run('auto', false);
    expect(out).not.toMatch(CONTROL);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('[prune] backend: wasm');
    expect(lines).toContain('[train] 30/100 (30%) ETA 4s: epoch 1/2');
    expect(lines.at(-1)).toBe('[train] 100/100 (100%) done in 5s: epoch 2/2');
    // 5 s of work, one line per 2 s or 10%: a start line, 9 progress lines, a log line, the final line.
    expect(lines.filter((l) => l.startsWith('[train]')).length).toBeLessThanOrEqual(11);
    expect(lines).toContain('[prune] epoch 1: loss 0.5 [31m red');
  });

  it('a slow stage on a non-TTY prints at most one line per 2 s', () => {
    let out = '';
    let t = 0;
    const p = createProgress({ mode: 'lines', write: (s) => (out += s), prefix: 'x', now: () => t });
    p.start('qemu', 10_000);
    for (let i = 0; i < 9_999; i++) {
      t += 1; // 10 s in total, 0.01% per step
      p.tick();
    }
    p.done();
    const lines = out.trimEnd().split('\n');
    // start + one per 10% (the 2 s limit comes later than 10% here) + final
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toMatch(/^\[qemu\] 9999\/10000 \(99%\) done in 10s$/);
  });

  it('a TTY: one bar redrawn in place with \\r, cleared at the end', () => {
    const out = run('auto', true);
    expect(out).toContain('\r');
    expect(out).toMatch(/\rtrain \[#{6}-{14}\] 30\/100 \(30%\) ETA 4s epoch 1\/2\x1b\[K/);
    // The log line in the middle clears the bar first, then redraws it.
    expect(out).toMatch(/\r\x1b\[K\[prune\] epoch 1: loss 0\.5 \[31m red\n\rtrain/);
    // At the end the bar is cleared and a plain summary is left.
    expect(out.endsWith('\r\x1b[K[train] done: 100/100 in 5s, epoch 2/2\n')).toBe(true);
  });

  it('quiet prints nothing', () => {
    expect(run('none', true)).toBe('');
    expect(run('none', false)).toBe('');
  });

  it('json: one object per line with event, stage, done and total', () => {
    const out = run('json', true);
    expect(out).not.toMatch(/\r/);
    const events = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of events) {
      expect(typeof e['event']).toBe('string');
      expect(typeof e['stage']).toBe('string');
      if (e['event'] !== 'log') {
        expect(typeof e['done']).toBe('number');
        expect(e['total']).toBe(100);
      }
    }
    expect(events[0]).toEqual({ event: 'log', stage: 'prune', message: 'backend: wasm' });
    expect(events.at(-1)).toMatchObject({ event: 'done', stage: 'train', done: 100, total: 100 });
  });

  it('nested stages: tick and done act on the innermost', () => {
    let out = '';
    const p = createProgress({ mode: 'lines', write: (s) => (out += s), prefix: 'x', now: () => 0 });
    p.start('outer', 2);
    p.start('inner', 1);
    p.tick();
    p.done();
    p.tick();
    p.done();
    p.done(); // extra done() calls are harmless
    expect(out).toContain('[inner] 1/1 (100%) done in 0s\n[outer] 1/2 (50%)');
    expect(out.endsWith('[outer] 1/2 (50%) done in 0s\n')).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(12.4)).toBe('12s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7440)).toBe('2h04m');
  });
});
