import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { which } from '../../src/firmware/toolchain.js';
import { zipArchive } from '../../src/export/zip.js';
import { readZip } from '../../src/data/npy.js';
import { flattenIncludes } from '../../src/export/plan.js';
import { parseExportKinds } from '../../src/export/index.js';

describe('zip writer (fflate)', () => {
  it('stores incompressible entries, deflates the rest, and is deterministic', () => {
    const text = new TextEncoder().encode('int x;\n'.repeat(200));
    const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 197 + 13) & 0xff);
    const entries = [
      { path: 'lib/a.c', content: text },
      { path: 'lib/r.bin', content: random },
    ];
    const zip = Buffer.from(zipArchive(entries));
    expect(Buffer.from(zipArchive(entries)).equals(zip)).toBe(true);
    // First local header: deflated (method 8), sizes and CRC as written.
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    expect(zip.readUInt16LE(8)).toBe(8);
    expect(zip.readUInt32LE(14)).toBe(crc32(text));
    const csize = zip.readUInt32LE(18);
    const nameLen = zip.readUInt16LE(26);
    expect(zip.readUInt32LE(22)).toBe(text.length);
    expect(inflateRawSync(zip.subarray(30 + nameLen, 30 + nameLen + csize)).equals(Buffer.from(text))).toBe(true);
    // Second: stored (method 0).
    const second = 30 + nameLen + csize;
    expect(zip.readUInt32LE(second)).toBe(0x04034b50);
    expect(zip.readUInt16LE(second + 8)).toBe(0);
    // End record: two entries.
    expect(zip.readUInt32LE(zip.length - 22)).toBe(0x06054b50);
    expect(zip.readUInt16LE(zip.length - 12)).toBe(2);
    // Fixed timestamp: 1980-01-01 00:00 whatever the time zone.
    expect(zip.readUInt16LE(10)).toBe(0);
    expect(zip.readUInt16LE(12)).toBe((1 << 5) | 1);
    // The reader (the same library) gets the same bytes back.
    const back = readZip(zip);
    expect([...back.keys()]).toEqual(['lib/a.c', 'lib/r.bin']);
    expect(Buffer.from(back.get('lib/r.bin')!).equals(Buffer.from(random))).toBe(true);
  });

  it('refuses paths that would leave the archive', () => {
    expect(() => zipArchive([{ path: '../x', content: new Uint8Array(1) }])).toThrow(/not a relative path/);
    expect(() => zipArchive([{ path: '/x', content: new Uint8Array(1) }])).toThrow(/not a relative path/);
    expect(() => zipArchive([{ path: 'a', content: new Uint8Array(1) }, { path: 'a', content: new Uint8Array(1) }])).toThrow(/given twice/);
  });

  const unzip = which('unzip');
  if (!unzip) console.warn('SKIPPED: unzip not installed (apt-get install unzip): the archive is not checked by unzip -t');
  it.skipIf(!unzip)('unzip -t accepts the archive and extracts the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-zip-'));
    const content = new TextEncoder().encode('hello, zip\n'.repeat(50));
    writeFileSync(join(dir, 'a.zip'), zipArchive([{ path: 'd/hello.txt', content }, { path: 'd/empty', content: new Uint8Array(0) }]));
    const out = execFileSync(unzip!, ['-t', join(dir, 'a.zip')], { encoding: 'utf8' });
    expect(out).toMatch(/No errors detected/);
    expect(execFileSync(unzip!, ['-p', join(dir, 'a.zip'), 'd/hello.txt']).equals(Buffer.from(content))).toBe(true);
  });
});

describe('export helpers', () => {
  it('flattens relative includes to the header name, leaves the rest', () => {
    const src = ['#include "../tp_kernel_checks.h"', '#include "tp_dsp.h"', '#  include "../../a/b.h"', '#include <arm_acle.h>', 'x = "../y.h";'].join('\n');
    expect(flattenIncludes(src)).toBe(['#include "tp_kernel_checks.h"', '#include "tp_dsp.h"', '#  include "b.h"', '#include <arm_acle.h>', 'x = "../y.h";'].join('\n'));
  });

  it('--emit takes repeats and comma lists, and names what is allowed', () => {
    expect(parseExportKinds(['c,arduino', 'cmake', 'c'])).toEqual(['c', 'arduino', 'cmake']);
    expect(parseExportKinds([])).toEqual([]);
    expect(() => parseExportKinds(['c,zig'])).toThrow(/--emit zig is not an export/);
    try {
      parseExportKinds(['zig']);
    } catch (e) {
      expect((e as { allowed: string }).allowed).toMatch(/c \(plain C library.*arduino.*cmake/);
    }
  });
});
