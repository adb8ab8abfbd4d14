import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/train/backend.js';
import { createTrainable, disposeTrainable, paramValues } from '../../src/train/view.js';
import { tinyDigitsCnn } from '../../src/train/models.js';
import { evaluate, train } from '../../src/train/train.js';
import { sensitivity, sensitivityCsv, sensitivitySvg } from '../../src/prune/sensitivity.js';
import { quadrants } from '../train/quadrants.js';

await initBackend('wasm');

describe('sensitivity analysis', () => {
  it('one layer at a time, restores weights, writes CSV and SVG', () => {
    const data = quadrants(256, 4);
    const m = createTrainable(tinyDigitsCnn(1));
    train(m, data, { epochs: 3, learningRate: 3e-3, batchSize: 32, seed: 1 });
    const before = evaluate(m, data);
    const w0 = paramValues(m, 1).slice();
    const rows = sensitivity(m, data, { granularities: ['element', 'channel', '2:4'], ratios: [0, 0.5, 0.9], layers: ['conv1/weights', 'fc6/weights'] });
    expect(evaluate(m, data)).toBe(before);
    expect(Array.from(paramValues(m, 1))).toEqual(Array.from(w0));
    const conv1 = rows.filter((r) => r.layer === 'conv1/weights' && r.granularity === 'element');
    expect(conv1.map((r) => r.targetSparsity)).toEqual([0, 0.5, 0.9]);
    expect(conv1[0]!.accuracy).toBe(before);
    // 2:4 has one sparsity of its own: one point per layer (conv1's groups run along its 9 taps).
    expect(rows.filter((r) => r.granularity === '2:4').map((r) => r.layer)).toEqual(['conv1/weights', 'fc6/weights']);
    expect(sensitivityCsv(rows).split('\n')[0]).toBe('layer,granularity,target_sparsity,sparsity,accuracy');
    const svg = sensitivitySvg(rows);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)!.length).toBe(6);
    disposeTrainable(m);
  });
});
