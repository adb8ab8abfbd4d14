/**
 * NumPy .npy arrays and .npz archives (a zip of .npy files, stored or deflated).
 * Format facts: magic "\x93NUMPY", version byte pair, little-endian header length (uint16 for
 * v1, uint32 for v2/v3), then a Python-literal dict {'descr', 'fortran_order', 'shape'}.
 */
import { inflateRawSync } from 'node:zlib';
import { TinypruneError } from '../errors.js';

export interface NpyArray {
  shape: number[];
  /** NumPy dtype descriptor as written, e.g. '<f4', '|u1'. */
  descr: string;
  /** Values in C (row-major) order, whatever the file's order. */
  data: Float64Array | Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function parseNpy(bytes: Uint8Array, where = '.npy data'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new TinypruneError('E_DATA', 'not a .npy file (missing the \\x93NUMPY magic)', { where });
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
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
    .map((s) => Number.parseInt(s.replace(/L$/, ''), 10));
  const count = shape.reduce((a, b) => a * b, 1);
  const kind = descr.slice(1);
  const bigEndian = descr[0] === '>';
  const size: Record<string, number> = { f4: 4, f8: 8, i1: 1, u1: 1, b1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 };
  const bpe = size[kind];
  if (bpe === undefined) {
    throw new TinypruneError('E_DATA', `unsupported .npy dtype '${descr}'`, { where, allowed: 'f4 f8 i1 u1 b1 i2 u2 i4 u4 i8 u8' });
  }
  if (dataStart + count * bpe > bytes.length) {
    throw new TinypruneError('E_DATA', `.npy shape (${shape.join(', ')}) of ${descr} needs ${count * bpe} data bytes; the file has ${bytes.length - dataStart}`, { where });
  }
  const le = !bigEndian;
  const read = (i: number): number => {
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
  const data =
    kind === 'f4' ? new Float32Array(count)
    : kind === 'i1' ? new Int8Array(count)
    : kind === 'u1' || kind === 'b1' ? new Uint8Array(count)
    : kind === 'i2' ? new Int16Array(count)
    : kind === 'u2' ? new Uint16Array(count)
    : kind === 'i4' ? new Int32Array(count)
    : kind === 'u4' ? new Uint32Array(count)
    : new Float64Array(count);
  if (fortran === 'True' && shape.length > 1) {
    // Fortran order: the first index varies fastest. Map each C index to its F offset.
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
  } else {
    for (let i = 0; i < count; i++) data[i] = read(i);
  }
  return { shape, descr, data };
}

/** Reads the entries of a zip archive (stored or deflated), via its central directory. */
export function readZip(bytes: Uint8Array, where = 'zip archive'): Map<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 65557); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new TinypruneError('E_DATA', 'not a zip/.npz archive (no end-of-central-directory record)', { where });
  const entries = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let e = 0; e < entries; e++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50) throw new TinypruneError('E_DATA', 'corrupt zip central directory', { where });
    const method = dv.getUint16(p + 10, true);
    let compSize = dv.getUint32(p + 20, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOff = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64: sizes/offset of 0xffffffff live in the extra field (numpy writes zip64 for big arrays).
    if (compSize === 0xffffffff || localOff === 0xffffffff) {
      let q = p + 46 + nameLen;
      const end = q + extraLen;
      while (q + 4 <= end) {
        const id = dv.getUint16(q, true);
        const len = dv.getUint16(q + 2, true);
        if (id === 1) {
          let r = q + 4;
          if (dv.getUint32(p + 24, true) === 0xffffffff) r += 8; // uncompressed size
          if (compSize === 0xffffffff) { compSize = Number(dv.getBigUint64(r, true)); r += 8; }
          if (localOff === 0xffffffff) localOff = Number(dv.getBigUint64(r, true));
        }
        q += 4 + len;
      }
    }
    const lNameLen = dv.getUint16(localOff + 26, true);
    const lExtraLen = dv.getUint16(localOff + 28, true);
    const start = localOff + 30 + lNameLen + lExtraLen;
    const comp = bytes.subarray(start, start + compSize);
    let data: Uint8Array;
    if (method === 0) data = comp;
    else if (method === 8) {
      try {
        const b = inflateRawSync(comp);
        data = new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (err) {
        throw new TinypruneError('E_DATA', `cannot inflate zip entry '${name}': ${(err as Error).message}`, { where, cause: err });
      }
    } else throw new TinypruneError('E_DATA', `zip entry '${name}' uses compression method ${method}`, { where, allowed: 'stored (0) or deflate (8)' });
    out.set(name, data);
    p += 46 + nameLen + extraLen + commentLen;
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
