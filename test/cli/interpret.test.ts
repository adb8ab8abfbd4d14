import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

describe.skipIf(!hasShared)('tinyprune interpret (golden convention: raw bytes in, raw bytes out)', () => {
  warnIfNoShared('interpret on shared models');

  it.each(['hello_world_int8', 'micro_speech_quantized'])('%s input 00 gives TFLM\'s output bytes', async (name) => {
    const index = JSON.parse(readFileSync(sharedPath('golden', name, 'index.json'), 'utf8')) as { model: { shared_path: string } };
    const dir = mkdtempSync(join(tmpdir(), 'tp-interp-'));
    const out = join(dir, 'out.bin');
    const r = await runCli(['interpret', sharedPath(index.model.shared_path), '--input', sharedPath('golden', name, 'inputs/00.bin'), '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.from(readFileSync(out)).equals(readFileSync(sharedPath('golden', name, 'outputs/00_0.bin')))).toBe(true);
  });

  it('a wrong-sized input names the expected size', async () => {
    const r = await runCli([
      'interpret',
      sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite'),
      '--input',
      sharedPath('golden/micro_speech_quantized/inputs/00.bin'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_INPUT_SIZE/);
    expect(r.stderr).toMatch(/int8\[1x1\] = 1 bytes/);
  });

  it('an unsupported op names the op and its index', async () => {
    const r = await runCli([
      'interpret',
      sharedPath('models/tflite-micro/mnist_lstm/trained_lstm_int8.tflite'),
      '--input',
      sharedPath('golden/trained_lstm_int8/inputs/00.bin'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_UNSUPPORTED_OP/);
    expect(r.stderr).toMatch(/UNIDIRECTIONAL_SEQUENCE_LSTM/);
    expect(r.stderr).toMatch(/operator \d/);
  });

  it('--input is required', async () => {
    const r = await runCli(['interpret', sharedPath('models/tflite-micro/hello_world/hello_world_int8.tflite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input is required/);
  });
});
