/**
 * Board profiles: load and validate boards/*.json (or a user's file), list them, and resolve
 * the *target* a firmware is built for — a QEMU board, a real board, or a real board emulated
 * on the QEMU machine of the same core with the real board's memory limits.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { TinypruneError, type Warning } from '../errors.js';
import { boardsDir } from '../util/paths.js';
import { CORE_FACTS, MACHINE_FACTS, sameCoreFamily } from './cores.js';
import { checkBoardRules } from './rules.js';
import { boot2Warning } from './boot2.js';
import { boardSpec, type BoardProfile, type QemuMachine } from './schema.js';
import { closest, validate, type Issue } from './spec.js';

export type { BoardProfile, Core, Fpu, QemuMachine, UartKind } from './schema.js';
export { boardJsonSchema, boardSpec, CORES, QEMU_MACHINES, UART_KINDS } from './schema.js';
export { CORE_FACTS, MACHINE_FACTS } from './cores.js';

export interface LoadedBoard {
  board: BoardProfile;
  /** The file it came from. */
  file: string;
  warnings: Warning[];
}

/** Names of the bundled boards (boards/*.json), sorted. */
export function listBoards(dir: string = boardsDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'board.schema.json')
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function issueToError(file: string, issues: Issue[]): TinypruneError {
  const first = issues[0]!;
  const key = first.path === '' ? '(top level)' : first.path;
  const more =
    issues.length > 1
      ? `\n  also:    ${issues
          .slice(1, 6)
          .map((i) => `${i.path || '(top level)'}: ${i.message}`)
          .join('\n           ')}${issues.length > 6 ? `\n           ... and ${issues.length - 6} more` : ''}`
      : '';
  const value = first.value !== undefined ? ` (value: ${first.value})` : '';
  return new TinypruneError('E_BOARD', `board file key "${key}": ${first.message}${value}${more}`, {
    where: `${file}: ${key}`,
    ...(first.allowed ? { allowed: first.allowed } : {}),
    ...(first.hint ? { hint: first.hint } : {}),
  });
}

/**
 * Validates an already-parsed board object. `file` is used in messages and to check that
 * "name" matches the file name. Throws E_BOARD naming the file, the key, the value, what is
 * allowed and a fix.
 */
export function parseBoard(input: unknown, file: string): LoadedBoard {
  const { value, issues } = validate(boardSpec, input, '', ['$schema']);
  if (!value) throw issueToError(file, issues);
  const { errors, warnings } = checkBoardRules(value);
  const base = path.basename(file, '.json');
  if (file.endsWith('.json') && base !== value.name) {
    errors.unshift({
      path: 'name',
      message: `"name" must equal the file name without .json (${JSON.stringify(base)})`,
      value: JSON.stringify(value.name),
      hint: `rename the file to ${value.name}.json or set "name": ${JSON.stringify(base)}`,
    });
  }
  if (errors.length > 0) throw issueToError(file, errors);
  return { board: value, file, warnings: warnings.map((w) => ({ ...w, where: `${file}: ${w.where ?? ''}` })) };
}

/**
 * Loads a board by name (from boards/) or by path to a JSON file (anything containing a path
 * separator or ending in .json).
 */
export function loadBoardFile(nameOrPath: string, dir: string = boardsDir()): LoadedBoard {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || nameOrPath.endsWith('.json');
  const file = isPath ? path.resolve(nameOrPath) : path.join(dir, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    if (isPath) {
      throw new TinypruneError('E_BOARD', `board file not found: ${file}`, {
        where: file,
        hint: 'check the path, or give the name of a bundled board',
      });
    }
    const known = listBoards(dir);
    const near = closest(nameOrPath, known);
    throw new TinypruneError('E_BOARD', `unknown board ${JSON.stringify(nameOrPath)}`, {
      where: dir,
      allowed: known.join(', '),
      hint: near ? `did you mean ${JSON.stringify(near)}?` : 'or pass the path to your own board .json file',
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TinypruneError('E_FILE_READ', `cannot read board file ${file}`, { where: file, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TinypruneError('E_BOARD', `board file is not valid JSON: ${(e as Error).message}`, {
      where: file,
      hint: 'fix the JSON syntax (no comments or trailing commas)',
      cause: e,
    });
  }
  return parseBoard(json, file);
}

/** The validated profile of a board, by name or path. */
export function loadBoard(nameOrPath: string, dir?: string): BoardProfile {
  return loadBoardFile(nameOrPath, dir).board;
}

// ---- targets -------------------------------------------------------------------------------

export interface Region {
  origin: number;
  size: number;
}

/** What a firmware is built for and run on: the output of resolving a board (+ --emulate). */
export interface Target {
  mode: 'qemu' | 'emulate' | 'device';
  /** The board the user asked for (core/FPU flags come from it). */
  board: BoardProfile;
  /** The QEMU board the firmware runs on (mode qemu/emulate). */
  qemuBoard: BoardProfile | undefined;
  machine: QemuMachine | undefined;
  /** Linker-script memory: the real board's sizes, at the emulator's addresses when emulating. */
  flash: Region;
  ram: Region;
  regions: BoardProfile['regions'];
  /** Peripherals the firmware talks to: the emulator's when emulating. */
  uart: BoardProfile['uart'];
  init: BoardProfile['init'];
  clockHz: number;
  semihosting: boolean;
  timer: 'dwt' | 'systick';
  stackBytes: number;
  heapBytes: number;
  warnings: Warning[];
}

const kib = (n: number) => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);

export interface ResolveOptions {
  /** Run a real board on its emulateWith QEMU board. */
  emulate?: boolean;
  /** Directory to load emulateWith boards from (tests). */
  boardsDir?: string;
}

export function resolveTarget(boardOrName: BoardProfile | string, opts: ResolveOptions = {}): Target {
  const board = typeof boardOrName === 'string' ? loadBoard(boardOrName, opts.boardsDir) : boardOrName;
  const common = { board, stackBytes: board.stackBytes, heapBytes: board.heapBytes };
  if (board.qemu) {
    return {
      ...common,
      mode: 'qemu',
      qemuBoard: board,
      machine: board.qemu.machine,
      ...ownMemoryAndPeripherals(board),
      semihosting: board.semihosting ?? true,
      timer: 'systick',
      warnings: [],
    };
  }
  if (!opts.emulate) {
    return {
      ...common,
      mode: 'device',
      qemuBoard: undefined,
      machine: undefined,
      ...ownMemoryAndPeripherals(board),
      semihosting: board.semihosting ?? false,
      timer: CORE_FACTS[board.core].cycleCounter ? 'dwt' : 'systick',
      warnings: [boot2Warning(board)].filter((w): w is Warning => w !== undefined),
    };
  }
  const { emu, machine } = emulatorOf(board, opts);
  const warnings: Warning[] = [];
  const flash = clampToEmulator(board, emu, 'flash', warnings);
  const ram = clampToEmulator(board, emu, 'ram', warnings);
  if (board.regions.length > 0) {
    warnings.push({
      code: 'W_EMULATE_REGIONS',
      message: `${board.name}'s extra memory regions (${board.regions.map((r) => r.name).join(', ')}) do not exist on ${emu.name}; they are left out when emulating`,
      where: `board ${board.name}: regions`,
    });
  }
  return {
    ...common,
    mode: 'emulate',
    qemuBoard: emu,
    machine,
    flash,
    ram,
    regions: [],
    uart: emu.uart,
    init: emu.init,
    clockHz: emu.clockHz,
    semihosting: true,
    timer: 'systick',
    warnings,
  };
}

/** A board's own memory and peripherals, for running on the board itself (or its own QEMU machine). */
function ownMemoryAndPeripherals(board: BoardProfile): Pick<Target, 'flash' | 'ram' | 'regions' | 'uart' | 'init' | 'clockHz'> {
  return { flash: board.flash, ram: board.ram, regions: board.regions, uart: board.uart, init: board.init, clockHz: board.clockHz };
}

/** The board's emulateWith QEMU board, checked to be able to run code built for `board`. */
function emulatorOf(board: BoardProfile, opts: ResolveOptions): { emu: BoardProfile; machine: QemuMachine } {
  if (board.emulateWith === undefined) {
    throw new TinypruneError('E_BOARD', `board ${board.name} has no "emulateWith", so it cannot be emulated`, {
      where: `board ${board.name}: emulateWith`,
      hint: 'add "emulateWith": "<a QEMU board of the same core>" to the board file',
    });
  }
  const emu = loadBoard(board.emulateWith, opts.boardsDir);
  if (!emu.qemu) {
    throw new TinypruneError('E_BOARD', `"emulateWith": ${JSON.stringify(board.emulateWith)} is not a QEMU board`, {
      where: `board ${board.name}: emulateWith`,
      allowed: 'a board with a "qemu" section',
    });
  }
  if (!sameCoreFamily(emu.core, board.core)) {
    throw new TinypruneError('E_BOARD', `cannot emulate a ${board.core} on ${emu.name} (a ${emu.core})`, {
      where: `board ${board.name}: emulateWith`,
      hint: `pick a QEMU board whose core is ${board.core}`,
    });
  }
  // Code built for the real FPU must run on the emulated one: a double-precision FPU runs
  // single-precision code, not the other way round.
  const fpuRank = { none: 0, 'fpv4-sp-d16': 1, 'fpv5-sp-d16': 1, 'fpv5-d16': 2 } as const;
  if (fpuRank[board.fpu] > fpuRank[emu.fpu] || (board.mve !== 'none' && emu.mve === 'none')) {
    throw new TinypruneError('E_BOARD', `${emu.name} lacks ${board.name}'s FPU/MVE (${board.fpu}, mve ${board.mve})`, {
      where: `board ${board.name}: emulateWith`,
    });
  }
  return { emu, machine: emu.qemu.machine };
}

/** The real board's memory size at the emulator's address, no larger than the emulator has (with a warning when clamped). */
function clampToEmulator(board: BoardProfile, emu: BoardProfile, what: 'flash' | 'ram', warnings: Warning[]): Region {
  const real = board[what];
  const emuR = emu[what];
  if (real.size > emuR.size) {
    warnings.push({
      code: 'W_EMULATE_CLAMPED',
      message: `${board.name} has ${kib(real.size)} of ${what}, more than ${emu.name} (${emu.qemu!.machine}) emulates: the linker script allows only ${kib(emuR.size)}, so a firmware that fits the emulator is proven to fit the board but not the other way round`,
      where: `board ${board.name}: ${what}.size`,
    });
    return { origin: emuR.origin, size: emuR.size };
  }
  return { origin: emuR.origin, size: real.size };
}

/** The QEMU machine facts for a target (undefined on a device). */
export function machineOf(t: Target) {
  return t.machine === undefined ? undefined : MACHINE_FACTS[t.machine];
}

export { flasherCommand, FLASH_PLACEHOLDERS, type FlashCommand, type FlashFiles, type Flasher } from './flashers.js';
