import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

const PERSON = 'models/tflite-micro/person_detection/person_detect.tflite';

describe.skipIf(!hasShared)('tinyprune inspect on shared models', () => {
  warnIfNoShared('inspect on shared models');

  it('reports person_detect: 31 operators, ~210.7K parameters, as JSON', async () => {
    const r = await runCli(['inspect', sharedPath(PERSON), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      layers: { index: number; op: string; inputs: unknown[]; outputs: unknown[]; params: number; macs: number; weightBytes: number }[];
      totals: { params: number; macs: number; weightBytes: number };
    };
    expect(j.layers).toHaveLength(31);
    expect(j.totals.params).toBeGreaterThan(210_000);
    expect(j.totals.params).toBeLessThan(211_500);
    expect(j.layers[0]!.op).toBe('DEPTHWISE_CONV_2D');
    for (const l of j.layers) {
      expect(l).toHaveProperty('index');
      expect(l).toHaveProperty('macs');
      expect(l).toHaveProperty('weightBytes');
      expect(l).toHaveProperty('params');
    }
    // person_detect is MobileNet v1 0.25 at 96x96: about 7 M MACs.
    expect(j.totals.macs).toBeGreaterThan(6_000_000);
    expect(j.totals.macs).toBeLessThan(8_000_000);
  });

  it('prints a table by default', async () => {
    const r = await runCli(['inspect', sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/FULLY_CONNECTED/);
    expect(r.stdout).toMatch(/totals: 3 operators/);
  });

  it('a truncated model exits non-zero with one message naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-inspect-'));
    const bytes = readFileSync(sharedPath(PERSON));
    const cut = join(dir, 'person_truncated.tflite');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runCli(['inspect', cut, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error\[E_TFLITE_(TRUNCATED|MALFORMED)\]/);
    expect(r.stderr).toMatch(/person_truncated\.tflite/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

describe('tinyprune CLI errors', () => {
  it('a missing file names the path', async () => {
    const r = await runCli(['inspect', '/nonexistent/model.tflite']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_FILE_NOT_FOUND/);
    expect(r.stderr).toMatch(/\/nonexistent\/model\.tflite/);
  });

  it('an unknown command lists the commands', async () => {
    const r = await runCli(['inpsect', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'inpsect'/);
    expect(r.stderr).toMatch(/inspect/);
  });

  it('an unknown option is a usage error', async () => {
    const r = await runCli(['inspect', 'x.tflite', '--jsonn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_USAGE/);
  });

  it('a directory is not a model', async () => {
    const r = await runCli(['inspect', tmpdir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/directory/);
  });
});

describe('--help', () => {
  it('every command prints its help without its required arguments', async () => {
    for (const cmd of ['inspect', 'interpret', 'build', 'run']) {
      const r = await runCli([cmd, '--help']);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/Usage: tinyprune/);
    }
  });
});
