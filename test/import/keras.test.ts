import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKerasH5, readTfjsLayersModel } from '../../src/import/index.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { interpret } from '../../src/interp/index.js';
import { TinypruneError } from '../../src/errors.js';
import { Prng } from '../../src/util/prng.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

const floats = (b: Uint8Array): Float32Array => new Float32Array(b.slice().buffer);

describe.skipIf(!hasShared)('Keras .h5 import', () => {
  warnIfNoShared('Keras .h5 import of the IC ResNet');
  it('pretrainedResnet.h5 imports (BN folded, ReLU fused) and matches pretrainedResnet.tflite within float tolerance', async () => {
    const g = await readKerasH5(sharedPath('models/mlperf-tiny/ic/pretrainedResnet.h5'));
    verifyGraph(g);
    const ref = readTfliteFile(sharedPath('models/mlperf-tiny/ic/pretrainedResnet.tflite')).graph;
    expect(g.ops.map((o) => o.opcode)).toEqual(ref.ops.map((o) => o.opcode));
    const r = new Prng(7);
    for (let k = 0; k < 3; k++) {
      const x = Float32Array.from({ length: 32 * 32 * 3 }, () => r.next());
      const bytes = new Uint8Array(x.buffer);
      const ours = floats(interpret(g, [bytes]).outputs[0]!);
      const theirs = floats(interpret(ref, [bytes]).outputs[0]!);
      for (let i = 0; i < 10; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThan(1e-4);
      expect(ours.indexOf(Math.max(...ours))).toBe(theirs.indexOf(Math.max(...theirs)));
    }
  }, 60_000);

  it('a missing or non-HDF5 file is a typed error', async () => {
    await expect(readKerasH5('/nonexistent/model.h5')).rejects.toThrow(TinypruneError);
    const dir = mkdtempSync(join(tmpdir(), 'tp-h5-'));
    writeFileSync(join(dir, 'bad.h5'), 'not hdf5');
    await expect(readKerasH5(join(dir, 'bad.h5'))).rejects.toThrow(TinypruneError);
  });
});

describe('TF.js layers import', () => {
  it('reads a Sequential model.json + shard (Dense, Activation, Dropout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-tfjs-'));
    const kernel = Float32Array.from([1, 2, 3, 4, 5, 6]); // [3, 2]
    const bias = Float32Array.from([0.5, -0.5]);
    const shard = new Uint8Array(new Float32Array([...kernel, ...bias]).buffer);
    writeFileSync(join(dir, 'group1-shard1of1.bin'), shard);
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          class_name: 'Sequential',
          config: {
            name: 's',
            layers: [
              { class_name: 'Dense', config: { name: 'dense', units: 2, activation: 'linear', use_bias: true, batch_input_shape: [null, 3] } },
              { class_name: 'Dropout', config: { name: 'drop', rate: 0.5 } },
              { class_name: 'Activation', config: { name: 'act', activation: 'relu' } },
            ],
          },
        },
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'dense/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'dense/bias', shape: [2], dtype: 'float32' }] }],
      }),
    );
    const g = readTfjsLayersModel(join(dir, 'model.json'));
    verifyGraph(g);
    expect(g.ops.map((o) => o.opcode)).toEqual(['FULLY_CONNECTED']);
    expect(g.ops[0]!.options.fusedActivationFunction).toBe('RELU');
    // x = [1, 1, 1]: dense = [1+3+5+0.5, 2+4+6-0.5] = [9.5, 11.5]
    const y = floats(interpret(g, [new Uint8Array(new Float32Array([1, 1, 1]).buffer)]).outputs[0]!);
    expect(Array.from(y)).toEqual([9.5, 11.5]);
  });
});
