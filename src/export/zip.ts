/**
 * The Arduino library archive, written by fflate (the project's one zip library; the .npz
 * reader uses it too). Each entry is deflated (level 9) when that is smaller, stored
 * otherwise. Timestamps are fixed (1980-01-01 00:00 local time, the earliest DOS date: fflate
 * writes local time) so the same files always give the same archive bytes.
 */
import { deflateSync, zipSync, type Zippable } from 'fflate';
import { TinypruneError } from '../errors.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, no leading '/'. */
  path: string;
  content: Uint8Array;
}

const MTIME = new Date(1980, 0, 1, 0, 0, 0);
const UNIX = 3;
const REGULAR_RW_R_R = (0o100644 << 16) >>> 0; // external attributes: regular file, rw-r--r--

/** The archive's bytes. */
export function zipArchive(entries: readonly ZipEntry[]): Uint8Array {
  const files: Zippable = {};
  for (const e of entries) {
    if (e.path === '' || e.path.startsWith('/') || e.path.endsWith('/') || e.path.split('/').includes('..')) {
      throw new TinypruneError('E_OUTPUT', `zip entry path '${e.path}' is not a relative path inside the archive`, { where: 'zip writer' });
    }
    if (Object.prototype.hasOwnProperty.call(files, e.path)) throw new TinypruneError('E_OUTPUT', `zip entry '${e.path}' given twice`, { where: 'zip writer' });
    const level = deflateSync(e.content, { level: 9 }).length < e.content.length ? 9 : 0;
    files[e.path] = [e.content, { level, mtime: MTIME, os: UNIX, attrs: REGULAR_RW_R_R }];
  }
  if (entries.length > 0xffff) throw new TinypruneError('E_OUTPUT', `zip archive with ${entries.length} entries (at most 65,535 without ZIP64)`, { where: 'zip writer' });
  return zipSync(files);
}
