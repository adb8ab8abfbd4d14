/**
 * Sparse formats: decode(encode(w)) == w on random patterns, empty rows, all-zero and fully
 * dense matrices and odd sizes, for int8 and float32; byte counts equal the arrays' sizes and
 * the closed-form counts of each format; pruning reaches its target and yields structure the
 * matching format accepts.
 */
import { describe, expect, it } from 'vitest';
import { FORMATS, applicableFormats, sparseFormatsFor } from '../../src/sparse/formats/index.js';
import { nmLayout } from '../../src/sparse/formats/nm.js';
import { pruneMatrix, sparsityOf } from '../../src/sparse/prune.js';
import { canonicalGranularity } from '../../src/sparse/granularity.js';

/** Granularities by the names of the formats they feed (N:M by its alias nmN_M), and kernel. */
const GRANULARITIES = ['element', 'block1x4', 'block4x1', 'block4x2', 'block1x16', 'nm2_4', 'nm1_4', 'nm1_8', 'kernel', 'pattern', 'filterlet', 'channel'];
import { CTYPE_BYTES, FORMAT_NAMES, roundUp4, type FormatName, type WeightMatrix } from '../../src/sparse/types.js';
import { Prng } from '../../src/util/prng.js';

type Fill = 'random' | 'empty-rows' | 'zero' | 'dense' | 'clustered';

function randomMatrix(rng: Prng, rows: number, cols: number, taps: number, dtype: 'int8' | 'float32', fill: Fill, density: number): WeightMatrix {
  const n = rows * cols;
  const values = dtype === 'int8' ? new Int8Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    let keep: boolean;
    switch (fill) {
      case 'zero':
        keep = false;
        break;
      case 'dense':
        keep = true;
        break;
      case 'empty-rows':
        keep = r % 3 !== 1 && rng.next() < density;
        break;
      case 'clustered':
        keep = (Math.floor(i / 5) + r) % 4 === 0 || rng.next() < density / 4;
        break;
      default:
        keep = rng.next() < density;
    }
    if (!keep) continue;
    if (dtype === 'int8') {
      let v = 0;
      while (v === 0) v = rng.int(-128, 127);
      values[i] = v;
    } else {
      values[i] = Math.fround(rng.normal() || 0.5);
    }
  }
  return { rows, cols, taps, dtype, values };
}

function same(a: WeightMatrix, b: WeightMatrix): boolean {
  if (a.rows !== b.rows || a.cols !== b.cols || a.values.length !== b.values.length) return false;
  for (let i = 0; i < a.values.length; i++) if (a.values[i] !== b.values[i]) return false;
  return true;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 7, 1],
  [5, 33, 1],
  [8, 300, 1],
  [4, 257, 1],
  [7, 513, 1],
  [6, 27, 9],
  [9, 90, 9],
  [5, 9, 9],
  [10, 40, 40],
  [2, 75, 25],
];

describe('sparse formats round-trip', () => {
  const rng = new Prng(4);
  const fills: Fill[] = ['random', 'empty-rows', 'zero', 'dense', 'clustered'];
  for (const format of FORMAT_NAMES) {
    it(`${format}: decode(encode(w)) == w`, () => {
      let cases = 0;
      for (const [rows, cols, taps] of SHAPES) {
        for (const dtype of ['int8', 'float32'] as const) {
          for (const fill of fills) {
            for (const density of [0.05, 0.3, 0.7]) {
              let m = randomMatrix(rng, rows, cols, taps, dtype, fill, density);
              // Structured formats take matrices pruned to their structure.
              if (format.startsWith('nm') || format === 'pattern') m = pruneMatrix(m, [], format as 'pattern', 1 - density);
              if (FORMATS[format].notApplicable(m) !== undefined) continue;
              const e = FORMATS[format].encode(m);
              expect(same(FORMATS[format].decode(e), m), `${format} ${rows}x${cols}/${taps} ${dtype} ${fill} ${density}`).toBe(true);
              // Bytes: every array rounded up to 4.
              const arrays = [e.values, e.index, e.ptr, e.table].filter((a) => a !== undefined);
              expect(e.bytes).toBe(arrays.reduce((s, a) => s + roundUp4(a.values.length * CTYPE_BYTES[a.ctype]), 0));
              // Every array value fits its C type.
              for (const a of arrays) {
                const bits = CTYPE_BYTES[a.ctype] * 8;
                if (a.ctype !== 'float' && a.ctype !== 'int8_t') expect(a.values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** bits)).toBe(true);
              }
              cases++;
            }
          }
        }
      }
      expect(cases).toBeGreaterThan(60);
    });
  }
});

describe('exact byte counts', () => {
  const rng = new Prng(9);
  const m = randomMatrix(rng, 300, 784, 1, 'int8', 'random', 0.1);
  const nnz = Array.from(m.values).filter((v) => v !== 0).length;
  const bytes = (f: FormatName): number => FORMATS[f].encode(m).bytes;

  it('dense, bitmask, csr16, csr8', () => {
    expect(bytes('dense')).toBe(300 * 784);
    expect(bytes('bitmask')).toBe(roundUp4(300 * 98) + roundUp4(nnz));
    expect(bytes('csr16')).toBe(roundUp4(nnz) + roundUp4(2 * nnz) + roundUp4(2 * 301));
    // 784 columns: 4 segments of 256 per row.
    expect(bytes('csr8')).toBe(roundUp4(nnz) + roundUp4(nnz) + roundUp4(2 * (300 * 4 + 1)));
  });

  it('rel4 counts its filler zeros', () => {
    const e = FORMATS.rel4.encode(m);
    let fillers = 0;
    for (let r = 0; r < m.rows; r++) {
      let prev = -1;
      for (let c = 0; c < m.cols; c++) {
        if (m.values[r * m.cols + c] === 0) continue;
        fillers += Math.floor((c - prev - 1) / 16);
        prev = c;
      }
    }
    expect(e.stored).toBe(nnz + fillers);
    expect(e.bytes).toBe(roundUp4(nnz + fillers) + roundUp4(Math.ceil((nnz + fillers) / 2)) + roundUp4(2 * 301));
  });

  it('block and N:M formats', () => {
    const e = FORMATS.block4x1.encode(m);
    expect(e.stored).toBe(4 * e.units);
    expect(e.bytes).toBe(roundUp4(4 * e.units) + roundUp4(2 * e.units) + roundUp4(2 * 76));
    const p = pruneMatrix(m, [], 'nm2_4', 0.5);
    const nm = FORMATS.nm2_4.encode(p);
    const { wordsPerRow } = nmLayout(2, 4, 784);
    expect(nm.bytes).toBe(300 * 196 * 2 + 4 * 300 * wordsPerRow);
    expect(wordsPerRow).toBe(Math.ceil(196 / 8));
  });
});

describe('pruning', () => {
  const rng = new Prng(12);
  it('reaches the target at every granularity and gives the matching format its structure', () => {
    const m = randomMatrix(rng, 32, 288, 9, 'int8', 'dense', 1);
    for (const g of GRANULARITIES) {
      for (const s of [0.5, 0.7, 0.9, 0.95]) {
        const p = pruneMatrix(m, [], g, s);
        const got = sparsityOf(p);
        if (g.startsWith('nm')) {
          const natural = g === 'nm2_4' ? 0.5 : g === 'nm1_4' ? 0.75 : 0.875;
          expect(got).toBeCloseTo(Math.max(s, natural), 2);
        } else {
          expect(got, `${g} ${s}`).toBeGreaterThanOrEqual(s - 0.5 / p.values.length - 1e-9);
          expect(got, `${g} ${s}`).toBeLessThan(s + (g === 'channel' ? 1 / 32 : g === 'filterlet' ? 1 / 288 : 0.04));
        }
        // Only the weights pruned away changed.
        for (let i = 0; i < p.values.length; i++) if (p.values[i] !== 0) expect(p.values[i]).toBe(m.values[i]);
        if (g === 'pattern' || g.startsWith('nm')) expect(FORMATS[g as FormatName].notApplicable(p)).toBeUndefined();
        if (g.startsWith('nm')) expect(pruneMatrix(m, [], canonicalGranularity(g), s).values).toEqual(p.values);
      }
    }
  });

  it('lists the formats each op has kernels for', () => {
    expect(sparseFormatsFor('dw', 'int8')).toEqual(['bitmask', 'csr8', 'pattern', 'channel']);
    expect(sparseFormatsFor('conv', 'float32')).not.toContain('pattern');
    expect(sparseFormatsFor('fc', 'int8')).not.toContain('filterlet');
    const unstructured = randomMatrix(rng, 16, 64, 1, 'int8', 'random', 0.5);
    expect(applicableFormats('fc', unstructured)).not.toContain('nm2_4');
  });
});
