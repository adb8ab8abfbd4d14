/** Pure parts of the firmware build: flags, generated files, parsers. No toolchain needed. */
import { afterEach, describe, expect, test, vi } from 'vitest';

import { flasherCommand, loadBoard, QEMU_MACHINES, resolveTarget } from '../../src/boards/index.js';
import { TinypruneError } from '../../src/errors.js';
import { buildFirmware, cpuFlags, markAddressIn, parseNmSizes, parseOverflows, parseSectionHeaders, renderBoardFiles } from '../../src/firmware/build.js';
import { runQemu } from '../../src/firmware/qemu.js';
import { findTool } from '../../src/firmware/toolchain.js';

describe('cpuFlags', () => {
  test('the QEMU machines get the flags measured in FIRMWARE.md', () => {
    const flags = Object.fromEntries(QEMU_MACHINES.map((m) => [m, cpuFlags(loadBoard(m)).join(' ')]));
    expect(flags).toEqual({
      'mps2-an385': '-mthumb -mcpu=cortex-m3 -mfloat-abi=soft',
      'mps2-an386': '-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard',
      'mps2-an500': '-mthumb -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard',
      'mps2-an505': '-mthumb -mcpu=cortex-m33 -mfpu=fpv5-sp-d16 -mfloat-abi=hard',
      'mps3-an547': '-mthumb -mcpu=cortex-m55 -mfloat-abi=hard',
      lm3s6965evb: '-mthumb -mcpu=cortex-m3 -mfloat-abi=soft',
      microbit: '-mthumb -mcpu=cortex-m0 -mfloat-abi=soft',
      netduinoplus2: '-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard',
    });
  });

  test('optional extensions are switched off with +no...', () => {
    const m55 = loadBoard('mps3-an547');
    expect(cpuFlags({ ...m55, mve: 'int' })).toContain('-mcpu=cortex-m55+nomve.fp');
    expect(cpuFlags({ ...m55, mve: 'none' })).toContain('-mcpu=cortex-m55+nomve');
    expect(cpuFlags({ ...m55, fpu: 'none', mve: 'none' })).toEqual(['-mthumb', '-mcpu=cortex-m55+nofp+nomve', '-mfloat-abi=soft']);
    const m33 = loadBoard('mps2-an505');
    expect(cpuFlags({ ...m33, dsp: false, fpu: 'none' })).toEqual(['-mthumb', '-mcpu=cortex-m33+nodsp+nofp', '-mfloat-abi=soft']);
    expect(cpuFlags(loadBoard('rpi-pico'))).toEqual(['-mthumb', '-mcpu=cortex-m0plus', '-mfloat-abi=soft']);
    expect(cpuFlags(loadBoard('disco-f746ng'))).toContain('-mfpu=fpv5-sp-d16');
  });
});

describe('generated linker script and board header', () => {
  test('emulated nucleo-f446re: the emulator addresses, the board sizes', () => {
    const { linker, header } = renderBoardFiles(resolveTarget('nucleo-f446re', { emulate: true }), { stackBytes: 4096, heapBytes: 2048 });
    expect(linker).toContain('FLASH (rx)  : ORIGIN = 0x00000000, LENGTH = 524288');
    expect(linker).toContain('RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 131072');
    expect(linker).toContain('__stack_size = 4096;');
    expect(linker).toContain('emulated on mps2-an386');
    expect(linker).not.toMatch(/&amp;|undefined|\[object/);
    expect(header).toContain('#define TP_UART_BASE 0x40004000u');
    expect(header).toContain('#define TP_SEMIHOSTING 1');
    expect(header).toContain('#define TP_BOARD_INIT_COUNT 0');
  });

  test('nucleo-f446re on the device: its own UART, init writes, DWT, no semihosting', () => {
    const { linker, header } = renderBoardFiles(resolveTarget('nucleo-f446re'), { stackBytes: 4096, heapBytes: 0 });
    expect(linker).toContain('ORIGIN = 0x08000000, LENGTH = 524288');
    expect(header).toContain('#define TP_UART_BASE 0x40004400u');
    expect(header).toContain('#define TP_UART_STM32_LAYOUT 0');
    expect(header).toContain('#define TP_UART_CLOCK_HZ 16000000u');
    expect(header).toContain('#define TP_SEMIHOSTING 0');
    expect(header).toContain('#define TP_TIMER_DWT 1');
    expect(header).toContain('#define TP_BOARD_INIT_COUNT 4');
    expect(header).toContain('{ 1u, 0x40023830u, 0x00000001u, 0x00000001u }, /* RCC_AHB1ENR: GPIOA clock on */ \\');
  });

  test('extra regions become MEMORY regions and NOLOAD sections', () => {
    const { linker } = renderBoardFiles(resolveTarget('nucleo-h743zi2'), { stackBytes: 4096, heapBytes: 0 });
    expect(linker).toContain('DTCM (rwx) : ORIGIN = 0x20000000, LENGTH = 131072');
    expect(linker).toMatch(/\.dtcm \(NOLOAD\) : ALIGN\(4\)\n  \{\n    \*\(\.dtcm \.dtcm\.\*\)\n  \} > DTCM/);
  });

  test('nRF pins and the micro:bit UART', () => {
    const { header } = renderBoardFiles(resolveTarget('arduino-nano-33-ble'), { stackBytes: 4096, heapBytes: 0 });
    expect(header).toContain('#define TP_UART_TX_PIN 35u');
    expect(header).toContain('#define TP_UART_RX_PIN 42u');
    expect(header).not.toContain('TP_UART_STM32_LAYOUT');
  });
});

describe('parsers', () => {
  test('ld overflow messages', () => {
    const stderr = [
      "/usr/bin/arm-none-eabi-ld: firmware.elf section `.bss' will not fit in region `RAM'",
      "/usr/bin/arm-none-eabi-ld: region `RAM' overflowed by 1048960 bytes",
      "/usr/bin/arm-none-eabi-ld: region `FLASH' overflowed by 12 bytes",
      'collect2: error: ld returned 1 exit status',
    ].join('\n');
    expect([...parseOverflows(stderr)]).toEqual([
      ['RAM', 1048960],
      ['FLASH', 12],
    ]);
    expect(parseOverflows('all good').size).toBe(0);
  });

  test('nm -S and tp_mark: the one lookup buildFirmware and markAddressOf share (Thumb bit cleared, text symbols only)', () => {
    const symbols = parseNmSizes(['00000141 00000002 T tp_mark', '20000010 00000004 B tp_mark_count', '00000200 00000010 t helper', '00000300 U undefined_sym'].join('\n'));
    expect(symbols.map((s) => s.name)).toEqual(['tp_mark', 'tp_mark_count', 'helper']);
    expect(markAddressIn(symbols)).toBe(0x140);
    expect(markAddressIn(symbols.filter((s) => s.name !== 'tp_mark'))).toBeUndefined();
    expect(markAddressIn([{ address: 0x141, size: 2, type: 'B', name: 'tp_mark' }])).toBeUndefined();
  });

  test('objdump -h', () => {
    const text = `
firmware.elf:     file format elf32-littlearm

Sections:
Idx Name          Size      VMA       LMA       File off  Algn
  0 .isr_vector   00000140  00000000  00000000  00010000  2**9
                  CONTENTS, ALLOC, LOAD, READONLY, DATA
  1 .text         00000a1c  00000140  00000140  00010140  2**2
                  CONTENTS, ALLOC, LOAD, READONLY, CODE
  5 .data         00000004  20001000  00000c10  00021000  2**2
                  CONTENTS, ALLOC, LOAD, DATA
  6 .bss          00000010  20001004  00000c14  00021004  2**2
                  ALLOC
  9 .debug_info   00001234  00000000  00000000  00021004  2**0
                  CONTENTS, READONLY, DEBUGGING, OCTETS
`;
    expect(parseSectionHeaders(text)).toEqual([
      { name: '.isr_vector', size: 0x140, vma: 0, lma: 0, flags: ['CONTENTS', 'ALLOC', 'LOAD', 'READONLY', 'DATA'] },
      { name: '.text', size: 0xa1c, vma: 0x140, lma: 0x140, flags: ['CONTENTS', 'ALLOC', 'LOAD', 'READONLY', 'CODE'] },
      { name: '.data', size: 4, vma: 0x20001000, lma: 0xc10, flags: ['CONTENTS', 'ALLOC', 'LOAD', 'DATA'] },
      { name: '.bss', size: 16, vma: 0x20001004, lma: 0xc14, flags: ['ALLOC'] },
      { name: '.debug_info', size: 0x1234, vma: 0, lma: 0, flags: ['CONTENTS', 'READONLY', 'DEBUGGING', 'OCTETS'] },
    ]);
  });
});

describe('flasher command lines', () => {
  test('placeholders are filled from the build', () => {
    const b = loadBoard('nucleo-f446re');
    const openocd = b.flashers.find((f) => f.tool === 'openocd')!;
    expect(flasherCommand(b, openocd, { elf: '/tmp/fw.elf' })).toEqual({
      tool: 'openocd',
      args: ['-f', 'board/st_nucleo_f4.cfg', '-c', 'program /tmp/fw.elf verify reset exit'],
    });
    const stflash = b.flashers.find((f) => f.tool === 'st-flash')!;
    expect(flasherCommand(b, stflash, { bin: 'fw.bin' }).args).toEqual(['--reset', 'write', 'fw.bin', '0x08000000']);
  });

  test('a missing file is a usage error that says what to pass', () => {
    const b = loadBoard('arduino-nano-33-ble');
    try {
      flasherCommand(b, b.flashers[0]!, { bin: 'fw.bin' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TinypruneError);
      expect((e as TinypruneError).code).toBe('E_USAGE');
      expect((e as TinypruneError).hint).toContain('serial port');
    }
  });
});

describe('missing tools and wrong targets are typed errors', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  test('a missing toolchain says which package to install', async () => {
    vi.stubEnv('TINYPRUNE_ARM_PREFIX', '/nonexistent/arm-none-eabi-');
    vi.stubEnv('TINYPRUNE_QEMU', '/nonexistent/qemu-system-arm');
    const e = await buildFirmware({ board: 'mps2-an385', sources: [], outDir: '/tmp/tinyprune-never' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TinypruneError);
    expect((e as TinypruneError).code).toBe('E_TOOL_MISSING');
    expect((e as TinypruneError).hint).toBe('install it: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi');
    const q = await runQemu({ board: 'mps2-an385', elf: 'x.elf' }).catch((x: unknown) => x);
    expect((q as TinypruneError).code).toBe('E_TOOL_MISSING');
    expect((q as TinypruneError).hint).toContain('qemu-system-arm');
    expect(() => findTool('arm-none-eabi-objcopy')).toThrow(/not found/);
  });

  test('a device target cannot run in QEMU', async () => {
    const e = await runQemu({ board: resolveTarget('nucleo-f446re'), elf: 'x.elf' }).catch((x: unknown) => x);
    expect((e as TinypruneError).code).toBe('E_BOARD');
    expect((e as TinypruneError).hint).toContain('emulate');
  });
});
