/**
 * Trains the example models and writes them as int8 .tflite (per-channel weights, activations
 * calibrated on the training split) with a train.json of what was measured:
 *
 *   digits-dscnn  the digits DS-CNN on generated digits (src/data/generated.ts) — the model of
 *                 the embedded default (`tinyprune build` with no arguments); needs nothing else
 *   mnist-dscnn   the same network on MNIST (../shared/datasets/mnist, 8,000 train / 2,000 held out)
 *   mnist-mlp     LeNet-300-100 (fully connected) on MNIST
 *
 * Usage: npm run examples:train [-- <name>...]   (default: all whose data is present)
 * Deterministic for a given machine and backend (seeded init, split and shuffling).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generatedDigits, loadMnistDir, splitDataset, type Dataset } from '../src/data/index.js';
import type { ModelGraph } from '../src/ir/graph.js';
import { calibrate, evaluateInt8, quantizeGraph } from '../src/quantize/index.js';
import { writeTflite } from '../src/tflite/index.js';
import { initBackend } from '../src/train/backend.js';
import { digitsDsCnn, lenet300100 } from '../src/train/models.js';
import { evaluate, train } from '../src/train/train.js';
import { createTrainable, disposeTrainable, toGraph } from '../src/train/view.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, '../../shared');

interface Example {
  name: string;
  describe: string;
  model: (seed: number) => ModelGraph;
  data: () => Dataset | undefined;
  epochs: number;
}

const EXAMPLES: Example[] = [
  { name: 'digits-dscnn', describe: 'digits DS-CNN on 3,000 generated digits', model: digitsDsCnn, data: () => generatedDigits({ count: 3000, seed: 1 }), epochs: 4 },
  { name: 'mnist-dscnn', describe: 'digits DS-CNN on MNIST (t10k: 8,000 train / 2,000 held out)', model: digitsDsCnn, data: mnist, epochs: 6 },
  { name: 'mnist-mlp', describe: 'LeNet-300-100 on MNIST (t10k: 8,000 train / 2,000 held out)', model: lenet300100, data: mnist, epochs: 10 },
];

function mnist(): Dataset | undefined {
  const dir = path.join(shared, 'datasets/mnist');
  return existsSync(dir) ? loadMnistDir(dir) : undefined;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const backend = await initBackend('auto');
  for (const ex of EXAMPLES.filter((e) => wanted.length === 0 || wanted.includes(e.name))) {
    const ds = ex.data();
    if (!ds) {
      console.warn(`[skip] ${ex.name}: its data set is not at ${shared} (MNIST comes from ../shared/datasets/mnist)`);
      continue;
    }
    // The same split the build pipeline uses (first 80% train, seeded).
    const [trainSet, valSet] = splitDataset(ds, { first: 0.8, seed: 1 });
    const m = createTrainable(ex.model(1));
    const t0 = performance.now();
    train(m, trainSet, { epochs: ex.epochs, learningRate: 1e-3, seed: 1, validation: valSet, onEpoch: (e) => console.log(`${ex.name} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation ${((e.valAccuracy ?? 0) * 100).toFixed(2)}%`) });
    const floatAccuracy = evaluate(m, valSet);
    const int8 = quantizeGraph(toGraph(m), calibrate(m, trainSet, { samples: 512 })).graph;
    disposeTrainable(m);
    const int8Accuracy = evaluateInt8(int8, valSet);
    const dir = path.join(here, ex.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.tflite'), writeTflite(int8));
    const log = { example: ex.name, describe: ex.describe, data: ds.name, train: trainSet.y.length, validation: valSet.y.length, epochs: ex.epochs, learningRate: 1e-3, seed: 1, backend: backend.name, floatAccuracy, int8Accuracy, seconds: Math.round((performance.now() - t0) / 1000) };
    writeFileSync(path.join(dir, 'train.json'), JSON.stringify(log, null, 2) + '\n');
    console.log(`${ex.name}: float ${(floatAccuracy * 100).toFixed(2)}%, int8 ${(int8Accuracy * 100).toFixed(2)}% → ${path.join(dir, 'model.tflite')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
