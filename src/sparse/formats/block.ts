/**
 * Block-sparse: the matrix cut into blocks of BR rows x BC columns (aligned: rows
 * [BR*g, BR*g + BR), columns [BC*b, BC*b + BC)); only blocks holding a non-zero are stored,
 * whole (their zeros, and padding past the matrix edge, included).
 *   ptr:   [ceil(rows / BR) + 1] block offsets per row group (uint16/uint32)
 *   index: the block column b of each block (uint8 when ceil(cols / BC) <= 256, else uint16)
 *   values, per block:
 *     1xBC (block1x4, block1x16): the BC weights of the row, columns increasing.
 *     4x1 (block4x1): blocks are taken in pairs (k, k+1) within a row group and stored as
 *       8 values [a0 a1 b0 b1 a2 a3 b2 b3] (a = block k rows 0..3, b = block k+1), so that one
 *       SXTB16 of a word gives rows 0 (or, rotated, 1) of both blocks as int16 lanes for SMLAD
 *       against the input pair (x[a], x[b]); an odd last block is stored as [a0 a1 a2 a3].
 *     4x2 (block4x2): 8 values [r0c0 r1c0 r0c1 r1c1 r2c0 r3c0 r2c1 r3c1] (rN = row, cN = column
 *       of the block): SXTB16 of each word gives one row's two weights as int16 lanes.
 *   aux = BR, aux2 = BC; units = blocks.
 * 1x4 is one 32-bit word of weights against one word of input (SMLAD on Cortex-M4/M7/M33);
 * 4x2 is the SMLAD's natural shape: two adjacent inputs, one halfword load, against four rows;
 * 1x16 is one Helium vector (VMLADAV on Cortex-M55); 4x1 shares each input value across 4 rows.
 */
import { emptyLike, ptrWidth, valueCType, withBytes, type EncodedMatrix, type FormatName, type WeightMatrix } from '../types.js';
import type { SparseFormat } from './format.js';

interface Shape {
  name: FormatName;
  br: number;
  bc: number;
}

/** Position (within its block) of value slot s of a block stored in the layout above. */
function pairSlot(s: number): { block: 0 | 1; row: number } {
  // [a0 a1 b0 b1 a2 a3 b2 b3]
  const half = s >> 2;
  const within = s & 3;
  return { block: within < 2 ? 0 : 1, row: half * 2 + (within & 1) };
}

/** (row, column) within the block of value slot s of a 4x2 block. */
function slot4x2(s: number): { row: number; col: number } {
  // [r0c0 r1c0 r0c1 r1c1 r2c0 r3c0 r2c1 r3c1]
  return { row: (s >> 2) * 2 + (s & 1), col: (s >> 1) & 1 };
}

function encodeBlocks(m: WeightMatrix, { name, br, bc }: Shape): EncodedMatrix {
  const groups = Math.ceil(m.rows / br);
  const nb = Math.ceil(m.cols / bc);
  const at = (r: number, c: number): number => (r < m.rows && c < m.cols ? m.values[r * m.cols + c]! : 0);
  const ptr: number[] = [0];
  const index: number[] = [];
  const values: number[] = [];
  let nnz = 0;
  for (let g = 0; g < groups; g++) {
    const kept: number[] = [];
    for (let b = 0; b < nb; b++) {
      let any = false;
      for (let i = 0; i < br; i++) {
        for (let j = 0; j < bc; j++) {
          if (at(g * br + i, b * bc + j) !== 0) {
            any = true;
            nnz++;
          }
        }
      }
      if (any) kept.push(b);
    }
    if (br === 4 && bc === 1) {
      let k = 0;
      for (; k + 1 < kept.length; k += 2) {
        for (let s = 0; s < 8; s++) {
          const { block, row } = pairSlot(s);
          values.push(at(g * 4 + row, kept[k + block]!));
        }
      }
      if (k < kept.length) for (let i = 0; i < 4; i++) values.push(at(g * 4 + i, kept[k]!));
    } else if (br === 4 && bc === 2) {
      for (const b of kept) {
        for (let s = 0; s < 8; s++) {
          const { row, col } = slot4x2(s);
          values.push(at(g * 4 + row, b * 2 + col));
        }
      }
    } else {
      for (const b of kept) for (let i = 0; i < br; i++) for (let j = 0; j < bc; j++) values.push(at(g * br + i, b * bc + j));
    }
    index.push(...kept);
    ptr.push(index.length);
  }
  const wide = nb > 256;
  const pw = ptrWidth(index.length);
  return withBytes({
    format: name,
    rows: m.rows,
    cols: m.cols,
    taps: m.taps,
    dtype: m.dtype,
    aux: br,
    aux2: bc,
    indexBytes: wide ? 2 : 1,
    ptrBytes: pw,
    values: { ctype: valueCType(m.dtype), values },
    index: { ctype: wide ? 'uint16_t' : 'uint8_t', values: index },
    ptr: { ctype: pw === 2 ? 'uint16_t' : 'uint32_t', values: ptr },
    stored: values.length,
    nnz,
    units: index.length,
  });
}

function decodeBlocks(e: EncodedMatrix): WeightMatrix {
  const m = emptyLike(e);
  const br = e.aux;
  const bc = e.aux2;
  const ptr = e.ptr!.values;
  const index = e.index!.values;
  const vals = e.values.values;
  const put = (r: number, c: number, v: number): void => {
    if (r < e.rows && c < e.cols && v !== 0) m.values[r * e.cols + c] = v;
  };
  let off = 0;
  for (let g = 0; g + 1 < ptr.length; g++) {
    const first = ptr[g]!;
    const count = ptr[g + 1]! - first;
    if (br === 4 && bc === 1) {
      let k = 0;
      for (; k + 1 < count; k += 2) {
        for (let s = 0; s < 8; s++) {
          const { block, row } = pairSlot(s);
          put(g * 4 + row, index[first + k + block]!, vals[off + s]!);
        }
        off += 8;
      }
      if (k < count) {
        for (let i = 0; i < 4; i++) put(g * 4 + i, index[first + k]!, vals[off + i]!);
        off += 4;
      }
    } else if (br === 4 && bc === 2) {
      for (let k = 0; k < count; k++) {
        const b = index[first + k]!;
        for (let s = 0; s < 8; s++) {
          const { row, col } = slot4x2(s);
          put(g * 4 + row, b * 2 + col, vals[off++]!);
        }
      }
    } else {
      for (let k = 0; k < count; k++) {
        const b = index[first + k]!;
        for (let i = 0; i < br; i++) for (let j = 0; j < bc; j++) put(g * br + i, b * bc + j, vals[off++]!);
      }
    }
  }
  return m;
}

function blockFormat(shape: Shape, summary: string): SparseFormat {
  return {
    name: shape.name,
    summary,
    kernel: shape.name,
    supports: (op) => op !== 'dw',
    notApplicable: (m) => (Math.ceil(m.cols / shape.bc) > 65536 ? 'too many block columns for a 16-bit index' : undefined),
    encode: (m) => encodeBlocks(m, shape),
    decode: decodeBlocks,
  };
}

export const block1x4 = blockFormat({ name: 'block1x4', br: 1, bc: 4 }, 'blocks of 4 consecutive inputs of one output (one SMLAD word)');
export const block4x1 = blockFormat({ name: 'block4x1', br: 4, bc: 1 }, 'blocks of 4 outputs x 1 input (input shared by 4 rows)');
export const block4x2 = blockFormat({ name: 'block4x2', br: 4, bc: 2 }, 'blocks of 4 outputs x 2 adjacent inputs (SMLAD pairs)');
export const block1x16 = blockFormat({ name: 'block1x16', br: 1, bc: 16 }, 'blocks of 16 consecutive inputs (one Helium vector)');
