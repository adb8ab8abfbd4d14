import type { Dataset } from '../../src/data/dataset.js';
import { Prng } from '../../src/util/prng.js';

/** A learnable toy set for 8x8 inputs: the class is which quadrant is bright. */
export function quadrants(n: number, seed: number): Dataset {
  const r = new Prng(seed);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = r.int(0, 3);
    y[i] = c;
    for (let p = 0; p < 64; p++) {
      const row = p >> 3;
      const col = p & 7;
      const q = (row >= 4 ? 2 : 0) + (col >= 4 ? 1 : 0);
      x[i * 64 + p] = (q === c ? 0.8 : 0.1) + 0.2 * r.next();
    }
  }
  return { name: 'quadrants', sampleShape: [8, 8, 1], x, y, numClasses: 10 };
}

