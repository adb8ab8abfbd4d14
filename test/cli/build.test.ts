import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';
import { writeTflite } from '../../src/tflite/write.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { generateSources } from '../../src/codegen/generate.js';
import { interpret } from '../../src/interp/interpret.js';

function listFiles(dir: string, sub = ''): string[] {
  return readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(sub, e.name)) : [join(sub, e.name)],
  );
}

describe('tinyprune build / run', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tp-build-'));
  const model = join(tmp, 'synth.tflite');
  writeFileSync(model, writeTflite(synthDigitsCnn(5)));

  it('builds, runs in QEMU, and matches the reference interpreter', async () => {
    const out = join(tmp, 'a');
    const b = await runCli(['build', '--board', 'mps2-an386', model, '-o', out, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const report = JSON.parse(b.stdout);
    for (const key of ['board', 'flash', 'ram', 'layers']) expect(report).toHaveProperty(key);
    // --json prints what report.json holds, schema version included.
    expect(report).toEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.schemaVersion).toBe(1);
    expect(report.flash).toEqual(expect.objectContaining({ total: expect.any(Number), weights: expect.any(Number), code: expect.any(Number) }));
    expect(report.ram).toEqual(expect.objectContaining({ arena: expect.any(Number), static: expect.any(Number), stack: expect.any(Number) }));
    expect(report.layers[0]).toEqual(expect.objectContaining({ index: 0, op: 'CONV_2D', format: 'dense', weightBytes: expect.any(Number) }));
    for (const f of ['firmware.elf', 'model.tflite', 'report.json', 'lib/tp_model.c', 'lib/tp_model.h']) expect(existsSync(join(out, f)), f).toBe(true);

    const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    writeFileSync(join(tmp, 'in.bin'), input);
    const r = await runCli(['run', '--board', 'mps2-an386', out, '--input', join(tmp, 'in.bin'), '--output', join(tmp, 'out.bin'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.instructions.total).toBeGreaterThan(1000);
    expect(j.instructions.layers).toHaveLength(7);
    const want = interpret(synthDigitsCnn(5), [input]).outputs[0]!;
    expect(Buffer.from(readFileSync(join(tmp, 'out.bin'))).equals(Buffer.from(want))).toBe(true);
  });

  it('generates byte-identical sources and reports on a second build', async () => {
    const out1 = join(tmp, 'det1');
    const out2 = join(tmp, 'det2');
    expect((await runCli(['build', '--board', 'mps3-an547', model, '-o', out1])).code).toBe(0);
    expect((await runCli(['build', '--board', 'mps3-an547', model, '-o', out2])).code).toBe(0);
    const files = listFiles(out1).filter((f) => f.startsWith('lib') || f === 'report.json' || f === 'model.tflite' || f === 'firmware.bin');
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(join(out2, f)).equals(readFileSync(join(out1, f))), f).toBe(true);
  });

  it("prints the target's warnings once and shows each build stage", async () => {
    // rpi-pico emulated: its flash and RAM are clamped to the emulator's (W_EMULATE_CLAMPED, once per region).
    const out = join(tmp, 'pico');
    const r = await runCli(['build', '--board', 'rpi-pico', '--emulate', model, '-o', out, '--progress', 'lines']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { warnings: { code: string; message: string }[] };
    const clamped = report.warnings.filter((w) => w.code === 'W_EMULATE_CLAMPED');
    expect(clamped).toHaveLength(2);
    expect(new Set(report.warnings.map((w) => w.message)).size).toBe(report.warnings.length);
    for (const w of clamped) expect(r.stderr.split(w.message).length - 1, w.message).toBe(1);
    for (const stage of ['lower', 'render', 'compile', 'bench', 'report']) expect(r.stderr).toMatch(new RegExp(`^\\[${stage}\\] 1/1 \\(100%\\) done in `, 'm'));
  });

  it('run refuses a directory built for another board', async () => {
    const r = await runCli(['run', '--board', 'mps2-an385', join(tmp, 'a')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/built for mps2-an386/);
  });

  it('--board is required and a bad board lists what exists', async () => {
    expect((await runCli(['build', model])).stderr).toMatch(/--board is required/);
    const r = await runCli(['build', '--board', 'mps2-an368', model, '-o', join(tmp, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_BOARD/);
    expect(r.stderr).toMatch(/mps2-an386/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });

  it('snapshot of the generated C for the synthetic model', async () => {
    const gen = generateSources(synthDigitsCnn(1), { source: 'digits_cnn_synth.tflite', toolVersion: 'snapshot' });
    for (const f of gen.files) await expect(f.content).toMatchFileSnapshot(`./__snapshots__/synth_${f.name}`);
  });
});

describe.skipIf(!hasShared)('a model that does not fit', () => {
  warnIfNoShared('does-not-fit build');
  it('person_detect on the micro:bit fails the link, says by how much and names the largest tensors, writes nothing', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tp-nofit-'));
    const out = join(tmp, 'pd');
    const r = await runCli(['build', '--board', 'microbit', sharedPath('models/tflite-micro/person_detection/person_detect.tflite'), '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_DOES_NOT_FIT/);
    expect(r.stderr).toMatch(/overflow|by \d+/);
    expect(r.stderr).toMatch(/largest activations .Mobilenet/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
