/**
 * IDX files (the MNIST format): a 4-byte magic (0, 0, type code, number of dimensions), big-endian
 * uint32 dimensions, then big-endian data. Gzipped files (1f 8b) are inflated first.
 */
import { gunzipSync } from 'node:zlib';
import { TinypruneError } from '../errors.js';
import { readInputFile } from '../util/files.js';
import { checkDataset, type Dataset } from './dataset.js';

export interface IdxArray {
  dims: number[];
  type: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  data: Float64Array | Uint8Array;
}

const IDX_TYPES: Record<number, { type: IdxArray['type']; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

export function maybeGunzip(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const b = gunzipSync(bytes);
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    } catch (e) {
      throw new TinypruneError('E_DATA', `corrupt gzip data: ${(e as Error).message}`, { where, cause: e });
    }
  }
  return bytes;
}

/** Parses IDX bytes (gzipped or not). uint8 data stays a Uint8Array; other types become float64. */
export function parseIdx(raw: Uint8Array, where = 'IDX data'): IdxArray {
  const bytes = maybeGunzip(raw, where);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new TinypruneError('E_DATA', 'not an IDX file (the magic number must start with two zero bytes)', {
      where,
      hint: 'pass MNIST-style files such as t10k-images-idx3-ubyte(.gz)',
    });
  }
  const t = IDX_TYPES[bytes[2]!];
  if (!t) throw new TinypruneError('E_DATA', `unknown IDX element type 0x${bytes[2]!.toString(16)}`, { where, allowed: '0x08 0x09 0x0b 0x0c 0x0d 0x0e' });
  const rank = bytes[3]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) throw new TinypruneError('E_DATA', 'IDX header truncated', { where });
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(dv.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const off = 4 + 4 * rank;
  if (bytes.length !== off + count * t.bytes) {
    throw new TinypruneError('E_DATA', `IDX dims [${dims.join(', ')}] need ${off + count * t.bytes} bytes; the file has ${bytes.length}`, { where });
  }
  if (t.type === 'uint8') return { dims, type: t.type, data: bytes.slice(off) };
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const p = off + i * t.bytes;
    data[i] =
      t.type === 'int8' ? dv.getInt8(p)
      : t.type === 'int16' ? dv.getInt16(p, false)
      : t.type === 'int32' ? dv.getInt32(p, false)
      : t.type === 'float32' ? dv.getFloat32(p, false)
      : dv.getFloat64(p, false);
  }
  return { dims, type: t.type, data };
}

export interface IdxDatasetOptions {
  /** Multiplies every pixel (MNIST: 1/255 to get [0, 1]). */
  scale?: number;
  numClasses?: number;
  name?: string;
}

/** An image data set from an IDX image file [n, h, w] or [n, h, w, c] and an IDX label file [n]. */
export function loadIdxDataset(imagesPath: string, labelsPath: string, opts: IdxDatasetOptions = {}): Dataset {
  const images = parseIdx(readInputFile(imagesPath, 'IDX image file'), imagesPath);
  const labels = parseIdx(readInputFile(labelsPath, 'IDX label file'), labelsPath);
  if (images.dims.length < 2) throw new TinypruneError('E_DATA', `IDX images need at least 2 dimensions; got [${images.dims.join(', ')}]`, { where: imagesPath });
  if (labels.dims.length !== 1) throw new TinypruneError('E_DATA', `IDX labels must be 1-D; got [${labels.dims.join(', ')}]`, { where: labelsPath });
  if (images.dims[0] !== labels.dims[0]) {
    throw new TinypruneError('E_DATA', `${images.dims[0]} images but ${labels.dims[0]} labels`, {
      where: `${imagesPath} + ${labelsPath}`,
      hint: 'pair the image file with its own label file (e.g. t10k-images with t10k-labels)',
    });
  }
  const sampleShape = images.dims.slice(1);
  if (sampleShape.length === 2) sampleShape.push(1);
  const scale = opts.scale ?? (images.type === 'uint8' ? 1 / 255 : 1);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! * scale;
  const y = Int32Array.from(labels.data as ArrayLike<number>);
  let numClasses = opts.numClasses ?? 0;
  if (!opts.numClasses) for (const l of y) numClasses = Math.max(numClasses, l + 1);
  return checkDataset({ name: opts.name ?? imagesPath, sampleShape, x, y, numClasses });
}
