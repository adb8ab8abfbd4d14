/**
 * What a linked ELF holds, from binutils' text output: sections (objdump -h) placed in the
 * target's memory regions, flash and RAM use, sized symbols (nm -S), and the regions the
 * linker reported overflowed.
 */
import type { Target } from '../boards/index.js';

export interface SectionInfo {
  name: string;
  size: number;
  vma: number;
  lma: number;
  /** FLASH, RAM, an extra region's upper-case name, or "" (debug sections). */
  region: string;
  /** Occupies space in the image (has contents and is loaded). */
  load: boolean;
}

export interface FlashUse {
  /** Everything stored in flash: code, read-only data and the initial values of .data. */
  total: number;
  /** Vector table, code, unwind tables, constructor tables. */
  text: number;
  rodata: number;
  /** Initial values of .data (copied to RAM at start-up). */
  data: number;
}

export interface RamUse {
  data: number;
  bss: number;
  /** The .tp_arena section (tensor arena of generated code). */
  arena: number;
  heap: number;
  stack: number;
  total: number;
}

/** Parses `objdump -h`: two lines per section (numbers, then flags). */
export function parseSectionHeaders(text: string): { name: string; size: number; vma: number; lma: number; flags: string[] }[] {
  const out: { name: string; size: number; vma: number; lma: number; flags: string[] }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+2\*\*\d+/.exec(lines[i]!);
    if (!m) continue;
    const flags = (lines[i + 1] ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    out.push({ name: m[1]!, size: parseInt(m[2]!, 16), vma: parseInt(m[3]!, 16), lma: parseInt(m[4]!, 16), flags });
  }
  return out;
}

export interface ElfSymbol {
  name: string;
  address: number;
  size: number;
  /** nm's type letter: T/t code, R/r read-only data, D/d data, B/b bss. */
  type: string;
}

/** Lines of `nm -S`: "address size type name" (symbols without a size are skipped). */
export function parseNmSizes(text: string): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)\s+([0-9a-f]+)\s+(\w)\s+(\S+)$/.exec(line.trim());
    if (m) out.push({ address: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), type: m[3]!, name: m[4]! });
  }
  return out;
}

/** tp_mark's address (Thumb bit cleared) in an ELF's symbols: where the counting plugin records. */
export function markAddressIn(symbols: readonly ElfSymbol[]): number | undefined {
  const mark = symbols.find((sym) => sym.name === 'tp_mark' && sym.type === 'T');
  return mark ? mark.address & ~1 : undefined;
}

export function parseOverflows(stderr: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stderr.matchAll(/region [`']([^'`]+)' overflowed by (\d+) bytes?/g)) {
    out.set(m[1]!, Math.max(out.get(m[1]!) ?? 0, Number(m[2])));
  }
  return out;
}

/** The allocated sections of `objdump -h` output, each in the target region it lives in, and what they use. */
export function memoryUse(objdumpHeaders: string, target: Target): { sections: SectionInfo[]; flash: FlashUse; ram: RamUse } {
  const regions = [
    { name: 'FLASH', ...target.flash },
    { name: 'RAM', ...target.ram },
    ...target.regions.map((x) => ({ name: x.name.toUpperCase(), origin: x.origin, size: x.size })),
  ];
  const regionOf = (addr: number) => regions.find((x) => addr >= x.origin && addr < x.origin + x.size)?.name ?? '';
  const sections: SectionInfo[] = parseSectionHeaders(objdumpHeaders)
    .filter((s) => s.flags.includes('ALLOC'))
    .map((s) => ({
      name: s.name,
      size: s.size,
      vma: s.vma,
      lma: s.lma,
      region: regionOf(s.vma),
      load: s.flags.includes('LOAD') && s.flags.includes('CONTENTS'),
    }));
  const sizeOf = (n: string) => sections.find((s) => s.name === n)?.size ?? 0;
  const inFlash = sections.filter((s) => s.load && regionOf(s.lma) === 'FLASH');
  const flashTotal = inFlash.reduce((a, s) => a + s.size, 0);
  const flash: FlashUse = {
    total: flashTotal,
    text: flashTotal - sizeOf('.rodata') - sizeOf('.data'),
    rodata: sizeOf('.rodata'),
    data: sizeOf('.data'),
  };
  const ram: RamUse = {
    data: sizeOf('.data'),
    bss: sizeOf('.bss'),
    arena: sizeOf('.tp_arena'),
    heap: sizeOf('.heap'),
    stack: sizeOf('.stack'),
    total: sections.filter((s) => s.region === 'RAM').reduce((a, s) => a + s.size, 0),
  };
  return { sections, flash, ram };
}
