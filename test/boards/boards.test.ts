import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import {
  boardJsonSchema,
  flasherCommand,
  listBoards,
  loadBoard,
  loadBoardFile,
  parseBoard,
  QEMU_MACHINES,
  resolveTarget,
  type BoardProfile,
} from '../../src/boards/index.js';
import { TinypruneError } from '../../src/errors.js';
import { boardsDir } from '../../src/firmware/paths.js';

const QEMU_BOARDS = [...QEMU_MACHINES];
const REAL_BOARDS = [
  'nucleo-f446re',
  'nucleo-l476rg',
  'nucleo-l4r5zi',
  'nucleo-h743zi2',
  'disco-f746ng',
  'nucleo-u575zi-q',
  'arduino-nano-33-ble',
  'rpi-pico',
  'nrf52840-dk',
];

function catchError(fn: () => unknown): TinypruneError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('expected a TinypruneError');
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinyprune-boards-'));
const base = JSON.parse(readFileSync(path.join(boardsDir(), 'mps2-an386.json'), 'utf8')) as Record<string, unknown>;

/** Writes a variant of mps2-an386.json as <name>.json and loads it. */
function loadVariant(name: string, edit: (b: Record<string, any>) => void): TinypruneError {
  const b = structuredClone(base) as Record<string, any>;
  b['name'] = name;
  edit(b);
  const file = path.join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(b, null, 2));
  return catchError(() => loadBoardFile(file));
}

describe('board schema', () => {
  test('boards/board.schema.json is generated from src/boards/schema.ts', () => {
    const file = path.join(boardsDir(), 'board.schema.json');
    const generated = JSON.stringify(boardJsonSchema(), null, 2) + '\n';
    if (process.env['TP_UPDATE_SCHEMA'] === '1') writeFileSync(file, generated);
    // Regenerate with: TP_UPDATE_SCHEMA=1 npx vitest run test/boards
    expect(readFileSync(file, 'utf8')).toBe(generated);
  });

  test('the JSON schema describes every key with a type and a description', () => {
    const schema = boardJsonSchema() as { properties: Record<string, { description?: string }>; required: string[] };
    for (const [key, prop] of Object.entries(schema.properties)) expect(prop.description, key).toBeTruthy();
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'core', 'clockHz', 'flash', 'ram', 'uart']));
    expect(schema.required).not.toContain('fpu'); // has a default
    expect(schema.required).not.toContain('reservedBytes'); // all keys defaulted
  });
});

describe('bundled boards', () => {
  test('the 8 QEMU machines and the 9 real boards are there', () => {
    expect(listBoards()).toEqual([...QEMU_BOARDS, ...REAL_BOARDS].sort());
  });

  test.each([...QEMU_BOARDS, ...REAL_BOARDS])('%s validates', (name) => {
    const { board, warnings } = loadBoardFile(name);
    expect(board.name).toBe(name);
    expect(warnings).toEqual([]);
  });

  test.each(QEMU_BOARDS)('%s is a QEMU board of its machine', (name) => {
    const b = loadBoard(name);
    expect(b.qemu?.machine).toBe(name);
    expect(b.semihosting).toBeUndefined(); // defaults to on under QEMU
  });

  test('real boards: memory, clocks and USB ids', () => {
    const facts: Record<string, [flash: number, ram: number, vidpid: string, emulateWith: string]> = {
      'nucleo-f446re': [512 * 1024, 128 * 1024, '0483:374b', 'mps2-an386'],
      'nucleo-l476rg': [1024 * 1024, 96 * 1024, '0483:374b', 'mps2-an386'],
      'nucleo-l4r5zi': [2048 * 1024, 640 * 1024, '0483:374b', 'mps2-an386'],
      'nucleo-h743zi2': [2048 * 1024, 512 * 1024, '0483:374e', 'mps2-an500'],
      'disco-f746ng': [1024 * 1024, 320 * 1024, '0483:374b', 'mps2-an500'],
      'nucleo-u575zi-q': [2048 * 1024, 768 * 1024, '0483:374e', 'mps2-an505'],
      'arduino-nano-33-ble': [960 * 1024, 256 * 1024, '2341:805a', 'mps2-an386'],
      'rpi-pico': [2048 * 1024, 264 * 1024, '2e8a:000a', 'microbit'],
      'nrf52840-dk': [1024 * 1024, 256 * 1024, '1366:1015', 'mps2-an386'],
    };
    for (const [name, [flash, ram, vidpid, emu]] of Object.entries(facts)) {
      const b = loadBoard(name);
      expect(b.flash.size, name).toBe(flash);
      expect(b.ram.size, name).toBe(ram);
      expect(`${b.serial?.usbVid}:${b.serial?.usbPid}`, name).toBe(vidpid);
      expect(b.emulateWith, name).toBe(emu);
      expect(b.flashers.length, name).toBeGreaterThan(0);
      expect(b.qemu).toBeUndefined();
    }
    expect(loadBoard('nucleo-f446re').flash.origin).toBe(0x08000000);
    expect(loadBoard('arduino-nano-33-ble').flash.origin).toBe(0x10000); // after the bootloader
    expect(loadBoard('rpi-pico').core).toBe('cortex-m0plus');
  });

  test('every flasher uses only known placeholders', () => {
    const files = { elf: 'a.elf', bin: 'a.bin', hex: 'a.hex', uf2: 'a.uf2', port: '/dev/ttyACM0', drive: '/media/X' };
    for (const name of REAL_BOARDS) {
      const b = loadBoard(name);
      for (const f of b.flashers) expect(flasherCommand(b, f, files).args.join(' ')).not.toMatch(/[{}]/);
    }
  });

  test('a board can be loaded by path', () => {
    const file = path.join(tmp, 'my-board.json');
    writeFileSync(file, JSON.stringify({ ...base, name: 'my-board' }));
    expect(loadBoard(file).name).toBe('my-board');
  });
});

describe('bad board files give one clear error naming key and value', () => {
  test('unknown board name lists the known ones and the closest', () => {
    const e = catchError(() => loadBoard('nucleo-f446'));
    expect(e.code).toBe('E_BOARD');
    expect(e.message).toContain('"nucleo-f446"');
    expect(e.allowed).toContain('nucleo-f446re');
    expect(e.allowed).toContain('mps2-an385');
    expect(e.hint).toBe('did you mean "nucleo-f446re"?');
  });

  test('misspelt key', () => {
    const e = loadVariant('typo-key', (b) => {
      b['clockHZ'] = b['clockHz'];
      delete b['clockHz'];
    });
    expect(e.code).toBe('E_BOARD');
    expect(e.where).toContain('typo-key.json');
    expect(e.message).toContain('clockHZ');
    expect(e.hint).toBe('did you mean "clockHz"?');
  });

  test('value not in the enum', () => {
    const e = loadVariant('bad-core', (b) => {
      b['core'] = 'cortex-m4f';
    });
    expect(e.message).toContain('board file key "core"');
    expect(e.message).toContain('"cortex-m4f"');
    expect(e.allowed).toContain('"cortex-m4"');
    expect(e.allowed).toContain('"cortex-m55"');
    expect(e.hint).toBe('did you mean "cortex-m4"?');
    expect(e.format()).toMatch(/error\[E_BOARD\].*\n  where: .*bad-core\.json: core\n  allowed: .*\n  fix: +did you mean/);
  });

  test('size written with a unit gcc does not know', () => {
    const e = loadVariant('bad-size', (b) => {
      b['ram'] = { origin: '0x20000000', size: '128KB' };
    });
    expect(e.message).toContain('ram.size');
    expect(e.message).toContain('"128KB"');
    expect(e.hint).toBe('write "128K"');
  });

  test('missing required key', () => {
    const e = loadVariant('no-uart', (b) => {
      delete b['uart'];
    });
    expect(e.message).toContain('missing required key "uart"');
  });

  test('nested bad value', () => {
    const e = loadVariant('bad-uart', (b) => {
      b['uart'] = { kind: 'cmsdk', base: -4 };
    });
    expect(e.where).toMatch(/bad-uart\.json: uart\.base$/);
    expect(e.message).toContain('-4');
  });

  test('an FPU the core does not have', () => {
    const e = loadVariant('bad-fpu', (b) => {
      b['fpu'] = 'fpv5-d16';
    });
    expect(e.message).toContain('cortex-m4 has no fpv5-d16 FPU');
    expect(e.allowed).toBe('"none", "fpv4-sp-d16"');
  });

  test('a UART the QEMU machine does not emulate', () => {
    const e = loadVariant('bad-uart-kind', (b) => {
      b['uart'] = { kind: 'pl011', base: '0x40004000' };
    });
    expect(e.message).toContain('has a cmsdk UART');
  });

  test('overlapping regions', () => {
    const e = loadVariant('overlap', (b) => {
      b['ram'] = { origin: '0x00100000', size: '1M' };
    });
    expect(e.message).toMatch(/overlaps flash/);
  });

  test('name must match the file name', () => {
    const file = path.join(tmp, 'other-name.json');
    writeFileSync(file, JSON.stringify(base));
    const e = catchError(() => loadBoardFile(file));
    expect(e.message).toContain('"name" must equal the file name');
    expect(e.hint).toContain('"name": "other-name"');
  });

  test('not JSON', () => {
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, '{ "name": "broken", }');
    const e = catchError(() => loadBoardFile(file));
    expect(e.code).toBe('E_BOARD');
    expect(e.message).toContain('not valid JSON');
  });

  test('every problem is listed, the first in full', () => {
    const e = catchError(() => parseBoard({ name: 'X', core: 'm4' }, 'inline'));
    expect(e.message).toContain('board file key "name"');
    expect(e.message).toContain('also:');
    expect(e.message).toContain('core');
  });
});

describe('targets', () => {
  test('a QEMU board runs on its machine with its own memory', () => {
    const t = resolveTarget('mps2-an505');
    expect(t.mode).toBe('qemu');
    expect(t.machine).toBe('mps2-an505');
    expect(t.flash).toEqual({ origin: 0x10000000, size: 4 * 1024 * 1024 });
    expect(t.semihosting).toBe(true);
    expect(t.timer).toBe('systick');
  });

  test('a real board on the device: its own addresses, DWT cycle counter, no semihosting', () => {
    const t = resolveTarget('nucleo-h743zi2');
    expect(t.mode).toBe('device');
    expect(t.machine).toBeUndefined();
    expect(t.flash.origin).toBe(0x08000000);
    expect(t.ram.origin).toBe(0x24000000);
    expect(t.timer).toBe('dwt');
    expect(t.semihosting).toBe(false);
    expect(resolveTarget('rpi-pico').timer).toBe('systick'); // M0+ has no CYCCNT
  });

  test('--emulate: the QEMU machine of the same core, with the real board sizes', () => {
    const t = resolveTarget('nucleo-f446re', { emulate: true });
    expect(t.mode).toBe('emulate');
    expect(t.machine).toBe('mps2-an386');
    expect(t.flash).toEqual({ origin: 0, size: 512 * 1024 });
    expect(t.ram).toEqual({ origin: 0x20000000, size: 128 * 1024 });
    expect(t.uart.kind).toBe('cmsdk');
    expect(t.init).toEqual([]); // the real board's register writes would hit nothing in QEMU
    expect(t.warnings).toEqual([]);
  });

  test('--emulate clamps to the emulator memory and says so', () => {
    const t = resolveTarget('rpi-pico', { emulate: true });
    expect(t.machine).toBe('microbit');
    expect(t.flash.size).toBe(256 * 1024);
    expect(t.ram.size).toBe(16 * 1024);
    expect(t.warnings.map((w) => w.code)).toEqual(['W_EMULATE_CLAMPED', 'W_EMULATE_CLAMPED']);
    expect(t.warnings[1]!.message).toContain('264 KiB of ram');
  });

  test('--emulate drops extra regions with a warning', () => {
    const t = resolveTarget('nucleo-h743zi2', { emulate: true });
    expect(t.machine).toBe('mps2-an500');
    expect(t.regions).toEqual([]);
    expect(t.warnings.map((w) => w.code)).toEqual(['W_EMULATE_REGIONS']);
  });

  test('a board without emulateWith cannot be emulated', () => {
    const b: BoardProfile = { ...loadBoard('nucleo-f446re') };
    delete b.emulateWith;
    const e = catchError(() => resolveTarget(b, { emulate: true }));
    expect(e.code).toBe('E_BOARD');
    expect(e.hint).toContain('emulateWith');
  });
});
