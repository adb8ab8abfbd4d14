/**
 * The .comment section of a linked ELF: the compilers that produced its objects, as they
 * recorded themselves ("GCC: (15:12.2.rel1-1) 12.2.1 20221205"). report.html shows it as the
 * toolchain version actually used, read from the firmware rather than from whatever compiler
 * is on PATH when the page is rendered.
 */
import { readFileSync } from 'node:fs';

/** The distinct NUL-separated strings of .comment; [] when the file is not ELF32/64 LE or has none. */
export function elfComments(file: Uint8Array): string[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46 || b[5] !== 1) return [];
  const is64 = b[4] === 2;
  const shoff = is64 ? Number(b.readBigUInt64LE(0x28)) : b.readUInt32LE(0x20);
  const shentsize = b.readUInt16LE(is64 ? 0x3a : 0x2e);
  const shnum = b.readUInt16LE(is64 ? 0x3c : 0x30);
  const shstrndx = b.readUInt16LE(is64 ? 0x3e : 0x32);
  const section = (i: number): { name: number; offset: number; size: number } | null => {
    const at = shoff + i * shentsize;
    if (at + shentsize > b.length) return null;
    return is64
      ? { name: b.readUInt32LE(at), offset: Number(b.readBigUInt64LE(at + 0x18)), size: Number(b.readBigUInt64LE(at + 0x20)) }
      : { name: b.readUInt32LE(at), offset: b.readUInt32LE(at + 0x10), size: b.readUInt32LE(at + 0x14) };
  };
  const names = section(shstrndx);
  if (!names) return [];
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (!s) return [];
    const nameAt = names.offset + s.name;
    const end = b.indexOf(0, nameAt);
    if (end < 0 || b.toString('latin1', nameAt, end) !== '.comment') continue;
    if (s.offset + s.size > b.length) return [];
    const strings = b.toString('utf8', s.offset, s.offset + s.size).split('\0').filter((x) => x !== '');
    return [...new Set(strings)];
  }
  return [];
}

/** elfComments of a file; [] when it cannot be read. */
export function elfCommentsOf(file: string): string[] {
  try {
    return elfComments(readFileSync(file));
  } catch {
    return [];
  }
}
