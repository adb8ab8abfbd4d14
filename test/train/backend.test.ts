import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/train/backend.js';
import { TinypruneError } from '../../src/errors.js';

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
