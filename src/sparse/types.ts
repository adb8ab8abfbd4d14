/**
 * Sparse weight formats: the shared vocabulary.
 *
 * Every prunable weight tensor (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D) is seen as one
 * matrix: a row per output channel, a column per term of that channel's dot product. The
 * columns of a convolution are its taps times its input channels, tap-major
 * (col = tap * cin + ci, tap = ky * KW + kx) — exactly the OHWI filter layout and the order in
 * which the reference kernels sum, so a format that keeps columns in increasing order keeps
 * the reference's float summation order too. Formats encode that matrix into C arrays; the
 * kernels in firmware/kernels/sparse read them (layouts documented in firmware/include/
 * tp_sparse.h; the two must agree, and test/sparse checks that they do).
 */

export type WeightDType = 'int8' | 'float32';

/** Element size in bytes. */
export const ELEM_BYTES: Readonly<Record<WeightDType, number>> = { int8: 1, float32: 4 };

export interface WeightMatrix {
  rows: number;
  cols: number;
  /** Kernel taps per row: cols = taps * cin. FULLY_CONNECTED: 1; CONV_2D: KH*KW; DEPTHWISE: KH*KW (cin 1). */
  taps: number;
  dtype: WeightDType;
  /** Row-major rows x cols. */
  values: Int8Array | Float32Array;
}

/** Every format, by the name used on the command line, in reports and in kernel names. */
export const FORMAT_NAMES = [
  'dense',
  'bitmask',
  'csr8',
  'csr16',
  'rel4',
  'block1x4',
  'block4x1',
  'block4x2',
  'block1x16',
  'nm2_4',
  'nm1_4',
  'nm1_8',
  'pattern',
  'filterlet',
  'channel',
] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export function isFormatName(s: string): s is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(s);
}

/** C element types of encoded arrays. */
export type ArrayCType = 'int8_t' | 'uint8_t' | 'uint16_t' | 'uint32_t' | 'float';

export const CTYPE_BYTES: Readonly<Record<ArrayCType, number>> = { int8_t: 1, uint8_t: 1, uint16_t: 2, uint32_t: 4, float: 4 };

export interface EncodedArray {
  ctype: ArrayCType;
  values: number[];
}

/**
 * One weight matrix in one format: the scalar fields and the arrays of the C struct
 * tp_sparse_matrix (tp_sparse.h), plus the exact bytes they take in flash.
 */
export interface EncodedMatrix {
  format: FormatName;
  rows: number;
  cols: number;
  taps: number;
  dtype: WeightDType;
  /** Format-specific scalars (tp_sparse_matrix.aux / aux2), see each format. */
  aux: number;
  aux2: number;
  /** Width in bytes of one index entry / one row pointer (0 when the array is absent). */
  indexBytes: number;
  ptrBytes: number;
  values: EncodedArray;
  index?: EncodedArray;
  ptr?: EncodedArray;
  table?: EncodedArray;
  /** Values stored, padding and filler zeros included (what the kernel multiplies). */
  stored: number;
  /** Non-zero weights. */
  nnz: number;
  /** Format units the kernel loops over (blocks, groups, filterlets, kernels, runs …): a cost feature. */
  units: number;
  /** Flash bytes: every array rounded up to 4 bytes (generated arrays are 4-byte aligned). */
  bytes: number;
}

export const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

export function arrayBytes(a: EncodedArray | undefined): number {
  return a ? roundUp4(a.values.length * CTYPE_BYTES[a.ctype]) : 0;
}

/** Sums the arrays' bytes of an encoding (fills `bytes`). */
export function withBytes(e: Omit<EncodedMatrix, 'bytes'>): EncodedMatrix {
  return { ...e, bytes: arrayBytes(e.values) + arrayBytes(e.index) + arrayBytes(e.ptr) + arrayBytes(e.table) };
}

/** The C type of a matrix's values. */
export function valueCType(dtype: WeightDType): ArrayCType {
  return dtype === 'int8' ? 'int8_t' : 'float';
}

/** Smallest unsigned width (2 or 4 bytes) that holds every row pointer up to `max`. */
export function ptrWidth(max: number): 2 | 4 {
  return max <= 0xffff ? 2 : 4;
}

export function countNonZero(m: WeightMatrix): number {
  let n = 0;
  for (let i = 0; i < m.values.length; i++) if (m.values[i] !== 0) n++;
  return n;
}

export function emptyLike(m: Pick<WeightMatrix, 'rows' | 'cols' | 'taps' | 'dtype'>): WeightMatrix {
  const n = m.rows * m.cols;
  return { rows: m.rows, cols: m.cols, taps: m.taps, dtype: m.dtype, values: m.dtype === 'int8' ? new Int8Array(n) : new Float32Array(n) };
}
