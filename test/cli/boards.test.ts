import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { listBoards } from '../../src/boards/index.js';

describe('tinyprune boards', () => {
  it('lists every bundled board as a table: name, core, flash, RAM, emulated by', async () => {
    const r = await runCli(['boards']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name +core +fpu +flash +RAM +emulated by +description$/m);
    expect(r.stdout).toMatch(/^mps2-an386 +cortex-m4 +fpv4-sp-d16 +4 MiB +4 MiB +QEMU mps2-an386 /m);
    expect(r.stdout).toMatch(/^nucleo-f446re +cortex-m4 +fpv4-sp-d16 +512 KiB +128 KiB +mps2-an386 \(--emulate\) /m);
    for (const b of listBoards()) expect(r.stdout).toMatch(new RegExp(`^${b} `, 'm'));
  });

  it('--json: one object per board with sizes in bytes', async () => {
    const r = await runCli(['boards', '--json']);
    const rows = JSON.parse(r.stdout) as { name: string; flashBytes: number; ramBytes: number; emulatedBy: unknown }[];
    expect(rows.map((b) => b.name)).toEqual(listBoards());
    expect(rows.find((b) => b.name === 'mps3-an547')).toMatchObject({ core: 'cortex-m55', flashBytes: 512 * 1024, emulatedBy: { kind: 'qemu', machine: 'mps3-an547' } });
    expect(rows.find((b) => b.name === 'rpi-pico')).toMatchObject({ emulatedBy: { kind: 'emulate', board: 'microbit' } });
  });

  it('--check accepts a valid profile of your own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-boards-'));
    const board = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/nucleo-f446re.json'), 'utf8'));
    writeFileSync(join(dir, 'my-board.json'), JSON.stringify({ ...board, $schema: undefined, name: 'my-board' }));
    const r = await runCli(['boards', '--check', 'my-board.json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: .*my-board\.json is a valid board profile: my-board, cortex-m4, flash 512 KiB, RAM 128 KiB, emulated by mps2-an386 \(--emulate\)$/m);
    const j = await runCli(['boards', '--check', join(dir, 'my-board.json'), '--json'], dir);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, board: { name: 'my-board', flash: { origin: 0x08000000, size: 512 * 1024 } } });
  });

  it('--check on a bad board file: one error naming the key and the value, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-boards-'));
    const board = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/nucleo-f446re.json'), 'utf8'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...board, name: 'bad', core: 'cortex-m5' }));
    const r = await runCli(['boards', '--check', 'bad.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_BOARD\]: board file key "core": .*\(value: "cortex-m5"\)/m);
    expect(r.stderr).toMatch(/allowed: .*"cortex-m4"/);
    expect(r.stderr).toMatch(/did you mean "cortex-m\d"\?/);
    expect(r.stdout).toBe('');
  });

  it('--check on a file that is not JSON, or not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-boards-'));
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    const r = await runCli(['boards', '--check', 'broken.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/board file is not valid JSON/);
    const r2 = await runCli(['boards', '--check', 'none.json'], dir);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/board file not found/);
  });
});
