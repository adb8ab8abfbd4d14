import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin/tinyprune.js');

/** The installed entry point: exit codes and streams as a shell sees them. */
describe('bin/tinyprune.js', () => {
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli.js'))) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
    }
  });

  it('prints usage and exits 2 without a command', () => {
    const r = spawnSync(process.execPath, [BIN], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/Usage: tinyprune <command>/);
  });

  it('exits 1 with one error block on garbage input, nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-bin-'));
    const f = join(dir, 'garbage.tflite');
    writeFileSync(f, Buffer.from('this is not a flatbuffer at all, just text'));
    const r = spawnSync(process.execPath, [BIN, 'inspect', f, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error\[E_TFLITE_[A-Z]+\]/);
    expect(r.stderr).toContain('garbage.tflite');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error')).length).toBe(1);
  });

  it('--version prints the package version', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
