/**
 * A folder of labelled files: one sub-folder per class (its name is the label, classes sorted by
 * name), holding WAV audio (PCM 8/16/32-bit or float32) or binary PGM/PPM images (P5/P6).
 * Every sample must have the same shape; a mismatch names the file.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { TinypruneError } from '../errors.js';
import { readInputFile } from '../util/files.js';
import { checkDataset, type Dataset } from './dataset.js';

export interface Decoded {
  shape: number[];
  values: Float32Array;
}

/** RIFF/WAVE with a 'fmt ' and a 'data' chunk; samples scaled to [-1, 1), channels interleaved → [frames, channels]. */
export function decodeWav(bytes: Uint8Array, where = 'WAV data'): Decoded {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (p: number): string => String.fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new TinypruneError('E_DATA', 'not a RIFF/WAVE file', { where });
  let p = 12;
  let fmt: { format: number; channels: number; bits: number } | undefined;
  while (p + 8 <= bytes.length) {
    const id = tag(p);
    const size = dv.getUint32(p + 4, true);
    if (id === 'fmt ') fmt = { format: dv.getUint16(p + 8, true), channels: dv.getUint16(p + 10, true), bits: dv.getUint16(p + 22, true) };
    if (id === 'data') {
      if (!fmt) throw new TinypruneError('E_DATA', "WAV 'data' chunk before 'fmt '", { where });
      const { format, channels, bits } = fmt;
      const bps = bits / 8;
      const n = Math.floor(Math.min(size, bytes.length - p - 8) / bps);
      const v = new Float32Array(n);
      const s = p + 8;
      for (let i = 0; i < n; i++) {
        const q = s + i * bps;
        if (format === 3 && bits === 32) v[i] = dv.getFloat32(q, true);
        else if (format === 1 || format === 0xfffe) {
          if (bits === 8) v[i] = (dv.getUint8(q) - 128) / 128;
          else if (bits === 16) v[i] = dv.getInt16(q, true) / 32768;
          else if (bits === 32) v[i] = dv.getInt32(q, true) / 2147483648;
          else throw new TinypruneError('E_DATA', `unsupported WAV sample size ${bits} bits`, { where, allowed: '8, 16, 32-bit PCM or 32-bit float' });
        } else throw new TinypruneError('E_DATA', `unsupported WAV format code ${format}`, { where, allowed: '1 (PCM) or 3 (IEEE float)' });
      }
      return { shape: [n / channels, channels], values: v };
    }
    p += 8 + size + (size & 1);
  }
  throw new TinypruneError('E_DATA', "WAV file has no 'data' chunk", { where });
}

/** Binary PGM (P5, grey) or PPM (P6, RGB), maxval ≤ 255; pixels scaled to [0, 1] → [h, w, c]. */
export function decodePnm(bytes: Uint8Array, where = 'PGM/PPM data'): Decoded {
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0);
  if (magic !== 'P5' && magic !== 'P6') throw new TinypruneError('E_DATA', 'not a binary PGM/PPM image (P5/P6)', { where });
  const fields: number[] = [];
  let p = 2;
  while (fields.length < 3 && p < bytes.length) {
    const c = bytes[p]!;
    if (c === 0x23) { while (p < bytes.length && bytes[p] !== 0x0a) p++; continue; } // comment
    if (c >= 0x30 && c <= 0x39) {
      let v = 0;
      while (p < bytes.length && bytes[p]! >= 0x30 && bytes[p]! <= 0x39) v = v * 10 + (bytes[p++]! - 0x30);
      fields.push(v);
      continue;
    }
    p++;
  }
  p++; // the single whitespace byte after maxval
  const [w, h, maxval] = fields as [number, number, number];
  const c = magic === 'P5' ? 1 : 3;
  if (!w || !h || !maxval || maxval > 255) throw new TinypruneError('E_DATA', 'bad PGM/PPM header (need width, height, maxval ≤ 255)', { where });
  if (p + w * h * c > bytes.length) throw new TinypruneError('E_DATA', `PGM/PPM pixel data truncated (${w}x${h}x${c})`, { where });
  const values = new Float32Array(w * h * c);
  for (let i = 0; i < values.length; i++) values[i] = bytes[p + i]! / maxval;
  return { shape: [h, w, c], values };
}

const DECODERS: Record<string, (b: Uint8Array, where: string) => Decoded> = {
  '.wav': decodeWav,
  '.pgm': decodePnm,
  '.ppm': decodePnm,
};

export function loadFolderDataset(dir: string): Dataset {
  let classes: string[];
  try {
    classes = readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
  } catch (e) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `cannot list data folder: ${(e as Error).message}`, { where: dir, cause: e });
  }
  if (classes.length === 0) throw new TinypruneError('E_DATA', 'the data folder has no class sub-folders', { where: dir, hint: 'lay it out as <dir>/<label>/<file>.wav|.pgm|.ppm' });
  const samples: Float32Array[] = [];
  const labels: number[] = [];
  let shape: number[] | undefined;
  classes.forEach((cls, label) => {
    for (const f of readdirSync(join(dir, cls)).sort()) {
      const dec = DECODERS[extname(f).toLowerCase()];
      if (!dec) continue;
      const path = join(dir, cls, f);
      const d = dec(readInputFile(path, 'sample file'), path);
      if (!shape) shape = d.shape;
      else if (d.shape.join(',') !== shape.join(',')) {
        throw new TinypruneError('E_DATA', `sample shape [${d.shape.join(', ')}] differs from the first sample's [${shape.join(', ')}]`, {
          where: path,
          hint: 'every sample of a data set must have the same size (resample or crop them first)',
        });
      }
      samples.push(d.values);
      labels.push(label);
    }
  });
  if (!shape) throw new TinypruneError('E_DATA', 'no .wav/.pgm/.ppm files in the class folders', { where: dir });
  const per = samples[0]!.length;
  const x = new Float32Array(per * samples.length);
  samples.forEach((s, i) => x.set(s, i * per));
  return checkDataset({ name: dir, sampleShape: shape, x, y: Int32Array.from(labels), numClasses: classes.length });
}
