import { describe, expect, it } from 'vitest';
import { formatBytes, formatInt, formatPercent, formatShape, shellQuote } from '../../src/report/format.js';
import { barLengths, linearScale, niceTicks, polylinePoints, stackSegments, svgNumber } from '../../src/report/svg.js';
import { elfComments } from '../../src/report/elf-comment.js';

describe('report text helpers', () => {
  it('spells numbers the same on every machine', () => {
    expect(formatInt(0)).toBe('0');
    expect(formatInt(999)).toBe('999');
    expect(formatInt(1000)).toBe('1,000');
    expect(formatInt(104897)).toBe('104,897');
    expect(formatInt(-1234567)).toBe('-1,234,567');
    expect(formatInt(12.6)).toBe('13');
    expect(formatBytes(738)).toBe('738 B');
    expect(formatBytes(12752)).toBe('12.5 KiB');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4.00 MiB');
    expect(formatPercent(0.6944444)).toBe('69.4%');
    expect(formatPercent(null)).toBe('–');
    expect(formatPercent(0.9585, 2)).toBe('95.85%');
    expect(formatShape([1, 8, 8, 1])).toBe('1×8×8×1');
    expect(formatShape([])).toBe('scalar');
  });
  it('quotes command-line arguments for a POSIX shell only when needed', () => {
    expect(shellQuote('-mcpu=cortex-m4')).toBe('-mcpu=cortex-m4');
    expect(shellQuote('-I<out>/gen')).toBe(`'-I<out>/gen'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
  });
});

describe('report SVG geometry', () => {
  it('writes coordinates with at most two decimals and never -0', () => {
    expect(svgNumber(1 / 3)).toBe('0.33');
    expect(svgNumber(-0.001)).toBe('0');
    expect(svgNumber(560)).toBe('560');
  });
  it('scales linearly, and a zero-width domain maps to the range start', () => {
    const s = linearScale([0, 1], [60, 540]);
    expect(s(0)).toBe(60);
    expect(s(0.5)).toBe(300);
    expect(s(1)).toBe(540);
    expect(linearScale([2, 2], [10, 20])(5)).toBe(10);
    expect(linearScale([0, 1], [260, 20])(1)).toBe(20);
  });
  it('stacks segments end to end, small non-zero parts at least minWidth wide', () => {
    expect(stackSegments([100, 300, 0, 600], 1000, 500)).toEqual([
      { x: 0, width: 50 },
      { x: 50, width: 150 },
      { x: 200, width: 0 },
      { x: 200, width: 300 },
    ]);
    const tiny = stackSegments([10, 20], 4 * 1024 * 1024, 760, 0, 2);
    expect(tiny).toEqual([
      { x: 0, width: 2 },
      { x: 2, width: 2 },
    ]);
    expect(stackSegments([5], 0, 100)).toEqual([{ x: 0, width: 1 }]);
  });
  it('bar lengths are proportional to the largest value; absent values are 0', () => {
    expect(barLengths([50, null, 100, 0], 400)).toEqual([200, 0, 400, 0]);
    expect(barLengths([null, null], 400)).toEqual([0, 0]);
  });
  it('polyline points go through the scales', () => {
    const sx = linearScale([0, 1], [0, 100]);
    const sy = linearScale([0, 1], [100, 0]);
    expect(polylinePoints([{ x: 0, y: 0 }, { x: 0.5, y: 1 }, { x: 1, y: 0.25 }], sx, sy)).toBe('0,100 50,0 100,75');
  });
  it('ticks are round and cover the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.546, 0.95, 5)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(0, 62035, 5)).toEqual([0, 20000, 40000, 60000, 80000]);
    expect(niceTicks(0.9, 0.9)).toEqual([0.9]);
    for (const [lo, hi] of [[0.1, 0.37], [3, 1234], [0.955, 0.9612]] as const) {
      const t = niceTicks(lo, hi);
      expect(t[0]!).toBeLessThanOrEqual(lo);
      expect(t[t.length - 1]!).toBeGreaterThanOrEqual(hi);
    }
  });
});

describe('ELF .comment reader', () => {
  /** A minimal little-endian ELF32: section headers null, .shstrtab, .comment. */
  function elf32(comment: string): Uint8Array {
    const shstrtab = Buffer.from('\0.shstrtab\0.comment\0', 'latin1');
    const commentBytes = Buffer.from(comment, 'utf8');
    const dataAt = 52;
    const shoff = dataAt + shstrtab.length + commentBytes.length;
    const header = Buffer.alloc(52);
    header.writeUInt32BE(0x7f454c46, 0);
    header[4] = 1; // ELF32
    header[5] = 1; // little-endian
    header.writeUInt32LE(shoff, 0x20);
    header.writeUInt16LE(40, 0x2e);
    header.writeUInt16LE(3, 0x30);
    header.writeUInt16LE(1, 0x32);
    const sh = (name: number, offset: number, size: number): Buffer => {
      const s = Buffer.alloc(40);
      s.writeUInt32LE(name, 0);
      s.writeUInt32LE(offset, 0x10);
      s.writeUInt32LE(size, 0x14);
      return s;
    };
    return Buffer.concat([header, shstrtab, commentBytes, sh(0, 0, 0), sh(1, dataAt, shstrtab.length), sh(11, dataAt + shstrtab.length, commentBytes.length)]);
  }

  it('lists the distinct compiler strings', () => {
    expect(elfComments(elf32('GCC: (Arm) 12.2.1\0GCC: (Arm) 12.2.1\0clang 17\0'))).toEqual(['GCC: (Arm) 12.2.1', 'clang 17']);
  });
  it('gives nothing for a file that is not ELF or is cut short', () => {
    expect(elfComments(new TextEncoder().encode('not an elf file at all, but long enough to have a header......'))).toEqual([]);
    expect(elfComments(elf32('GCC: x\0').subarray(0, 60))).toEqual([]);
  });
});
