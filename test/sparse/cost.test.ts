/**
 * Cost-model features: the counts a kernel's remainder and vector loops depend on, taken from
 * an encoding's arrays (CSR row lengths, short 1x16 blocks, odd 4x1 groups, kept channels), and which core
 * family each applies to (tail: the scalar remainder loops of the C kernels; vec: Helium loops).
 */
import { describe, expect, it } from 'vitest';

import { FEATURE_NAMES, costEncoding, costFeatures, type CallGeometry } from '../../src/sparse/cost.js';
import { FORMATS } from '../../src/sparse/formats/index.js';
import type { WeightMatrix } from '../../src/sparse/types.js';

/** rows x cols int8 matrix with the given non-zero columns per row. */
function matrix(cols: number, nz: number[][]): WeightMatrix {
  const values = new Int8Array(nz.length * cols);
  nz.forEach((cs, r) => cs.forEach((c) => (values[r * cols + c] = 1 + ((r + c) % 7))));
  return { rows: nz.length, cols, taps: 1, dtype: 'int8', values };
}

const fc = (rows: number, cols: number): CallGeometry => ({
  op: 'fc', n: 1, rows, cols, taps: 1, cin: cols, kw: 1, denseMacsPerVector: rows * cols, inPlace: true, rowCopies: 0, insideTaps: 0, runs: 0, runVec16: 0, inputOffset: true,
});

const feature = (f: number[], name: (typeof FEATURE_NAMES)[number]): number => f[FEATURE_NAMES.indexOf(name)]!;

describe('cost features', () => {
  it('CSR: values after each row segment\'s groups of four (C kernels), 8-lane iterations (Helium)', () => {
    const m = matrix(20, [[0, 1, 2, 3, 4], [7, 9], [], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    const e = FORMATS.csr16.encode(m);
    expect(costEncoding(e).counts).toMatchObject({ segRem4: 1 + 2 + 0 + 1, segVec8: 1 + 1 + 0 + 2 });
    expect(feature(costFeatures('dsp', fc(4, 20), 'int8', e), 'n*tail')).toBe(4);
    expect(feature(costFeatures('dsp', fc(4, 20), 'int8', e), 'n*vec')).toBe(0);
    expect(feature(costFeatures('mve', fc(4, 20), 'int8', e), 'n*tail')).toBe(0);
    expect(feature(costFeatures('mve', fc(4, 20), 'int8', e), 'n*vec')).toBe(4);
  });

  it('block 1x16: a block cut short by the last column is done in scalar; the rest are vector iterations on Helium', () => {
    // 24 columns: block 1 holds columns 16..23 only.
    const m = matrix(24, [[0, 17], [3], [20, 23]]);
    const e = FORMATS.block1x16.encode(m);
    expect(costEncoding(e).counts).toMatchObject({ shortBlocks: 2, shortCols: 16 });
    const f = costFeatures('mve', fc(3, 24), 'int8', e);
    expect(feature(f, 'n*tail')).toBe(16);
    expect(feature(f, 'n*vec')).toBe(e.units - 2);
  });

  it('block 4x1: a row group\'s odd last block is left over by the loop over pairs', () => {
    // Rows 0-3: blocks at columns 0, 2, 5 (odd); rows 4-7: columns 1, 3 (even).
    const m = matrix(8, [[0, 2], [5], [], [], [1], [3], [], []]);
    const e = FORMATS.block4x1.encode(m);
    expect(costEncoding(e).counts.oddGroups).toBe(1);
    expect(feature(costFeatures('dsp', fc(8, 8), 'int8', e), 'n*tail')).toBe(1);
  });

  it('channel: the kept rows past the last group of four are one-row dot products', () => {
    const m = matrix(8, [[0], [1], [], [2], [3], [4], [], [5]]);
    const e = FORMATS.channel.encode(m);
    expect(e.aux).toBe(6);
    expect(feature(costFeatures('dsp', fc(8, 8), 'int8', e), 'n*tail')).toBe(2 * e.aux2);
    expect(feature(costFeatures('plain', fc(8, 8), 'int8', e), 'n*tail')).toBe(0);
    // Helium: one group of four and two single rows, one 16-byte iteration each.
    expect(feature(costFeatures('mve', fc(8, 8), 'int8', e), 'n*vec')).toBe(3);
  });

  it('the argument check is per call, the rest per input vector', () => {
    const e = FORMATS.csr16.encode(matrix(20, [[0], [1]]));
    const one = costFeatures('dsp', fc(2, 20), 'int8', e);
    const two = costFeatures('dsp', { ...fc(2, 20), n: 2 }, 'int8', e);
    expect(feature(two, 'rows')).toBe(feature(one, 'rows'));
    expect(feature(two, 'n*rows')).toBe(2 * feature(one, 'n*rows'));
  });
});
