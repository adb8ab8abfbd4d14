/**
 * SLOW (5-10 minutes on 2 busy cores): the package as a user installs it. `npm pack` (which
 * compiles dist/ through `prepare`), `npm install -g <tarball>` into a temporary prefix (its
 * dependencies from the npm cache; --offline first, then --prefer-offline, which asks the
 * registry only for what the cache lacks), then the installed binary runs the embedded default
 * (`tinyprune build` with only -o: the bundled example for the micro:bit, pruned, fine-tuned
 * and verified in QEMU) and README commands on what the package ships.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../src/firmware/toolchain.js';
import { REPO_ROOT } from '../helpers/shared.js';

const MINUTE = 60_000;

function sh(cmd: string, args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const tools = ['arm-none-eabi-gcc', 'qemu-system-arm'].filter((t) => !which(t));
if (tools.length > 0) console.warn(`SKIPPED: ${tools.join(', ')} not installed: the installed package's embedded default build is not run`);

describe('installed package (slow: npm pack + global install + the embedded default build)', () => {
  it.skipIf(tools.length > 0)('npm pack, npm install -g the tarball, tinyprune build -o <dir> with nothing else', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tp-package-'));
    try {
      const packed = ok(sh('npm', ['pack', '--silent', '--pack-destination', tmp], REPO_ROOT, 5 * MINUTE), 'npm pack').trim().split('\n').pop()!;
      const tarball = join(tmp, packed);
      const prefix = join(tmp, 'prefix');
      const install = (mode: string): SpawnSyncReturns<string> =>
        sh('npm', ['install', '-g', tarball, '--prefix', prefix, mode, '--no-audit', '--no-fund'], tmp, 10 * MINUTE);
      let r = install('--offline');
      if (r.status !== 0) r = install('--prefer-offline');
      ok(r, 'npm install -g <tarball>');
      const bin = join(prefix, 'bin', 'tinyprune');
      const pkg = join(prefix, 'lib', 'node_modules', 'tinyprune');
      // What the README and the embedded default need is in the package.
      for (const f of ['examples/digits-dscnn/model.tflite', 'examples/mnist-dscnn/model.tflite', 'examples/mnist-mlp/model.tflite', 'boards', 'templates', 'firmware']) {
        expect(existsSync(join(pkg, f)), f).toBe(true);
      }

      // The embedded default, from a folder that is not the repository.
      const out = join(tmp, 'out');
      ok(sh(bin, ['build', '-o', out], tmp, 30 * MINUTE), 'tinyprune build -o <out>');
      for (const f of ['report.json', 'report.html', 'firmware.elf', 'firmware.bin', 'firmware.hex', 'model.tflite']) expect(existsSync(join(out, f)), f).toBe(true);
      expect(readdirSync(join(out, 'lib')).some((f) => f.endsWith('.c'))).toBe(true);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { board: string; fits: boolean; verify?: { samples: number; bitExact: number } };
      expect(report.board).toBe('microbit');
      expect(report.fits).toBe(true);
      expect(report.verify!.samples).toBeGreaterThan(0);
      expect(report.verify!.bitExact).toBe(report.verify!.samples);
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(`${report.verify!.samples}/${report.verify!.samples} outputs bit-exact with the reference interpreter`);

      // README commands on the installed package's files.
      expect(ok(sh(bin, ['inspect', join(pkg, 'examples/mnist-mlp/model.tflite')], tmp, 2 * MINUTE), 'inspect')).toMatch(/FULLY_CONNECTED/);
      expect(ok(sh(bin, ['boards'], tmp, MINUTE), 'boards')).toMatch(/microbit/);
      const run = JSON.parse(ok(sh(bin, ['run', '--board', 'microbit', out, '--json'], tmp, 5 * MINUTE), 'run')) as { instructions: { total: number } };
      expect(run.instructions.total).toBeGreaterThan(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60 * MINUTE);
});
