/**
 * The option table (src/config/options.ts) on the command line: every option of every command,
 * given a wrongly typed value, exits 2 with an E_USAGE error naming the flag and the value — the
 * cases are generated from the table, so a new option is covered by adding it. Plus "did you
 * mean" for commands, flags and values, --quiet, and --help drawn from the table.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { COMMAND_NAMES, optionsOf, type OptionDecl } from '../../src/config/options.js';

/** Values of the wrong type (or out of range) for an option, each with the text the error must show. */
function badValues(d: OptionDecl): { argv: (flag: string) => string[]; shows: string }[] {
  const given = (v: string) => ({ argv: (flag: string) => [flag, v], shows: v });
  switch (d.type) {
    case 'boolean':
      return [{ argv: (flag) => [`${flag}=maybe`], shows: 'maybe' }];
    case 'number':
    case 'integer': {
      const out = [given('abc'), given('1e'), given('')];
      if (d.type === 'integer') out.push(given('2.5'));
      if (d.min !== undefined) out.push(given(String(d.exclusiveMin ? d.min : d.min - 1)));
      if (d.max !== undefined) out.push(given(String(d.exclusiveMax ? d.max : d.max + 1)));
      return out;
    }
    case 'enum':
    case 'enum-list':
      return [given('no-such-value')];
    case 'string':
      return [given(''), ...(d.pattern || d.check ? [given('1 not/valid:9:9')] : [])];
  }
}

describe('every option of every command checks its value', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tp-options-'));
  const cases = COMMAND_NAMES.flatMap((c) => Object.entries(optionsOf(c)).flatMap(([name, d]) => badValues(d).map((b) => ({ c, name, d, ...b }))));

  it(`${cases.length} wrongly typed values: exit 2, E_USAGE naming the flag and the value, what is allowed`, async () => {
    expect(cases.length).toBeGreaterThan(100);
    for (const { c, name, argv, shows } of cases) {
      const r = await runCli([c, ...argv(`--${name}`)], cwd);
      const what = `${c} ${argv(`--${name}`).join(' ')}`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(new RegExp(`^error\\[E_USAGE\\]: --${name} `));
      expect(r.stderr, what).toContain(shows === '' ? '"' : shows);
      expect(r.stderr, what).toMatch(/\n {2}allowed: \S/);
      expect(r.stdout, what).toBe('');
    }
  }, 120_000);

  it('a missing value names the flag too, for every option that takes one', async () => {
    for (const c of COMMAND_NAMES) {
      for (const [name, d] of Object.entries(optionsOf(c))) {
        if (d.type === 'boolean') continue;
        const r = await runCli([c, `--${name}`], cwd);
        expect(r.code, `${c} --${name}`).toBe(2);
        expect(r.stderr, `${c} --${name}`).toMatch(new RegExp(`^error\\[E_USAGE\\]: --${name} needs a value`));
      }
    }
  }, 60_000);

  it('build --epochs abc no longer turns fine-tuning off: it stops with exit 2 (issue #12, 7)', async () => {
    const r = await runCli(['build', '--board', 'mps2-an386', 'm.tflite', '--epochs', 'abc'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[E_USAGE\]: --epochs abc is not a number\n {2}where: {3}tinyprune build --epochs\n {2}allowed: an integer >= 0\n {2}fix: {5}e\.g\. --epochs 3/);
    expect((await runCli(['prune', 'm.tflite', '--seed', '0x1'], cwd)).stderr).toMatch(/--seed 0x1 is not a number/);
    expect((await runCli(['build', 'm.tflite', '--backend', 'gpu'], cwd)).stderr).toMatch(/--backend gpu is not a TF\.js backend\n[\s\S]*allowed: auto, node, wasm, cpu/);
    // A negative number is a value, not an option.
    expect((await runCli(['build', 'm.tflite', '--latency', '-5'], cwd)).stderr).toMatch(/--latency -5 is out of range\n[\s\S]*allowed: an integer >= 1/);
  });
});

describe('did you mean', () => {
  it('a typo\'d command', async () => {
    const r = await runCli(['biuld', 'x.tflite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'biuld'\n[\s\S]*fix: {5}did you mean `tinyprune build`\?/);
    expect((await runCli(['frobnicate'])).stderr).toMatch(/fix: {5}run `tinyprune --help`/);
  });

  it('a typo\'d flag, and a typo\'d value', async () => {
    const r = await runCli(['build', 'x.tflite', '--sparsty', '0.5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option --sparsty\n {2}where: {3}tinyprune build\n {2}allowed: --board, --out, [^\n]*--sparsity[^\n]*\n {2}fix: {5}did you mean --sparsity\?/);
    expect((await runCli(['bench', 'd', '--max-regresion', '2'])).stderr).toMatch(/did you mean --max-regression\?/);
    expect((await runCli(['build', 'x.tflite', '--optimize', 'sped'])).stderr).toMatch(/--optimize sped is not an objective[\s\S]*did you mean --optimize speed\?/);
    expect((await runCli(['inspect', 'x.tflite', '--qiet'])).stderr).toMatch(/did you mean --quiet\?/);
  });
});

describe('--quiet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tp-quiet-'));
  const board = JSON.parse(readFileSync(join(REPO_ROOT, 'boards/nucleo-f446re.json'), 'utf8'));
  delete board.emulateWith;
  delete board.$schema;
  writeFileSync(join(dir, 'no-emulation.json'), JSON.stringify({ ...board, name: 'no-emulation' }));

  it('prints nothing but errors: no warnings', async () => {
    const loud = await runCli(['boards', '--check', 'no-emulation.json'], dir);
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stderr).toMatch(/warning\[W_BOARD_NO_EMULATION\]/);
    for (const q of ['-q', '--quiet']) {
      const quiet = await runCli(['boards', '--check', 'no-emulation.json', q], dir);
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).toBe('');
      expect(quiet.stdout).toBe(loud.stdout);
    }
  });

  it('errors still show', async () => {
    const r = await runCli(['boards', '--check', 'missing.json', '-q'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[/);
    expect((await runCli(['build', 'm.tflite', '-q', '--epochs', 'x'], dir)).stderr).toMatch(/^error\[E_USAGE\]: --epochs x/);
  });

  it('"quiet": true in the config file is quiet too; --progress on the command line beats it', async () => {
    const cdir = mkdtempSync(join(tmpdir(), 'tp-quiet-config-'));
    writeFileSync(join(cdir, 'no-emulation.json'), JSON.stringify({ ...board, name: 'no-emulation' }));
    writeFileSync(join(cdir, 'tinyprune.config.json'), JSON.stringify({ quiet: true }));
    expect((await runCli(['boards', '--check', 'no-emulation.json'], cdir)).stderr).toBe('');
    expect((await runCli(['boards', '--check', 'no-emulation.json', '--progress', 'lines'], cdir)).stderr).toMatch(/W_BOARD_NO_EMULATION/);
  });
});

describe('--help comes from the table', () => {
  it('shows each command\'s own defaults and allowed values', async () => {
    const build = await runCli(['build', '--help']);
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/--epochs <n> +fine-tuning epochs after pruning \(default 3\)/);
    expect(build.stdout).toMatch(/--kernels auto\|plain +.*\(default auto\)/);
    expect(build.stdout).toMatch(/-q, --quiet +print nothing but errors/);
    expect((await runCli(['prune', '--help'])).stdout).toMatch(/--epochs <n> +fine-tuning epochs .*\(default 5\)/);
    expect((await runCli(['bench', '--help'])).stdout).toMatch(/--timeout <seconds> +bound on each wait on the board: the handshake \(default 10\), silence while inferences run \(default 120\)/);
  });
});
