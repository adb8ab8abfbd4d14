/**
 * "Fixes that work" (issue #12): an error whose `fix:` proposes a command must propose one that
 * gets further. Each entry of the catalogue makes the error, checks the command its hint
 * proposes, runs that command and checks it no longer stops there.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';
import { writeTflite } from '../../src/tflite/write.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { floatModelHint } from '../../src/pipeline/float-hint.js';

interface Case {
  what: string;
  /** Makes the error. */
  error: string[];
  code: string;
  /** The command the hint proposes, read from the hint (undefined: the hint proposes none here). */
  fix: (hint: string) => string[] | undefined;
}

/** The hint of an error on stderr. */
function hintOf(stderr: string): string {
  return /\n {2}fix: {5}(.*)/.exec(stderr)?.[1] ?? '';
}

describe('every fix that proposes a command gets further', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tp-hints-'));
  const model = join(tmp, 'synth.tflite');
  writeFileSync(model, writeTflite(synthDigitsCnn(5)));
  const qemuBuild = join(tmp, 'qemu');
  const deviceBuild = join(tmp, 'device');

  const cases: Case[] = [
    {
      what: 'run with the wrong --board → run with the board it was built for',
      error: ['run', '--board', 'mps2-an385', qemuBuild],
      code: 'E_USAGE',
      fix: (h) => ['run', '--board', /run with --board (\S+?),/.exec(h)![1]!, qemuBuild],
    },
    {
      what: 'flash with the wrong --board → use the board it was built for',
      error: ['flash', '--board', 'mps2-an385', qemuBuild, '--dry-run'],
      code: 'E_USAGE',
      fix: (h) => ['flash', '--board', /use --board (\S+?),/.exec(h)![1]!, qemuBuild, '--dry-run'],
    },
    {
      what: 'run a build for a real board → rebuild with --emulate, then run',
      error: ['run', '--board', 'nucleo-f446re', deviceBuild],
      code: 'E_BOARD',
      fix: (h) => (/rebuild with --emulate/.test(h) ? ['build', '--board', 'nucleo-f446re', model, '--emulate', '-o', deviceBuild] : undefined),
    },
    {
      what: 'a typo\'d command → the command it meant',
      error: ['boads', '--json'],
      code: 'E_USAGE',
      fix: (h) => ['boards', '--json'].map((a, i) => (i === 0 ? /`tinyprune (\w+)`/.exec(h)![1]! : a)),
    },
    {
      what: 'a typo\'d flag → the flag it meant',
      error: ['boards', '--jsn'],
      code: 'E_USAGE',
      fix: (h) => ['boards', /did you mean (--\w+)\?/.exec(h)![1]!],
    },
    {
      what: 'a typo\'d value → the value it meant',
      error: ['run', '--board', 'mps2-an386', qemuBuild, '--progress', 'nne'],
      code: 'E_USAGE',
      fix: (h) => ['run', '--board', 'mps2-an386', qemuBuild, ...(/did you mean (--\w+) (\w+)\?/.exec(h)!.slice(1) as string[])],
    },
  ];

  it('the catalogue', async () => {
    for (const [board, dir] of [['mps2-an386', qemuBuild], ['nucleo-f446re', deviceBuild]] as const) {
      const b = await runCli(['build', '--board', board, model, '-o', dir, '-q']);
      expect(b.code, b.stderr).toBe(0);
    }
    for (const c of cases) {
      const e = await runCli(c.error, tmp);
      expect(e.code, `${c.what}: ${e.stderr}`).not.toBe(0);
      expect(e.stderr, c.what).toMatch(new RegExp(`^error\\[${c.code}\\]`));
      const fix = c.fix(hintOf(e.stderr));
      expect(fix, `${c.what}: the hint proposes a command: ${hintOf(e.stderr)}`).toBeDefined();
      const r = await runCli([...fix!, '-q'], tmp);
      expect(r.code, `${c.what}: \`tinyprune ${fix!.join(' ')}\`: ${r.stderr}`).toBe(0);
    }
    // After the --emulate rebuild, the run that failed works.
    expect((await runCli(['run', '--board', 'nucleo-f446re', deviceBuild, '-q'], tmp)).code).toBe(0);
  }, 240_000);
});

describe.skipIf(!hasShared)('a float model without --data (issue #12, 8)', () => {
  if (!hasShared) warnIfNoShared('float-model hints');
  const resnet = sharedPath('models/mlperf-tiny/ic/pretrainedResnet.tflite');
  const helloFloat = sharedPath('models/tflite-micro/hello_world/hello_world_float.tflite');
  const microbit = { flash: 256 * 1024, ram: 16 * 1024 };

  it('proposes a float build only when the float model can fit the board', () => {
    expect(floatModelHint(readTfliteFile(helloFloat).graph, 'microbit', microbit, true)).toMatch(/--sparsity 0$/);
    const h = floatModelHint(readTfliteFile(resnet).graph, 'microbit', microbit, true);
    expect(h).not.toMatch(/--sparsity 0/);
    expect(h).toMatch(/float build cannot fit microbit: its float weights take 304 KiB, the flash holds 256 KiB; one layer's float activations take 192 KiB, the RAM holds 16 KiB/);
    // A Keras / TF.js model is built through the int8 pipeline only.
    expect(floatModelHint(readTfliteFile(helloFloat).graph, 'microbit', microbit, false)).not.toMatch(/--sparsity/);
  });

  it('the float IC ResNet on microbit: no --sparsity 0 (it fails); a larger board builds it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tp-hints-float-'));
    const e = await runCli(['build', '--board', 'microbit', resnet, '-o', join(tmp, 'a'), '-q']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^error\[E_DOES_NOT_FIT\]: pretrainedResnet\.tflite is a float model; [^\n]*as float it does not fit: the firmware does not fit microbit: FLASH overflowed by \d+ bytes/);
    const hint = hintOf(e.stderr);
    expect(hint).not.toMatch(/--sparsity/);
    expect(hint).toMatch(/--data <dataset>.*board with more memory \(`tinyprune boards`\)/);
    const larger = await runCli(['build', '--board', 'mps2-an386', resnet, '-o', join(tmp, 'b'), '-q']);
    expect(larger.code, larger.stderr).toBe(0);
  }, 120_000);

  it('a float model the board can hold: --sparsity 0 is proposed and builds', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tp-hints-float-'));
    const e = await runCli(['build', '--board', 'microbit', helloFloat, '--latency', '100000', '-o', join(tmp, 'a'), '-q']);
    expect(e.code).toBe(2);
    expect(hintOf(e.stderr)).toMatch(/or build it as float with --sparsity 0$/);
    const r = await runCli(['build', '--board', 'microbit', helloFloat, '--sparsity', '0', '-o', join(tmp, 'a'), '-q']);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);
});
