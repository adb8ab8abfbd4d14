/**
 * NumPy .npy arrays and .npz archives (a zip of .npy files, stored or deflated).
 * Format facts: magic "\x93NUMPY", version byte pair, little-endian header length (uint16 for
 * v1, uint32 for v2/v3), then a Python-literal dict {'descr', 'fortran_order', 'shape'}.
 */
import { gzipSync, unzipSync } from 'fflate';
import { TinypruneError } from '../errors.js';

export interface NpyArray {
  shape: number[];
  /** NumPy dtype descriptor as written, e.g. '<f4', '|u1'. */
  descr: string;
  /** Values in C (row-major) order, whatever the file's order. */
  data: Float64Array | Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Bytes per element of each supported dtype kind (the descr without its byte-order mark). */
const ELEMENT_BYTES: Record<string, number> = { f4: 4, f8: 8, i1: 1, u1: 1, b1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 };

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  /** Where the array's data starts. */
  dataStart: number;
}

/** The magic, the header length and the header dict's descr, fortran_order and shape. */
function parseHeader(bytes: Uint8Array, dv: DataView, where: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new TinypruneError('E_DATA', 'not a .npy file (missing the \\x93NUMPY magic)', { where });
  }
  const major = bytes[6]!;
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new TinypruneError('E_DATA', '.npy header truncated', { where });
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new TinypruneError('E_DATA', '.npy header truncated', { where });
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new TinypruneError('E_DATA', `cannot parse the .npy header: ${header.trim()}`, { where });
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TinypruneError('E_DATA', `bad .npy shape (${shapeText})`, { where, allowed: 'non-negative whole numbers' });
  }
  return { descr, fortran: fortran === 'True', shape, dataStart };
}

/** Reads element i of the file's data as a number. */
function elementReader(dv: DataView, kind: string, bigEndian: boolean, dataStart: number, bpe: number): (i: number) => number {
  const le = !bigEndian;
  return (i: number): number => {
    const p = dataStart + i * bpe;
    switch (kind) {
      case 'f4': return dv.getFloat32(p, le);
      case 'f8': return dv.getFloat64(p, le);
      case 'i1': return dv.getInt8(p);
      case 'u1': case 'b1': return dv.getUint8(p);
      case 'i2': return dv.getInt16(p, le);
      case 'u2': return dv.getUint16(p, le);
      case 'i4': return dv.getInt32(p, le);
      case 'u4': return dv.getUint32(p, le);
      case 'i8': return Number(dv.getBigInt64(p, le));
      default: return Number(dv.getBigUint64(p, le));
    }
  };
}

/** The typed array of a dtype kind (64-bit integers become float64). */
function arrayFor(kind: string, count: number): NpyArray['data'] {
  return kind === 'f4' ? new Float32Array(count)
    : kind === 'i1' ? new Int8Array(count)
    : kind === 'u1' || kind === 'b1' ? new Uint8Array(count)
    : kind === 'i2' ? new Int16Array(count)
    : kind === 'u2' ? new Uint16Array(count)
    : kind === 'i4' ? new Int32Array(count)
    : kind === 'u4' ? new Uint32Array(count)
    : new Float64Array(count);
}

/** Fortran order: the first index varies fastest. Map each C index to its F offset. */
function readFortranOrder(data: NpyArray['data'], shape: number[], count: number, read: (i: number) => number): void {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = 0; d < shape.length; d++) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < count; c++) {
    let f = 0;
    for (let d = 0; d < shape.length; d++) f += idx[d]! * strides[d]!;
    data[c] = read(f);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

export function parseNpy(bytes: Uint8Array, where = '.npy data'): NpyArray {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { descr, fortran, shape, dataStart } = parseHeader(bytes, dv, where);
  const count = shape.reduce((a, b) => a * b, 1);
  const kind = descr.slice(1);
  const bpe = ELEMENT_BYTES[kind];
  if (bpe === undefined) {
    throw new TinypruneError('E_DATA', `unsupported .npy dtype '${descr}'`, { where, allowed: 'f4 f8 i1 u1 b1 i2 u2 i4 u4 i8 u8' });
  }
  if (dataStart + count * bpe > bytes.length) {
    throw new TinypruneError('E_DATA', `.npy shape (${shape.join(', ')}) of ${descr} needs ${count * bpe} data bytes; the file has ${bytes.length - dataStart}`, { where });
  }
  const read = elementReader(dv, kind, descr[0] === '>', dataStart, bpe);
  const data = arrayFor(kind, count);
  if (fortran && shape.length > 1) readFortranOrder(data, shape, count, read);
  else for (let i = 0; i < count; i++) data[i] = read(i);
  return { shape, descr, data };
}

/** An entry as the central directory records it: what the extracted bytes must match. */
interface ZipIndexEntry {
  name: string;
  crc: number;
  size: number;
}

/**
 * The central directory, every offset bounds-checked (APPNOTE 6.3 §4.3.12-16; zip64 §4.3.14,
 * §4.5.3). fflate extracts the entries; this index is what its output is checked against
 * (lengths and CRC-32: fflate checks neither) and it rejects what fflate would misread.
 */
function zipIndex(bytes: Uint8Array, bad: (what: string) => TinypruneError): ZipIndexEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (p: number): number => (p >= 0 && p + 2 <= bytes.length ? dv.getUint16(p, true) : -1);
  const u32 = (p: number): number => (p >= 0 && p + 4 <= bytes.length ? dv.getUint32(p, true) : -1);
  const u64 = (p: number): number => (p >= 0 && p + 8 <= bytes.length ? Number(dv.getBigUint64(p, true)) : -1);
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 65557) && eocd < 0; p--) if (u32(p) === 0x06054b50) eocd = p;
  if (eocd < 0) throw bad('not a zip archive (no end-of-central-directory record)');
  let count = u16(eocd + 10);
  let p = u32(eocd + 16);
  const z64 = u64(eocd - 12);
  const zip64 = (count === 0xffff || p === 0xffffffff) && u32(eocd - 20) === 0x07064b50 && u32(z64) === 0x06064b50;
  if (zip64) [count, p] = [u64(z64 + 32), u64(z64 + 48)];
  const entries: ZipIndexEntry[] = [];
  for (let e = 0; e < count; e++) {
    const nameLen = u16(p + 28);
    const extraEnd = p + 46 + nameLen + u16(p + 30);
    if (u32(p) !== 0x02014b50 || extraEnd + u16(p + 32) > bytes.length) throw bad(`central directory entry ${e + 1} of ${count} is corrupt or cut off`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    let [compSize, size, local] = [u32(p + 20), u32(p + 24), u32(p + 42)];
    if (zip64 && compSize === 0xffffffff) {
      // fflate reads the zip64 extra field (id 1) for all three; it must be there.
      let q = p + 46 + nameLen;
      while (q + 4 <= extraEnd && u16(q) !== 1) q += 4 + u16(q + 2);
      if (q + 28 > extraEnd) throw bad(`entry '${name}' lacks its zip64 sizes`);
      [size, compSize, local] = [u64(q + 4), u64(q + 12), u64(q + 20)];
    }
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (u32(local) !== 0x04034b50 || dataStart + compSize > bytes.length) throw bad(`entry '${name}' is cut off (the archive is truncated)`);
    entries.push({ name, crc: u32(p + 16), size });
    p = extraEnd + u16(p + 32);
  }
  return entries;
}

/** CRC-32 of `data` from fflate (node:zlib's crc32 needs Node 20.15): a gzip member's trailer. */
function crc32(data: Uint8Array): number {
  const gz = gzipSync(data, { level: 0 });
  return new DataView(gz.buffer, gz.byteOffset + gz.length - 8, 4).getUint32(0, true);
}

/**
 * The entries of a zip archive (stored or deflated), extracted by fflate; a truncated or
 * corrupt archive (bad offsets, bad deflate data, a length or CRC-32 that does not match) is
 * E_DATA naming `where`.
 */
export function readZip(bytes: Uint8Array, where = 'zip archive'): Map<string, Uint8Array> {
  const bad = (what: string, cause?: unknown): TinypruneError =>
    new TinypruneError('E_DATA', `corrupt zip/.npz archive: ${what}`, { where, hint: 'the file is damaged or not an .npz: write it again (numpy.savez / savez_compressed)', cause });
  const index = zipIndex(bytes, bad);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw bad((e as Error).message, e);
  }
  const out = new Map<string, Uint8Array>();
  for (const { name, crc, size } of index) {
    const data = files[name];
    if (!data || data.length !== size) throw bad(`entry '${name}' inflates to ${data?.length ?? 0} bytes; the directory says ${size}`);
    if (crc32(data) !== crc) throw bad(`entry '${name}' fails its CRC-32 check`);
    out.set(name, data);
  }
  return out;
}

/** The arrays of an .npz archive by name (without the .npy suffix). */
export function parseNpz(bytes: Uint8Array, where = '.npz archive'): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const [name, data] of readZip(bytes, where)) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(data, `${where}:${name}`));
  }
  return out;
}
