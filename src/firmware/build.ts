/**
 * Firmware build: C sources + the platform layer + a linker script generated from the board
 * profile → ELF/BIN/HEX with flash and RAM use measured from the link itself.
 *
 * Flags (FIRMWARE.md): per-core -mcpu/-mfpu/-mfloat-abi; -ffunction-sections -fdata-sections
 * with --gc-sections so unused kernels cost nothing; -flto (LTO_FLAGS); -ffp-contract=off so float results match
 * a sequential host reference bit for bit; newlib-nano. Not -ffreestanding: it turned small
 * memcpy reads in int8 kernels into calls (5x slower).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CORE_FACTS, resolveTarget, type BoardProfile, type Target } from '../boards/index.js';
import { TinypruneError, type Warning } from '../errors.js';
import { runCommand } from '../util/process.js';
import { makeTempDir } from '../util/tempdir.js';
import { renderBoardFiles } from './board-files.js';
import { writeBoot2Source } from './boot2.js';
import { markAddressIn, memoryUse, parseNmSizes, parseOverflows, type ElfSymbol, type FlashUse, type RamUse, type SectionInfo } from './elf.js';
import { cpuFlags, defineFlags, needsBoot2, platformSources } from './flags.js';
import { cacheDir, platformDir } from './paths.js';
import { findTool } from './toolchain.js';

// The parts of a build that live in files of their own, still reachable from here.
export { renderBoardFiles } from './board-files.js';
export { markAddressIn, parseNmSizes, parseOverflows, parseSectionHeaders, type ElfSymbol, type FlashUse, type RamUse, type SectionInfo } from './elf.js';
export { cpuFlags, needsBoot2, platformSources } from './flags.js';

/**
 * Link-time optimisation (issue #14, flash). A kernel a model calls once is inlined into
 * tp_model_invoke with its constant parameter struct, so the paths that layer never takes are
 * folded away; kernels called many times get one clone with the arguments every call shares
 * folded in. Measured on mps2-an386: micro_speech 11,592 -> 6,636 B of code, kws 17,864 ->
 * 14,828 B, with fewer instructions per inference on all four bench models.
 * -Wno-aggressive-loop-optimizations: with the constants folded in, gcc warns about loop
 * iterations of tail loops that the same constants make unreachable (e.g. the 1-output tail of
 * the dsp FC for 12 outputs); the warning is about code that never runs.
 * Only on cores with the DSP extension: on Cortex-M0/M0+/M3 the plain C loops, specialised per
 * layer shape, stop following the cost model's linear features (dense CONV_2D 31% off on the
 * micro:bit), and the solver there relies on those predictions.
 */
const LTO_FLAGS = ['-flto', '-Wno-aggressive-loop-optimizations'];
const ltoFlags = (board: BoardProfile): string[] => (CORE_FACTS[board.core].dsp === 'never' ? [] : LTO_FLAGS);

/**
 * The platform layer (startup, fault report, UART, semihosting, timer) runs outside the
 * measured inference, so it is compiled for size: -Os, and no loop turned into a library call
 * (gcc made the startup's .data/.bss loops memcpy/memset and the semihosting string loop
 * strlen, 690 bytes of newlib for a few loops). 840 bytes less flash on every build.
 */
const PLATFORM_FLAGS = ['-Os', '-fno-tree-loop-distribute-patterns'];

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
  /**
   * Warnings of this compile beyond the target's own: those (e.g. W_BOOT2_UNTESTED,
   * W_EMULATE_CLAMPED) are in `target.warnings` and reported once from there, not copied here
   * (a build that collected both printed them twice).
   */
  warnings: Warning[];
  /** The commands run, for reproducing a build by hand. */
  commands: string[][];
}

function firstErrorLine(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => /(error|Error|undefined reference)/.test(l));
  return line?.trim();
}

/** Runs one tool of the build (recorded in `commands`); what the steps below call. */
type Exec = (file: string, args: string[], cwd?: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

async function run(file: string, args: string[], commands: string[][], timeoutMs: number, cwd?: string) {
  commands.push([file, ...args]);
  // Its own process group, killed whole on a timeout or an interrupt (gcc's cc1/as/ld too),
  // and its own TMPDIR, so the temporary files of a killed gcc go too.
  const r = await runCommand([file, ...args], { timeoutMs, privateTmp: true, ...(cwd !== undefined ? { cwd } : {}) });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
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
  exec: Exec,
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
    const tmp = makeTempDir('tmp-', dir);
    try {
      const r = await exec(gcc, ['-c', ...flags, `-I${genDir}`, `-I${platformDir()}`, ...missing.map((m) => m.src)], tmp.path);
      if (r.exitCode !== 0) {
        throw new TinypruneError('E_TOOL_FAILED', `compiling the platform layer failed: ${firstErrorLine(r.stderr) ?? ''}\n${r.stderr.trim().slice(0, 4000)}`, {
          where: platformDir(),
          hint: 'the board profile may give the platform code values it cannot use (see tp_board.h in the build directory)',
        });
      }
      for (const m of missing) renameSync(path.join(tmp.path, `${path.basename(m.src, '.c')}.o`), m.obj);
    } finally {
      tmp.remove();
    }
  }
  return objects.map((o) => o.obj);
}

/** The target of a build: given, or resolved from a board name or profile. */
function buildTarget(opts: BuildOptions): Target {
  return typeof opts.board === 'object' && 'mode' in opts.board ? opts.board : resolveTarget(opts.board as string | BoardProfile, { emulate: opts.emulate ?? false });
}

interface Tools {
  gcc: string;
  objcopy: string;
  objdump: string;
  nm: string;
}

function findTools(): Tools {
  const gcc = findTool('arm-none-eabi-gcc');
  const objcopy = findTool('arm-none-eabi-objcopy');
  const objdump = findTool('arm-none-eabi-objdump');
  const nm = findTool('arm-none-eabi-nm');
  return { gcc, objcopy, objdump, nm };
}

/** Where a build's files go: <outDir>/<name>.{elf,bin,hex,map}, generated sources in <outDir>/gen. */
interface OutputFiles {
  outDir: string;
  genDir: string;
  elf: string;
  bin: string;
  hex: string;
  map: string;
}

function outputFiles(outDir: string, name: string): OutputFiles {
  const ext = (e: string) => path.join(outDir, `${name}.${e}`);
  return { outDir, genDir: path.join(outDir, 'gen'), elf: ext('elf'), bin: ext('bin'), hex: ext('hex'), map: ext('map') };
}

/** Writes tp_board.h and tp_link.ld into the gen directory. */
function writeBoardFiles(target: Target, opts: BuildOptions, genDir: string): { header: string; boardHeader: string; linkerScript: string } {
  const stackBytes = opts.stackBytes ?? target.stackBytes;
  const heapBytes = opts.heapBytes ?? target.heapBytes;
  const { header, linker } = renderBoardFiles(target, { stackBytes, heapBytes });
  const boardHeader = path.join(genDir, 'tp_board.h');
  const linkerScript = path.join(genDir, 'tp_link.ld');
  writeFileSync(boardHeader, header);
  writeFileSync(linkerScript, linker);
  return { header, boardHeader, linkerScript };
}

/** The one gcc command that compiles the sources and links them with the platform objects. */
/** The compiler flags of every translation unit of the firmware (codegen, warnings, includes, defines). */
function compileFlags(opts: BuildOptions, p: { codeFlags: string[]; files: OutputFiles }): string[] {
  const { outDir, genDir } = p.files;
  const warningFlags = ['-Wall', '-Wextra', ...(opts.warningsAsErrors === false ? [] : ['-Werror'])];
  const includeDirs = [genDir, platformDir(), ...(opts.includeDirs ?? []).map((d) => path.resolve(d))];
  return [
    ...p.codeFlags,
    // Debug info names the build directory; a build made in staging and published by rename
    // must not carry the staging path (byte-identical firmware from identical inputs).
    `-ffile-prefix-map=${outDir}=.`,
    ...warningFlags,
    ...includeDirs.map((d) => `-I${d}`),
    ...defineFlags(opts.defines),
    ...(opts.extraCFlags ?? []),
  ];
}

function linkArgs(opts: BuildOptions, p: { codeFlags: string[]; files: OutputFiles; linkerScript: string; sources: string[]; platformObjects: string[] }): string[] {
  const { map, elf } = p.files;
  return [
    ...compileFlags(opts, p),
    '--specs=nano.specs',
    '--specs=nosys.specs',
    '-nostartfiles',
    `-T${p.linkerScript}`,
    '-Wl,--gc-sections',
    `-Wl,-Map=${map}`,
    ...(opts.extraLdFlags ?? []),
    ...p.sources,
    ...p.platformObjects,
    '-lm',
    '-o',
    elf,
  ];
}

/** Why gcc failed: the firmware does not fit, newlib is missing, or the C does not compile. */
function linkError(r: { exitCode: number; stderr: string }, p: { target: Target; linkerScript: string; gcc: string; args: string[]; outDir: string }): TinypruneError {
  const { target } = p;
  const overflows = parseOverflows(r.stderr);
  if (overflows.size > 0) {
    const parts = [...overflows].map(([region, n]) => `${region} overflowed by ${n} bytes`);
    const limits = `FLASH ${target.flash.size} B, RAM ${target.ram.size} B`;
    const overflow = [...overflows].flatMap(([region, bytes]) => (region === 'FLASH' || region === 'RAM' ? [{ region: region as 'FLASH' | 'RAM', bytes }] : []));
    return new TinypruneError('E_DOES_NOT_FIT', `the firmware does not fit ${target.board.name}: ${parts.join(', ')} (limits: ${limits})`, {
      data: { overflow },
      where: `${p.linkerScript}${target.mode === 'emulate' ? ` (${target.board.name}'s sizes, emulated on ${target.qemuBoard!.name})` : ''}`,
      hint: 'prune harder, pick a smaller format, lower stackBytes/heapBytes, or pick a board with more memory',
    });
  }
  if (/cannot read spec file|nano\.specs|nosys\.specs/.test(r.stderr)) {
    return new TinypruneError('E_TOOL_MISSING', 'newlib for arm-none-eabi is not installed (nano.specs missing)', {
      where: p.gcc,
      hint: 'install it: sudo apt-get install libnewlib-arm-none-eabi',
    });
  }
  const first = firstErrorLine(r.stderr);
  return new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-gcc failed (exit ${r.exitCode}): ${first ?? 'see below'}\n${r.stderr.trim().slice(0, 4000)}`, {
    where: first?.split(': ')[0] ?? p.outDir,
    hint: 'fix the C error above; the full command is in the error cause',
    cause: { command: [p.gcc, ...p.args] },
  });
}

/** The .bin and .hex images of the ELF. */
async function writeImages(exec: Exec, objcopy: string, files: OutputFiles): Promise<void> {
  const { elf } = files;
  for (const [fmt, file] of [
    ['binary', files.bin],
    ['ihex', files.hex],
  ] as const) {
    const c = await exec(objcopy, ['-O', fmt, elf, file]);
    if (c.exitCode !== 0) throw new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-objcopy -O ${fmt} failed: ${c.stderr.trim()}`, { where: elf });
  }
}

/** Sections, flash and RAM use as linked (objdump -h). */
async function readMemoryUse(exec: Exec, objdump: string, elf: string, target: Target): Promise<ReturnType<typeof memoryUse>> {
  const h = await exec(objdump, ['-h', elf]);
  if (h.exitCode !== 0) throw new TinypruneError('E_TOOL_FAILED', `arm-none-eabi-objdump -h failed: ${h.stderr.trim()}`, { where: elf });
  return memoryUse(h.stdout, target);
}

/** App sources compiled to objects without LTO (see buildFirmware). */
async function compileApps(gcc: string, apps: string[], flags: string[], objDir: string, cwd: string, exec: Exec): Promise<string[]> {
  const objects: string[] = [];
  for (const src of apps) {
    // cwd = the output directory, which -ffile-prefix-map maps to '.': the same debug info
    // (and firmware bytes) wherever the build runs.
    const obj = path.join(objDir, `${path.basename(src, '.c')}.app.o`);
    const r = await exec(gcc, ['-c', ...flags.filter((f) => f !== '-flto'), '-fno-lto', src, '-o', obj], cwd);
    if (r.exitCode !== 0) {
      throw new TinypruneError('E_TOOL_FAILED', `compiling ${path.basename(src)} failed: ${firstErrorLine(r.stderr) ?? ''}\n${r.stderr.trim().slice(0, 4000)}`, { where: src });
    }
    objects.push(obj);
  }
  return objects;
}

export async function buildFirmware(opts: BuildOptions): Promise<BuildResult> {
  const target = buildTarget(opts);
  const tools = findTools();
  const { gcc, objcopy } = tools;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const files = outputFiles(path.resolve(opts.outDir), opts.name ?? 'firmware');
  const { outDir, genDir, elf } = files;
  mkdirSync(genDir, { recursive: true });
  const { header, boardHeader, linkerScript } = writeBoardFiles(target, opts, genDir);

  const codeFlags = [
    ...cpuFlags(target.board),
    opts.optimize ?? '-O2',
    '-std=c99',
    '-g',
    '-ffunction-sections',
    '-fdata-sections',
    '-ffp-contract=off',
    '-fno-common',
    ...ltoFlags(target.board),
  ];
  const commands: string[][] = [];
  const exec: Exec = (file, args, cwd) => run(file, args, commands, timeoutMs, cwd);
  const platformObjects = (opts.platform ?? true) ? await compilePlatform(gcc, platformSources(target), [...codeFlags, ...PLATFORM_FLAGS, '-Wall', '-Wextra', '-Werror'], genDir, header, exec) : [];
  const sources = opts.sources.map((s) => path.resolve(s));
  if (needsBoot2(target)) sources.push(await writeBoot2Source(target.board.boot2!.kind, genDir, { gcc, objcopy }, exec));

  // The app (firmware/app: run, bench) stays out of LTO, so the model and kernels compile
  // to the same code whichever app measures them (bench over a serial port = run's counts).
  const appDir = path.join(platformDir(), '..', 'app') + path.sep;
  // Its objects are removed once linked: the output directory holds only what a build
  // publishes (an earlier build's directory is recognised by its files).
  const appObjects = await compileApps(gcc, sources.filter((s) => s.startsWith(appDir)), compileFlags(opts, { codeFlags, files }), outDir, outDir, exec);
  const linked = [...sources.filter((s) => !s.startsWith(appDir)), ...appObjects];
  const args = linkArgs(opts, { codeFlags, files, linkerScript, sources: linked, platformObjects });
  const r = await exec(gcc, args, outDir).finally(() => {
    for (const o of appObjects) rmSync(o, { force: true });
  });
  if (r.exitCode !== 0) throw linkError(r, { target, linkerScript, gcc, args, outDir });
  await writeImages(exec, objcopy, files);
  const { sections, flash, ram } = await readMemoryUse(exec, tools.objdump, elf, target);
  const symbols = parseNmSizes((await exec(tools.nm, ['-S', elf])).stdout);

  return {
    target,
    elf,
    bin: files.bin,
    hex: files.hex,
    map: files.map,
    linkerScript,
    boardHeader,
    flash,
    ram,
    limits: { flash: target.flash.size, ram: target.ram.size },
    sections,
    markAddress: markAddressIn(symbols),
    symbols,
    warnings: [],
    commands,
  };
}
