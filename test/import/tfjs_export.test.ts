import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, tf } from '../../src/train/backend.js';
import { exportTfjsLayers, readTfjsLayersModel } from '../../src/import/index.js';
import { lenet5, tinyDigitsCnn } from '../../src/train/models.js';
import { interpret } from '../../src/interp/index.js';
import { Prng } from '../../src/util/prng.js';

await initBackend('wasm');
const floats = (b: Uint8Array): Float32Array => new Float32Array(b.slice().buffer);

describe('TF.js layers export', () => {
  for (const [name, g] of [['tiny CNN (depthwise, residual ADD)', tinyDigitsCnn(4)], ['LeNet-5', lenet5(4)]] as const) {
    it(`${name}: TF.js itself loads it and predicts what our interpreter computes; our importer reads it back`, async () => {
      const files = exportTfjsLayers(g);
      const json = JSON.parse(files.modelJson);
      const shard = files.shards.get('group1-shard1of1.bin')!;
      const model = await tfl.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength) as ArrayBuffer }),
      );
      const shape = g.tensors[g.inputs[0]!]!.shape;
      const r = new Prng(2);
      const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.next());
      const ref = floats(interpret(g, [new Uint8Array(x.buffer)]).outputs[0]!);
      const tfjsOut = tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync());
      for (let i = 0; i < ref.length; i++) expect(Math.abs(tfjsOut[i]! - ref[i]!)).toBeLessThan(1e-5);
      model.dispose();
      const dir = mkdtempSync(join(tmpdir(), 'tp-tfjs-export-'));
      writeFileSync(join(dir, 'model.json'), files.modelJson);
      writeFileSync(join(dir, 'group1-shard1of1.bin'), shard);
      const back = readTfjsLayersModel(join(dir, 'model.json'));
      expect(back.ops.map((o) => o.opcode)).toEqual(g.ops.map((o) => o.opcode));
      expect(floats(interpret(back, [new Uint8Array(x.buffer)]).outputs[0]!)).toEqual(ref);
    });
  }
});
