import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_SCHEMA_FILE, configJsonSchemaText, declsOf, defaultOf, topLevelKeys } from '../../src/config/schema.js';
import { configValuesFor, loadConfig, parseConfig, type ResolvedConfig } from '../../src/config/load.js';
import { COMMAND_NAMES, optionsOf, type CommandName } from '../../src/config/options.js';
import { checkValue } from '../../src/config/check.js';
import { parseCommandLine, resolveOptions } from '../../src/cli/args.js';
import { TinypruneError } from '../../src/errors.js';
import { COMMANDS } from '../../src/cli/registry.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { runCli } from '../helpers/cli.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tp-config-'));
}

function configError(input: unknown): TinypruneError {
  try {
    parseConfig(input, '/p/tinyprune.config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(TinypruneError);
    return e as TinypruneError;
  }
  throw new Error('expected an E_CONFIG error');
}

describe('config schema', () => {
  it(`${CONFIG_SCHEMA_FILE} is the one generated from src/config/schema.ts (npm run gen:config-schema)`, () => {
    expect(readFileSync(join(REPO_ROOT, CONFIG_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
  });

  it('the option table has one entry per command; a key shared by commands takes the same kind of value in each', () => {
    expect(COMMAND_NAMES).toEqual(Object.keys(COMMANDS));
    for (const c of COMMAND_NAMES) expect(COMMANDS[c].spec.name).toBe(c);
    for (const key of topLevelKeys()) {
      const kinds = declsOf(key).map(({ decl }) => `${decl.type}${decl.type === 'string' ? `:${decl.path ?? ''}` : ''}`);
      expect(kinds.length, key).toBeGreaterThan(0);
      // granularity is an enum for build and a free N:M / block spec for prune (both strings).
      if (key !== 'granularity') expect(new Set(kinds).size, `${key}: ${kinds.join(' / ')}`).toBe(1);
    }
  });

  it('every default passes its own check; every option has help text', () => {
    for (const c of COMMAND_NAMES) {
      for (const [name, d] of Object.entries(optionsOf(c))) {
        expect(d.description.length, `${c} --${name}`).toBeGreaterThan(0);
        const dflt = defaultOf(d);
        if (dflt !== undefined) expect(checkValue(d, dflt, String(dflt)).ok, `${c} --${name} default ${String(dflt)}`).toBe(true);
      }
    }
  });
});

/** The typed options a command gets from `argv` and a config (the path main() takes). */
function optionsFrom<C extends CommandName>(command: C, argv: string[], config: ResolvedConfig | undefined) {
  return resolveOptions(command, parseCommandLine(COMMANDS[command].spec, argv), configValuesFor(config, command, optionsOf(command)));
}

describe('loadConfig / configValuesFor', () => {
  it('no file: undefined; a flag on the command line wins; a section wins over the top level', () => {
    const dir = tmp();
    expect(loadConfig(dir)).toBeUndefined();
    writeFileSync(
      join(dir, 'tinyprune.config.json'),
      JSON.stringify({ $schema: './schema.json', board: 'mps2-an386', sparsity: 0.8, granularity: 'block4x1', measure: true, epochs: 3, build: { out: 'out/fw', emit: ['c', 'cmake'] }, prune: { out: 'pruned.tflite', sparsity: 0.9 } }),
    );
    const config = loadConfig(dir)!;
    const build = optionsFrom('build', ['m.tflite', '--sparsity', '0.5'], config);
    expect(build.options).toMatchObject({ sparsity: 0.5, board: 'mps2-an386', granularity: 'block4x1', measure: true, epochs: 3, out: join(dir, 'out/fw'), emit: ['c', 'cmake'] });
    expect(build.source).toMatchObject({ sparsity: 'cli', board: 'config', epochs: 'config' });
    expect(build.source.seed).toBeUndefined();
    expect(build.options.seed).toBe(1);
    expect(build.positionals).toEqual(['m.tflite']);
    const prune = optionsFrom('prune', ['m.tflite'], config);
    expect(prune.options).toMatchObject({ sparsity: 0.9, granularity: 'block4x1', epochs: 3, out: join(dir, 'pruned.tflite'), lr: 0.001 });
    // Commands without options in the file get nothing from it; their defaults still apply.
    const bench = optionsFrom('bench', ['d'], config);
    expect(Object.keys(bench.source)).toEqual([]);
    expect(bench.options.board).toBeUndefined();
    expect(bench.options.timeout).toBeUndefined(); // each wait keeps its own default (handshake 10 s, inferences 120 s)
  });

  it('no config: each command has its own defaults (build fine-tunes 3 epochs, prune 5)', () => {
    expect(optionsFrom('build', ['m.tflite'], undefined).options.epochs).toBe(3);
    expect(optionsFrom('prune', ['m.tflite'], undefined).options.epochs).toBe(5);
    expect(optionsFrom('prune', ['m.tflite'], undefined).options['train-epochs']).toBeUndefined();
  });

  it('one granularity vocabulary: a top-level granularity applies to build and prune alike, aliases too', () => {
    const config = parseConfig({ granularity: '2:4' }, '/p/tinyprune.config.json');
    expect(optionsFrom('prune', ['m.tflite'], config).options.granularity).toBe('2:4');
    expect(optionsFrom('build', ['m.tflite'], config).options.granularity).toBe('2:4');
    const alias = parseConfig({ granularity: 'nm2_4' }, '/p/tinyprune.config.json');
    expect(optionsFrom('build', ['m.tflite'], alias).options.granularity).toBe('nm2_4');
  });

  it('--config <file>: relative paths are taken from the file\'s folder', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'proj'));
    writeFileSync(join(dir, 'proj', 'tp.json'), JSON.stringify({ data: 'digits:data/d.tra', plan: 'plan.json', board: 'boards/my.json', prune: { out: '/abs/p.tflite' } }));
    const c = loadConfig(dir, 'proj/tp.json')!;
    expect(c.values).toEqual({ data: `digits:${join(dir, 'proj/data/d.tra')}`, plan: join(dir, 'proj/plan.json'), board: join(dir, 'proj/boards/my.json') });
    expect(c.sections.prune).toEqual({ out: '/abs/p.tflite' });
    expect(() => loadConfig(dir, 'nope.json')).toThrow(/config file not found/);
  });

  it('a bad file: one error naming every bad key, its value, what is allowed and how to fix it', () => {
    const e = configError({ sparsity: 1.5, granularty: 'element', kernels: 'fastest', epochs: 2.5, quiet: 'yes', lr: '0.01', prune: { board: 'x' } });
    expect(e.code).toBe('E_CONFIG');
    expect(e.where).toBe('/p/tinyprune.config.json');
    const text = e.format();
    expect(text).toMatch(/7 problems/);
    expect(text).toMatch(/"sparsity": 1\.5 is out of range\n\s+allowed: a number >= 0 and <= 1/);
    expect(text).toMatch(/"granularty": unknown key[^\n]*\n\s+allowed: [^\n]*granularity[^\n]*\n\s+fix:\s+did you mean "granularity"\?/);
    expect(text).toMatch(/"kernels": "fastest" is not a kernel set\n\s+allowed: auto, plain/);
    expect(text).toMatch(/"epochs": 2\.5 is not an integer/);
    expect(text).toMatch(/"quiet": "yes" is a string, not true or false/);
    expect(text).toMatch(/"lr": "0\.01" is a string, not a number\n[^\n]*\n\s+fix:\s+write 0\.01 without quotes/);
    expect(text).toMatch(/"prune\.board": "board" is not an option of `tinyprune prune`\n\s+fix:\s+move it to the top level or to the section of: build/);
  });

  it('typos in values get a suggestion; granularity accepts what build or prune accept', () => {
    expect(configError({ optimize: 'sped' }).format()).toMatch(/did you mean "speed"\?/);
    expect(configError({ granularity: 'blocky' }).format()).toMatch(/"granularity": "blocky": unknown granularity 'blocky'\n\s+allowed: element, N:M/);
    expect(configError({ prune: { granularity: 'blocky' } }).format()).toMatch(/"prune\.granularity": "blocky": unknown granularity 'blocky'\n\s+allowed: element, N:M/);
    expect(parseConfig({ granularity: '2:4' }, '/p/c.json').values.granularity).toBe('2:4');
    expect(configError([1]).format()).toMatch(/holds an array, not an object/);
    expect(configError({ emit: 'c' }).format()).toMatch(/"emit": "c" is a string, not a list\n\s+allowed: a list of c, [^\n]*\n\s+fix:\s+write \["c"\]/);
    expect(configError({ emit: ['c', 'cmak'] }).format()).toMatch(/"emit": "cmak" is not an export[\s\S]*did you mean "cmake"\?/);
  });

  it('invalid JSON is one E_CONFIG error naming the file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'tinyprune.config.json'), '{ "board": "x", }');
    expect(() => loadConfig(dir)).toThrow(/tinyprune\.config\.json is not valid JSON/);
  });
});

describe('config in the CLI', () => {
  it('prune takes its options from ./tinyprune.config.json; a flag beats the file', async () => {
    const dir = tmp();
    const rows = Array.from({ length: 60 }, (_, i) => [...Array.from({ length: 64 }, (_, j) => (i + j) % 17), i % 10].join(','));
    writeFileSync(join(dir, 'd.tra'), rows.join('\n') + '\n');
    writeFileSync(
      join(dir, 'tinyprune.config.json'),
      JSON.stringify({ quiet: true, data: 'digits:d.tra', sparsity: 0.5, backend: 'cpu', 'train-epochs': 1, epochs: 1, seed: 3, prune: { report: 'r.json' } }),
    );
    const r = await runCli(['prune', 'tiny-digits'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.seed).toBe(3);
    expect(report.plan.sparsity).toBe(0.5);
    // --progress on the command line beats "quiet" in the file; --seed beats "seed".
    const r2 = await runCli(['prune', 'tiny-digits', '--progress', 'lines', '--seed', '4', '--report', 'r2.json'], dir);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/^\[prune\] backend: cpu$/m);
    expect(JSON.parse(readFileSync(join(dir, 'r2.json'), 'utf8')).seed).toBe(4);
    expect(existsSync(join(dir, 'r.json'))).toBe(true);
  }, 120_000);

  it('a bad config file stops any command with exit 1 and the grouped error', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'tinyprune.config.json'), JSON.stringify({ bord: 'mps2-an386' }));
    const r = await runCli(['build', 'm.tflite'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_CONFIG\]: .*tinyprune\.config\.json: 1 problem in the config file\n {2}- "bord": unknown key/);
    expect(r.stderr).toMatch(/did you mean "board"\?/);
  });
});
