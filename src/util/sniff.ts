/**
 * What a file is, from its first bytes (magic numbers), for errors that refuse it: "this is a
 * JPEG image" helps more than "bytes 4..7 are 'JFIF'". Pure; undefined when nothing matches.
 */

interface Magic {
  /** Byte offset of the signature. */
  at: number;
  bytes: readonly number[];
  what: string;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const MAGICS: readonly Magic[] = [
  { at: 0, bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { at: 0, bytes: [0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { at: 0, bytes: ascii('GIF8'), what: 'a GIF image' },
  { at: 0, bytes: ascii('BM'), what: 'a BMP image' },
  { at: 0, bytes: [0x89, ...ascii('HDF'), 0x0d, 0x0a, 0x1a, 0x0a], what: 'an HDF5 file (a Keras .h5 model?)' },
  { at: 0, bytes: ascii('PK\x03\x04'), what: 'a ZIP archive (a Keras .keras model, or an .npz?)' },
  { at: 0, bytes: [0x1f, 0x8b], what: 'a gzip-compressed file (unpack it first)' },
  { at: 0, bytes: ascii('%PDF'), what: 'a PDF document' },
  { at: 0, bytes: [0x7f, ...ascii('ELF')], what: 'an ELF binary (a firmware, not a model)' },
  { at: 0, bytes: [0x93, ...ascii('NUMPY')], what: 'a NumPy .npy array' },
  { at: 4, bytes: ascii('ftyp'), what: 'an MP4/QuickTime video' },
  { at: 0, bytes: ascii('RIFF'), what: 'a RIFF file (WAV audio?)' },
];

export function sniffFormat(bytes: Uint8Array): string | undefined {
  for (const m of MAGICS) {
    if (bytes.length >= m.at + m.bytes.length && m.bytes.every((b, i) => bytes[m.at + i] === b)) return m.what;
  }
  // Text: JSON (a TF.js model.json) or other text.
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (i < bytes.length && (bytes[i] === 0x7b || bytes[i] === 0x5b)) return 'JSON text (a TF.js model.json?)';
  const head = bytes.subarray(0, Math.min(bytes.length, 256));
  if (head.length > 0 && head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80)) return 'a text file';
  return undefined;
}
