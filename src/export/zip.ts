/**
 * A small ZIP writer (PKWARE APPNOTE 6.3: local headers, central directory, end record; no
 * ZIP64, no encryption) for the Arduino library archive. Each entry is deflated with
 * node:zlib when that is smaller, stored otherwise. Timestamps are fixed (1980-01-01 00:00,
 * the earliest DOS date) so the same files always give the same archive bytes.
 */
import { deflateRawSync } from 'node:zlib';
import { TinypruneError } from '../errors.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  path: string;
  content: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected, as ZIP and gzip use it). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const UTF8_NAMES = 1 << 11;

/** The archive's bytes. */
export function zipArchive(entries: readonly ZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    if (e.path === '' || e.path.startsWith('/') || e.path.split('/').includes('..')) {
      throw new TinypruneError('E_OUTPUT', `zip entry path '${e.path}' is not a relative path inside the archive`, { where: 'zip writer' });
    }
    const name = Buffer.from(e.path, 'utf8');
    const deflated = deflateRawSync(e.content, { level: 9 });
    const method = deflated.length < e.content.length ? 8 : 0;
    const data = method === 8 ? deflated : Buffer.from(e.content);
    const crc = crc32(e.content);
    if (offset + 30 + name.length + data.length > 0xffffffff) throw new TinypruneError('E_OUTPUT', 'zip archive over 4 GiB (no ZIP64)', { where: e.path });

    // Flags through name length: the same fields in the local and the central header.
    const fields = (header: Buffer, at: number): void => {
      header.writeUInt16LE(UTF8_NAMES, at);
      header.writeUInt16LE(method, at + 2);
      header.writeUInt16LE(DOS_TIME, at + 4);
      header.writeUInt16LE(DOS_DATE, at + 6);
      header.writeUInt32LE(crc, at + 8);
      header.writeUInt32LE(data.length, at + 12);
      header.writeUInt32LE(e.content.length, at + 16);
      header.writeUInt16LE(name.length, at + 20);
    };

    const local = Buffer.alloc(30); // extra field length (28): 0
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    fields(local, 6);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
    central.writeUInt16LE(20, 6);
    fields(central, 8);
    // extra length, comment length, disk number, internal attributes: 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const centralSize = centrals.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  if (entries.length > 0xffff) throw new TinypruneError('E_OUTPUT', `zip archive with ${entries.length} entries (at most 65,535 without ZIP64)`, { where: 'zip writer' });
  return new Uint8Array(Buffer.concat([...locals, ...centrals, end]));
}
