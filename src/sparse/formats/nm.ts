/**
 * N:M structured sparsity along the input: in every group of M consecutive columns of a row
 * (groups start at multiples of M; the last may be short) at most N weights are non-zero.
 * Exactly N values are stored per group, in increasing column order, each with its position
 * in the group (log2 M bits). A group with fewer non-zeros is padded with zeros at unused
 * positions (a short last group may repeat a position; its padding value is 0 either way).
 *   values: [rows * groups * N]
 *   index:  uint32_t metadata, packed: a group's N positions take N*b bits (b = log2 M),
 *           position k at bit k*b; gpw = floor(32 / (N*b)) groups per word (2:4 -> 8, 1:4 ->
 *           16, 1:8 -> 10), group g at bit (g % gpw) * N*b of word g / gpw; each row starts
 *           a new word (ceil(groups / gpw) words per row).
 *   aux = N, aux2 = M; units = groups.
 */
import { emptyLike, valueCType, withBytes, type EncodedMatrix, type FormatName, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

export function nmLayout(n: number, m: number, cols: number): { bits: number; gpw: number; groups: number; wordsPerRow: number } {
  const bits = Math.log2(m);
  const gpw = Math.floor(32 / (n * bits));
  const groups = Math.ceil(cols / m);
  return { bits, gpw, groups, wordsPerRow: Math.ceil(groups / gpw) };
}

function nmFormat(name: FormatName, n: number, mm: number): SparseFormat {
  return {
    name,
    summary: `${n}:${mm} along the input, ${Math.log2(mm)}-bit positions packed in 32-bit words`,
    kernel: 'nm',
    supports: (op) => op !== 'dw',
    notApplicable(m) {
      for (let r = 0; r < m.rows; r++) {
        for (let g = 0; g * mm < m.cols; g++) {
          let k = 0;
          for (let c = g * mm; c < Math.min(m.cols, g * mm + mm); c++) if (m.values[r * m.cols + c] !== 0) k++;
          if (k > n) return `row ${r}, columns ${g * mm}..${Math.min(m.cols, g * mm + mm) - 1} hold ${k} non-zeros (at most ${n} of every ${mm})`;
        }
      }
      return undefined;
    },
    encode(m: WeightMatrix): EncodedMatrix {
      const why = this.notApplicable(m);
      if (why) throw new Error(`${name}: ${why}`);
      const { bits, gpw, groups, wordsPerRow } = nmLayout(n, mm, m.cols);
      const values: number[] = [];
      const meta = new Array<number>(m.rows * wordsPerRow).fill(0);
      let nnz = 0;
      for (let r = 0; r < m.rows; r++) {
        for (let g = 0; g < groups; g++) {
          const width = Math.min(mm, m.cols - g * mm);
          const pos: number[] = [];
          for (let j = 0; j < width; j++) if (m.values[r * m.cols + g * mm + j] !== 0) pos.push(j);
          nnz += pos.length;
          // Pad with the lowest unused positions (or repeat position 0 in a too-short group).
          for (let j = 0; pos.length < n && j < width; j++) if (!pos.includes(j)) pos.push(j);
          while (pos.length < n) pos.push(0);
          pos.sort((a, b) => a - b);
          const used = new Set<number>();
          let field = 0;
          pos.forEach((j, k) => {
            const v = used.has(j) ? 0 : m.values[r * m.cols + g * mm + j]!;
            used.add(j);
            values.push(v);
            field |= j << (k * bits);
          });
          const w = r * wordsPerRow + Math.floor(g / gpw);
          meta[w] = (meta[w]! | (field << ((g % gpw) * n * bits))) >>> 0;
        }
      }
      return withBytes({
        format: name,
        rows: m.rows,
        cols: m.cols,
        taps: m.taps,
        dtype: m.dtype,
        aux: n,
        aux2: mm,
        indexBytes: 4,
        ptrBytes: 0,
        values: { ctype: valueCType(m.dtype), values },
        index: { ctype: 'uint32_t', values: meta },
        stored: values.length,
        nnz,
        units: m.rows * groups,
      });
    },
    decode(e: EncodedMatrix): WeightMatrix {
      const m = emptyLike(e);
      const { bits, gpw, groups, wordsPerRow } = nmLayout(n, mm, e.cols);
      let k = 0;
      for (let r = 0; r < e.rows; r++) {
        for (let g = 0; g < groups; g++) {
          const word = e.index!.values[r * wordsPerRow + Math.floor(g / gpw)]!;
          const field = word >>> ((g % gpw) * n * bits);
          for (let i = 0; i < n; i++) {
            const j = (field >>> (i * bits)) & (mm - 1);
            const v = e.values.values[k++]!;
            if (v !== 0) m.values[r * e.cols + g * mm + j] = v;
          }
        }
      }
      return m;
    },
  };
}

export const nm2_4 = nmFormat('nm2_4', 2, 4);
export const nm1_4 = nmFormat('nm1_4', 1, 4);
export const nm1_8 = nmFormat('nm1_8', 1, 8);
