import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/train/backend.js';
import { createTrainable, disposeTrainable, setMask, toGraph, weightLayers } from '../../src/train/view.js';
import { tinyDigitsCnn, lenet300100 } from '../../src/train/models.js';
import { evaluate, train } from '../../src/train/train.js';
import { calibrate, evaluateInt8, quantizeGraph, activationQuant } from '../../src/quantize/index.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { readTflite } from '../../src/tflite/read.js';
import { writeTflite } from '../../src/tflite/write.js';
import { interpret } from '../../src/interp/index.js';
import { quadrants } from '../train/quadrants.js';

await initBackend('wasm');

describe('post-training int8 quantization', () => {
  it('activation parameters always represent 0 exactly', () => {
    for (const r of [{ min: 0.3, max: 5 }, { min: -2, max: -1 }, { min: -1, max: 3 }]) {
      const q = activationQuant(r);
      const zeroReal = q.scale[0]! * (q.zeroPoint[0]! - q.zeroPoint[0]!);
      expect(zeroReal).toBe(0);
      expect(q.zeroPoint[0]!).toBeGreaterThanOrEqual(-128);
      expect(q.zeroPoint[0]!).toBeLessThanOrEqual(127);
    }
  });

  it('a trained, pruned model: int8 runs in the interpreter, verifies, round-trips through .tflite, keeps zeros and accuracy', () => {
    const data = quadrants(300, 2);
    const m = createTrainable(tinyDigitsCnn(1));
    train(m, data, { epochs: 4, learningRate: 3e-3, batchSize: 32, seed: 1 });
    const fc = weightLayers(m.graph).find((l) => l.name === 'fc6/weights')!;
    setMask(m, fc.weight, Float32Array.from({ length: 32 * 128 }, (_, i) => (i % 2 ? 1 : 0)));
    const floatAcc = evaluate(m, data);
    for (const method of [{ kind: 'minmax' } as const, { kind: 'percentile', percentile: 99.9 } as const]) {
      const ranges = calibrate(m, data, { samples: 128, method });
      const { graph } = quantizeGraph(toGraph(m), ranges);
      verifyGraph(graph);
      const w = graph.tensors[fc.weight]!;
      expect(w.dtype).toBe('int8');
      const wv = new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.length);
      for (let i = 0; i < wv.length; i += 2) expect(wv[i]).toBe(0);
      const acc = evaluateInt8(graph, data);
      expect(acc).toBeGreaterThan(floatAcc - 0.05);
      const back = readTflite(writeTflite(graph)).graph;
      const x = new Uint8Array(64).fill(3);
      expect(interpret(back, [x]).outputs).toEqual(interpret(graph, [x]).outputs);
    }
    disposeTrainable(m);
  });

  it('quantizes an MLP (FULLY_CONNECTED per-channel)', () => {
    const m = createTrainable(lenet300100(1));
    const r = quadrants(16, 1);
    // 8x8 toy samples tiled to 28x28 just to have activations to calibrate.
    const x = new Float32Array(16 * 784);
    for (let i = 0; i < x.length; i++) x[i] = r.x[i % r.x.length]!;
    const ranges = calibrate(m, { ...r, sampleShape: [28, 28, 1], x }, { samples: 16 });
    const { graph } = quantizeGraph(toGraph(m), ranges);
    verifyGraph(graph);
    expect(graph.tensors.filter((t) => t.dtype === 'int8' && t.quant && t.quant.scale.length > 1).length).toBe(3);
    disposeTrainable(m);
  });
});
