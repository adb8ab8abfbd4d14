import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildReport } from '../../src/build/build.js';
import { TinypruneError } from '../../src/errors.js';
import { readReportFile, REPORT_SCHEMA_VERSION, versionedReport } from '../../src/report/report-file.js';
import { readPlanFile, versionedPlan } from '../../src/prune/plan-file.js';
import { exportBuild } from '../../src/export/index.js';
import { fakeBuildDir } from '../device/helpers.js';
import { runCli } from '../helpers/cli.js';

function caught(f: () => unknown): TinypruneError {
  try {
    f();
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

/** A build directory whose report.json is `edit` applied to a valid one. */
function dirWith(edit: (r: Record<string, any>) => unknown): string {
  const { dir } = fakeBuildDir();
  const file = join(dir, 'report.json');
  const r = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify(edit(r) ?? r));
  return dir;
}

describe('report.json: version and schema', () => {
  it('is written with schemaVersion first and read back', () => {
    const dir = dirWith(() => undefined);
    expect(readReportFile(dir).board).toBe('mps2-an386');
    const v = versionedReport({ board: 'x' } as unknown as BuildReport);
    expect(Object.keys(v)[0]).toBe('schemaVersion');
    expect(v.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
  });

  it('an old report (no schemaVersion) names the file, the field and says rebuild', () => {
    const dir = dirWith((r) => void delete r['schemaVersion']);
    const e = caught(() => readReportFile(dir));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(/from an older tinyprune/);
    expect(e.where).toBe(`${join(dir, 'report.json')}: schemaVersion`);
    expect(e.hint).toMatch(/rebuild/);
    expect(e.data).toMatchObject({ path: join(dir, 'report.json'), field: 'schemaVersion' });
    expect(caught(() => readReportFile(dirWith((r) => void (r['schemaVersion'] = 2)))).message).toMatch(/report schema version 2/);
  });

  it('a field of the wrong type or missing is named with its path', () => {
    const e = caught(() => readReportFile(dirWith((r) => void (r['flash'].total = '14000'))));
    expect(e.code).toBe('E_DATA');
    expect(e.where).toMatch(/report\.json: flash\.total$/);
    expect(e.message).toMatch(/flash\.total should be number, not string "14000"/);
    expect(caught(() => readReportFile(dirWith((r) => void delete r['files'].bench.elf))).where).toMatch(/files\.bench\.elf$/);
    expect(caught(() => readReportFile(dirWith((r) => void (r['target'].mode = 'cloud')))).allowed).toBe('one of "qemu", "emulate", "device"');
    expect(caught(() => readReportFile(dirWith(() => [1, 2]))).message).toMatch(/\(top level\) should be an object/);
  });

  it('not JSON, or no report at all', () => {
    const { dir } = fakeBuildDir();
    writeFileSync(join(dir, 'report.json'), '{"schemaVersion": 1,');
    expect(caught(() => readReportFile(dir)).message).toMatch(/is not valid JSON/);
    expect(caught(() => readReportFile(mkdtempSync(join(tmpdir(), 'tp-empty-')))).code).toBe('E_FILE_NOT_FOUND');
  });

  it('run, flash --dry-run, bench and the exports refuse an old report with the same error', async () => {
    const dir = dirWith((r) => void delete r['schemaVersion']);
    for (const args of [['run', '--board', 'mps2-an386', dir], ['flash', '--board', 'mps2-an386', '--dry-run', dir], ['bench', '--board', 'mps2-an386', dir]]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/error\[E_DATA\]: .*report\.json is from an older tinyprune/);
      expect(r.stderr).toMatch(/fix: +rebuild/);
    }
    mkdirSync(join(dir, 'lib'));
    expect(() => exportBuild(dir, ['c'])).toThrow(/from an older tinyprune/);
  });

  it('a report.json given to bench --baseline is checked too', async () => {
    const { dir } = fakeBuildDir();
    const old = join(dirWith((r) => void delete r['schemaVersion']), 'report.json');
    const r = await runCli(['bench', '--board', 'mps2-an386', dir, '--baseline', old]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/from an older tinyprune/);
  });
});

describe('plan.json: version and schema', () => {
  const write = (plan: unknown): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'tp-plan-')), 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    return file;
  };

  it('a written plan carries the version; a hand-written one without it is read', () => {
    const plan = { sparsity: 0.5, layers: { 'fc/weights': { granularity: 'channel', sparsity: 0.25, format: 'dense' } }, fineTune: { epochs: 1 } };
    expect(versionedPlan(plan).schemaVersion).toBe(1);
    expect(readPlanFile(write(versionedPlan(plan)))).toEqual(plan);
    expect(readPlanFile(write(plan))).toEqual(plan);
  });

  it('another version, a misspelt key or a wrong type names the file and the field', () => {
    const v = caught(() => readPlanFile(write({ schemaVersion: 2, sparsity: 0.5 })));
    expect(v.code).toBe('E_DATA');
    expect(v.where).toMatch(/plan\.json: schemaVersion$/);
    expect(v.hint).toMatch(/build again without --plan/);
    const typo = caught(() => readPlanFile(write({ sparsty: 0.5 })));
    expect(typo.where).toMatch(/plan\.json: sparsty$/);
    expect(typo.message).toMatch(/no such field \(known: schemaVersion, criterion, scope, granularity, sparsity/);
    const type = caught(() => readPlanFile(write({ layers: { 'fc/weights': { sparsity: '0.5' } } })));
    expect(type.where).toMatch(/plan\.json: layers\.fc\/weights\.sparsity$/);
    expect(caught(() => readPlanFile(write({ schedule: { kind: 'cosine' } }))).allowed).toBe('one of "oneshot", "agp", "lth"');
    expect(caught(() => readPlanFile(write('0.5'))).message).toMatch(/\(top level\) should be an object/);
  });

  it('build --plan with a bad plan stops before building', async () => {
    const file = write({ schemaVersion: 1, layers: { x: { sparsity: 'half' } } });
    const out = join(mkdtempSync(join(tmpdir(), 'tp-plan-out-')), 'out');
    const r = await runCli(['build', '--board', 'microbit', join(__dirname, '../../examples/digits-dscnn/model.tflite'), '--plan', file, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_DATA\]: .*plan\.json is not a plan this tinyprune reads: layers\.x\.sparsity should be number/);
  }, 300_000);
});
