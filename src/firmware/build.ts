/**
 * Firmware build: C sources + the platform layer + a linker script generated from the board
 * profile → ELF/BIN/HEX with flash and RAM use measured from the link itself.
 *
 * Flags (FIRMWARE.md): per-core -mcpu/-mfpu/-mfloat-abi; -ffunction-sections -fdata-sections
 * with --gc-sections so unused kernels cost nothing; -ffp-contract=off so float results match
 * a sequential host reference bit for bit; newlib-nano. Not -ffreestanding: it turned small
 * memcpy reads in int8 kernels into calls (5x slower).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { execa } from 'execa';

import { resolveTarget, type BoardProfile, type Target } from '../boards/index.js';
import { TinypruneError, type Warning } from '../errors.js';
import { cacheDir, packageRoot, platformDir } from './paths.js';
import { hex32, renderTemplate } from './render.js';
import { findTool } from './toolchain.js';
import { writeBoot2Source } from './boot2.js';

export type OptLevel = '-O0' | '-O1' | '-O2' | '-O3' | '-Os' | '-Og';

export interface BuildOptions {
  /** A board name, a validated profile, or an already resolved target. */
  board: string | BoardProfile | Target;
  /** Build a real board for its emulateWith QEMU board (ignored for QEMU boards and targets). */
  emulate?: boolean;
  sources: string[];
  includeDirs?: string[];
  /** -D flags: { NAME: value } (true → -DNAME) or raw "NAME=value" strings. */
  defines?: Record<string, string | number | boolean> | string[];
  outDir: string;
  /** Default -O2. */
  optimize?: OptLevel;
  extraCFlags?: string[];
  extraLdFlags?: string[];
  /** Override the board's stack / heap sizes. */
  stackBytes?: number;
  heapBytes?: number;
  /** Add firmware/platform (startup, UART, semihosting, timer, tp_mark). Default true. */
  platform?: boolean;
  /** Output base name (default "firmware"). */
  name?: string;
  /** -Werror (default true: the runtime is meant to be warning-free). */
  warningsAsErrors?: boolean;
  timeoutMs?: number;
}

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

export interface BuildResult {
  target: Target;
  elf: string;
  bin: string;
  hex: string;
  map: string;
  linkerScript: string;
  boardHeader: string;
  flash: FlashUse;
  ram: RamUse;
  /** Regions as linked (the real board's sizes when emulating). */
  limits: { flash: number; ram: number };
  sections: SectionInfo[];
  /** Address of tp_mark (Thumb bit cleared), when the platform layer is linked. */
  markAddress: number | undefined;
  /** Sized symbols of the ELF (nm -S): what each function and array costs. */
  symbols: ElfSymbol[];
  warnings: Warning[];
  /** The commands run, for reproducing a build by hand. */
  commands: string[][];
}

const PLATFORM_COMMON = ['tp_startup.c', 'tp_semihost.c', 'tp_console.c', 'tp_timer.c', 'tp_mark.c', 'tp_syscalls.c'];

const UART_SOURCE: Record<BoardProfile['uart']['kind'], string> = {
  cmsdk: 'tp_uart_cmsdk.c',
  pl011: 'tp_uart_pl011.c',
  // The RP2040's UART is a PL011; its resets, clocks and pin functions are the profile's init.
  rp2040: 'tp_uart_pl011.c',
  nrf51: 'tp_uart_nrf51.c',
  'nrf52-uarte': 'tp_uart_nrf52_uarte.c',
  'stm32-usart': 'tp_uart_stm32_usart.c',
};

/** A device build of a board that boots through a second-stage bootloader (RP2040). */
export function needsBoot2(target: Target): boolean {
  return target.mode === 'device' && target.board.boot2 !== undefined;
}

/** The platform C files a target needs. */
export function platformSources(target: Target): string[] {
  return [...PLATFORM_COMMON, UART_SOURCE[target.uart.kind]].map((f) => path.join(platformDir(), f));
}

/** gcc code-generation flags for a board's core, FPU and extensions (FIRMWARE.md table). */
export function cpuFlags(board: BoardProfile): string[] {
  const flags = ['-mthumb'];
  switch (board.core) {
    case 'cortex-m0':
    case 'cortex-m0plus':
    case 'cortex-m3':
      return [...flags, `-mcpu=${board.core}`, '-mfloat-abi=soft'];
    case 'cortex-m4':
    case 'cortex-m7':
      return board.fpu === 'none'
        ? [...flags, `-mcpu=${board.core}`, '-mfloat-abi=soft']
        : [...flags, `-mcpu=${board.core}`, `-mfpu=${board.fpu}`, '-mfloat-abi=hard'];
    case 'cortex-m33': {
      const cpu = `-mcpu=cortex-m33${board.dsp ? '' : '+nodsp'}${board.fpu === 'none' ? '+nofp' : ''}`;
      return board.fpu === 'none'
        ? [...flags, cpu, '-mfloat-abi=soft']
        : [...flags, cpu, `-mfpu=${board.fpu}`, '-mfloat-abi=hard'];
    }
    case 'cortex-m55': {
      // -mcpu=cortex-m55 means FPU + MVE with float; features are removed with +no...
      if (board.fpu === 'none') return [...flags, '-mcpu=cortex-m55+nofp+nomve', '-mfloat-abi=soft'];
      const mve = board.mve === 'float' ? '' : board.mve === 'int' ? '+nomve.fp' : '+nomve';
      return [...flags, `-mcpu=cortex-m55${mve}`, '-mfloat-abi=hard'];
    }
  }
}

function defineFlags(defines: BuildOptions['defines']): string[] {
  if (!defines) return [];
  if (Array.isArray(defines)) return defines.map((d) => `-D${d}`);
  return Object.entries(defines)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${v}`));
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const cComment = (s: string) => s.replace(/\*\//g, '* /').replace(/[\r\n]+/g, ' ');

/** Renders tp_board.h and the linker script for a target (pure: returns the texts). */
export function renderBoardFiles(target: Target, sizes: { stackBytes: number; heapBytes: number }): { header: string; linker: string } {
  const b = target.board;
  const describe =
    target.mode === 'emulate'
      ? `${b.name} emulated on ${target.qemuBoard!.name} (QEMU ${target.machine})`
      : target.mode === 'qemu'
        ? `${b.name} (QEMU ${target.machine})`
        : `${b.name} (device)`;
  const boardFile = `boards/${b.name}.json`;
  const layout = { sr: '0', isr: '1', lpuart: '2' } as const;
  const opCode = { write: 0, modify: 1, wait: 2 } as const;
  const header = renderTemplate('tp_board.h.hbs', {
    version: version(),
    target: describe,
    boardFile,
    boardName: b.name,
    emulated: target.mode === 'device' ? 0 : 1,
    boot2: needsBoot2(target),
    clockHz: target.clockHz,
    uart: {
      base: hex32(target.uart.base),
      baud: target.uart.baud,
      clockHz: target.uart.clockHz ?? target.clockHz,
      stm32Layout: target.uart.variant ? layout[target.uart.variant] : '',
      txPin: target.uart.txPin !== undefined ? String(target.uart.txPin) : '',
      rxPin: target.uart.rxPin !== undefined ? String(target.uart.rxPin) : '',
    },
    semihosting: target.semihosting ? 1 : 0,
    timerDwt: target.timer === 'dwt' ? 1 : 0,
    init: target.init.map((op) => ({
      op: opCode[op.op],
      address: hex32(op.address),
      mask: hex32(op.mask),
      value: hex32(op.value),
      why: cComment(op.why),
    })),
  });
  const linker = renderTemplate('tp_link.ld.hbs', {
    version: version(),
    target: describe,
    boardFile,
    flash: { origin: hex32(target.flash.origin), size: target.flash.size },
    ram: { origin: hex32(target.ram.origin), size: target.ram.size },
    regions: target.regions.map((r) => ({ name: r.name, upper: r.name.toUpperCase(), origin: hex32(r.origin), size: r.size })),
    stackBytes: sizes.stackBytes,
    heapBytes: sizes.heapBytes,
    boot2: needsBoot2(target),
  });
  return { header, linker };
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

/** ld's "region `RAM' overflowed by 123 bytes" lines → {region: bytes}. */
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

export function parseOverflows(stderr: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of stderr.matchAll(/region [`']([^'`]+)' overflowed by (\d+) bytes?/g)) {
    out.set(m[1]!, Math.max(out.get(m[1]!) ?? 0, Number(m[2])));
  }
  return out;
}

function firstErrorLine(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => /(error|Error|undefined reference)/.test(l));
  return line?.trim();
}

async function run(file: string, args: string[], commands: string[][], timeoutMs: number, cwd?: string) {
  commands.push([file, ...args]);
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, cwd, stdin: 'ignore', maxBuffer: 64 * 1024 * 1024 });
  if (r.timedOut) {
    throw new TinypruneError('E_TIMEOUT', `${path.basename(file)} did not finish within ${timeoutMs} ms`, {
      where: [file, ...args].join(' ').slice(0, 400),
    });
  }
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Compiles the platform layer, with a cache: every test build would otherwise recompile the
 * same seven files. The key covers the compiler, the flags and every input the files read
 * (their text, tp_board.h, tp_platform.h), so a change to any of them misses the cache.
 * Objects are written to a private directory and renamed into place (parallel builds).
 */
async function compilePlatform(
  gcc: string,
  files: string[],
  flags: string[],
  genDir: string,
  boardHeader: string,
  commands: string[][],
  timeoutMs: number,
): Promise<string[]> {
  const dir = path.join(cacheDir(), 'platform-objects');
  mkdirSync(dir, { recursive: true });
  const common = createHash('sha256')
    .update(gcc)
    .update('\0' + flags.join('\0') + '\0')
    .update(boardHeader)
    .update(readFileSync(path.join(platformDir(), 'tp_platform.h')));
  const objects = files.map((f) => {
    const key = common.copy().update(readFileSync(f)).digest('hex').slice(0, 20);
    return { src: f, obj: path.join(dir, `${path.basename(f, '.c')}-${key}.o`) };
  });
  const missing = objects.filter((o) => !existsSync(o.obj));
  if (missing.length > 0) {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    try {
      const r = await run(gcc, ['-c', ...flags, `-I${genDir}`, `-I${platformDir()}`, ...missing.map((m) => m.src)], commands, timeoutMs, tmp);
      if (r.exitCode !== 0) {
        throw new TinypruneError('E_TOOL_FAILED', `compiling the platform layer failed: ${firstErrorLine(r.stderr) ?? ''}\n${r.stderr.trim().slice(0, 4000)}`, {
          where: platformDir(),
          hint: 'the board profile may give the platform code values it cannot use (see tp_board.h in the build directory)',
        });
      }
      for (const m of missing) renameSync(path.join(tmp, `${path.basename(m.src, '.c')}.o`), m.obj);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return objects.map((o) => o.obj);
}

export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const target: Target =
    typeof opts.board === 'object' && 'mode' in opts.board ? opts.board : resolveTarget(opts.board as string | BoardProfile, { emulate: opts.emulate ?? false });
  const gcc = findTool('arm-none-eabi-gcc');
  const objcopy = findTool('arm-none-eabi-objcopy');
  const objdump = findTool('arm-none-eabi-objdump');
  const nm = findTool('arm-none-eabi-nm');
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const name = opts.name ?? 'firmware';
  const outDir = path.resolve(opts.outDir);
  const genDir = path.join(outDir, 'gen');
  mkdirSync(genDir, { recursive: true });

  const stackBytes = opts.stackBytes ?? target.stackBytes;
  const heapBytes = opts.heapBytes ?? target.heapBytes;
  const { header, linker } = renderBoardFiles(target, { stackBytes, heapBytes });
  const boardHeader = path.join(genDir, 'tp_board.h');
  const linkerScript = path.join(genDir, 'tp_link.ld');
  writeFileSync(boardHeader, header);
  writeFileSync(linkerScript, linker);

  const elf = path.join(outDir, `${name}.elf`);
  const bin = path.join(outDir, `${name}.bin`);
  const hex = path.join(outDir, `${name}.hex`);
  const map = path.join(outDir, `${name}.map`);
  const platform = opts.platform ?? true;
  const optimize = opts.optimize ?? '-O2';
  const warningFlags = ['-Wall', '-Wextra', ...(opts.warningsAsErrors === false ? [] : ['-Werror'])];
  const codeFlags = [...cpuFlags(target.board), optimize, '-std=c99', '-g', '-ffunction-sections', '-fdata-sections', '-ffp-contract=off', '-fno-common'];
  const commands: string[][] = [];
  const platformObjects = platform
    ? await compilePlatform(gcc, platformSources(target), [...codeFlags, '-Wall', '-Wextra', '-Werror'], genDir, header, commands, timeoutMs)
    : [];
  const sources = opts.sources.map((s) => path.resolve(s));
  if (needsBoot2(target)) {
    sources.push(await writeBoot2Source(target.board.boot2!.kind, genDir, { gcc, objcopy }, (file, a, cwd) => run(file, a, commands, timeoutMs, cwd)));
  }
  const includeDirs = [genDir, platformDir(), ...(opts.includeDirs ?? []).map((d) => path.resolve(d))];

  const args = [
    ...codeFlags,
    ...warningFlags,
    ...includeDirs.map((d) => `-I${d}`),
    ...defineFlags(opts.defines),
    ...(opts.extraCFlags ?? []),
    '--specs=nano.specs',
    '--specs=nosys.specs',
    '-nostartfiles',
    `-T${linkerScript}`,
    '-Wl,--gc-sections',
    `-Wl,-Map=${map}`,
    ...(opts.extraLdFlags ?? []),
    ...sources,
    ...platformObjects,
    '-lm',
    '-o',
    elf,
  ];
  const r = await run(gcc, args, commands, timeoutMs, outDir);
  if (r.exitCode !== 0) {
    const overflows = parseOverflows(r.stderr);
    if (overflows.size > 0) {
      const parts = [...overflows].map(([region, n]) => `${region} overflowed by ${n} bytes`);
      const limits = `FLASH ${target.flash.size} B, RAM ${target.ram.size} B`;
      throw new TinypruneError('E_DOES_NOT_FIT', `the firmware does not fit ${target.board.name}: ${parts.join(', ')} (limits: ${limits})`, {
        where: `${linkerScript}${target.mode === 'emulate' ? ` (${target.board.name}'s sizes, emulated on ${target.qemuBoard!.name})` : ''}`,
        hint: 'prune harder, pick a smaller format, lower stackBytes/heapBytes, or pick a board with more memory',
      });
    }
    if (/cannot read spec file|nano\.specs|nosys\.specs/.test(r.stderr)) {
      throw new TinypruneError('E_TOOL_MISSING', 'newlib for arm-none-eabi is not installed (nano.specs missing)', {
        where: gcc,
        hint: 'install it: sudo apt-get install libnewlib-arm-none-eabi',
      });
    }
    const first = firstErrorLine(r.stderr);
    throw new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-gcc failed (exit ${r.exitCode}): ${first ?? 'see below'}\n${r.stderr.trim().slice(0, 4000)}`, {
      where: first?.split(': ')[0] ?? outDir,
      hint: 'fix the C error above; the full command is in the error cause',
      cause: { command: [gcc, ...args] },
    });
  }

  for (const [fmt, file] of [
    ['binary', bin],
    ['ihex', hex],
  ] as const) {
    const c = await run(objcopy, ['-O', fmt, elf, file], commands, timeoutMs);
    if (c.exitCode !== 0) throw new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-objcopy -O ${fmt} failed: ${c.stderr.trim()}`, { where: elf });
  }

  const h = await run(objdump, ['-h', elf], commands, timeoutMs);
  if (h.exitCode !== 0) throw new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-objdump -h failed: ${h.stderr.trim()}`, { where: elf });
  const regions = [
    { name: 'FLASH', ...target.flash },
    { name: 'RAM', ...target.ram },
    ...target.regions.map((x) => ({ name: x.name.toUpperCase(), origin: x.origin, size: x.size })),
  ];
  const regionOf = (addr: number) => regions.find((x) => addr >= x.origin && addr < x.origin + x.size)?.name ?? '';
  const sections: SectionInfo[] = parseSectionHeaders(h.stdout)
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

  let markAddress: number | undefined;
  const n = await run(nm, ['-S', elf], commands, timeoutMs);
  const symbols = parseNmSizes(n.stdout);
  const mark = symbols.find((sym) => sym.name === 'tp_mark' && sym.type === 'T');
  if (mark) markAddress = mark.address & ~1;

  return {
    target,
    elf,
    bin,
    hex,
    map,
    linkerScript,
    boardHeader,
    flash,
    ram,
    limits: { flash: target.flash.size, ram: target.ram.size },
    sections,
    markAddress,
    symbols,
    warnings: [...target.warnings],
    commands,
  };
}
