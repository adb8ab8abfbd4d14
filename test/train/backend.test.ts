import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.js';
import { TinypruneError } from '../../src/errors.js';
import * as tfl from '@tensorflow/tfjs-layers';

describe('backend selection', () => {
  it('cpu and wasm initialise; an unknown name is a usage error', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
    await expect(initBackend('gpu' as 'cpu')).rejects.toThrow(/unknown backend/);
  });

  it('node: a typed error when tfjs-node cannot load; auto then falls back and says why', async () => {
    let nodeOk = true;
    try {
      await initBackend('node');
    } catch (e) {
      nodeOk = false;
      expect(e).toBeInstanceOf(TinypruneError);
      expect((e as TinypruneError).code).toBe('E_BACKEND');
    }
    const auto = await initBackend('auto');
    if (nodeOk) expect(auto.name).toBe('tensorflow');
    else {
      expect(auto.name).toBe('wasm');
      expect(auto.notes.join(' ')).toMatch(/tfjs-node unavailable/);
    }
  });
});

describe('training on tfjs-node', () => {
  it('trains a small model on the native backend where tfjs-node loads (skipped with the reason where not)', async (ctx) => {
    let reason = '';
    try {
      await initBackend('node');
    } catch (e) {
      reason = (e as TinypruneError).where ?? (e as Error).message;
    }
    if (reason) {
      console.warn(`[skip] tfjs-node training: ${reason}`);
      ctx.skip();
      return;
    }
    expect(tf.getBackend()).toBe('tensorflow');
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const h = await model.fit(x, y, { epochs: 30, verbose: 0 });
    const loss = h.history['loss'] as number[];
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]!);
  });

  it('the E_BACKEND hint and the doctor line give the exact install command', async () => {
    const { describeBackend, TFJS_NODE_INSTALL } = await import('../../src/train/backend.js');
    expect(TFJS_NODE_INSTALL.checkout).toMatch(/^npm config set allow-scripts=@tensorflow\/tfjs-node --location=project && npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect(describeBackend({ name: 'wasm', notes: ['tfjs-node unavailable: x'] })).toMatch(/^wasm .*tfjs-node unavailable: x/);
    try {
      await initBackend('node');
    } catch (e) {
      expect((e as TinypruneError).hint).toContain(TFJS_NODE_INSTALL.checkout);
    }
  });
});
