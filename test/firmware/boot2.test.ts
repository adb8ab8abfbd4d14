/**
 * The RP2040's second-stage bootloader: the CRC the boot ROM checks, the 256-byte image, and a
 * real device build for rpi-pico whose flash starts with it and whose vector table follows at
 * +0x100 (the UF2 the BOOTSEL drive takes carries both). Nothing here can run the RP2040 boot
 * ROM, which is why build and flash warn until the profile says it ran on hardware.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

import { loadBoard, resolveTarget } from '../../src/boards/index.js';
import { boot2Warning } from '../../src/boards/boot2.js';
import { TinypruneError } from '../../src/errors.js';
import { BOOT2_BYTES, boot2CrcOk, boot2Image, crc32Mpeg2 } from '../../src/firmware/boot2.js';
import { buildFirmware, parseSectionHeaders, renderBoardFiles } from '../../src/firmware/build.js';
import { findTool } from '../../src/firmware/toolchain.js';
import { binToUf2, parseUf2, UF2_FAMILIES } from '../../src/device/uf2.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { writeTflite } from '../../src/tflite/write.js';
import { runCli } from '../helpers/cli.js';
import { execFileSync } from 'node:child_process';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');

describe('boot2 image', () => {
  test('CRC-32 with the boot ROM parameters gives the standard check value', () => {
    // CRC-32/MPEG-2 (poly 0x04C11DB7, init 0xFFFFFFFF, no reflection, no final XOR) of "123456789".
    expect(crc32Mpeg2(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
    expect(crc32Mpeg2(new Uint8Array(0))).toBe(0xffffffff);
  });

  test('code is padded to 252 bytes and followed by its CRC, little-endian', () => {
    const image = boot2Image(new Uint8Array([0x00, 0xbf, 0x70, 0x47]));
    expect(image.length).toBe(BOOT2_BYTES);
    expect([...image.subarray(4, 252)].every((b) => b === 0)).toBe(true);
    const crc = crc32Mpeg2(image.subarray(0, 252));
    expect([...image.subarray(252)]).toEqual([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24]);
    expect(boot2CrcOk(image)).toBe(true);
    image[10] = 1;
    expect(boot2CrcOk(image)).toBe(false);
  });

  test('code that does not fit 252 bytes is refused', () => {
    expect(() => boot2Image(new Uint8Array(253))).toThrow(TinypruneError);
  });

  test('only device builds of a boot2 board get one; the untested warning names the board', () => {
    const pico = loadBoard('rpi-pico');
    expect(renderBoardFiles(resolveTarget(pico), { stackBytes: 1024, heapBytes: 0 }).linker).toContain('KEEP(*(.boot2))');
    expect(renderBoardFiles(resolveTarget(pico, { emulate: true }), { stackBytes: 1024, heapBytes: 0 }).linker).not.toContain('.boot2');
    expect(resolveTarget(pico).warnings.map((w) => w.code)).toContain('W_BOOT2_UNTESTED');
    expect(resolveTarget(pico, { emulate: true }).warnings.map((w) => w.code)).not.toContain('W_BOOT2_UNTESTED');
    expect(boot2Warning({ ...pico, boot2: { kind: 'rp2040-w25q080', testedOnHardware: true } })).toBeUndefined();
    expect(boot2Warning(loadBoard('nucleo-f446re'))).toBeUndefined();
  });
});

describe('rpi-pico device build', () => {
  let gcc: string | undefined;
  try {
    gcc = findTool('arm-none-eabi-gcc');
  } catch {
    gcc = undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-boot2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.skipIf(!gcc)('flash starts with a valid boot2; the vector table follows at 0x10000100; the UF2 carries both', async () => {
    const fw = await buildFirmware({ board: 'rpi-pico', sources: [path.join(fixtures, 'hello.c')], outDir: dir });
    const objdump = findTool('arm-none-eabi-objdump');
    const sections = parseSectionHeaders(execFileSync(objdump, ['-h', fw.elf], { encoding: 'utf8' }));
    const boot2 = sections.find((s) => s.name === '.boot2')!;
    const vectors = sections.find((s) => s.name === '.isr_vector')!;
    expect(boot2).toMatchObject({ vma: 0x10000000, size: 256 });
    expect(vectors.vma).toBe(0x10000100);

    const bin = new Uint8Array(readFileSync(fw.bin));
    expect(boot2CrcOk(bin.subarray(0, 256))).toBe(true);
    const dv = new DataView(bin.buffer, bin.byteOffset);
    const sp = dv.getUint32(0x100, true);
    const reset = dv.getUint32(0x104, true);
    expect(sp).toBeGreaterThan(0x20000000);
    expect(sp).toBeLessThanOrEqual(0x20042000);
    expect(reset & 1).toBe(1); // Thumb
    expect(reset).toBeGreaterThan(0x10000100);
    expect(reset).toBeLessThan(0x10000000 + bin.length);

    // The boot2 code is Thumb-1 ending in the jump to the reset handler (bx), after setting VTOR.
    const dis = execFileSync(objdump, ['-D', '-M', 'force-thumb', '-j', '.boot2', fw.elf], { encoding: 'utf8' });
    expect(dis).toMatch(/msr\s+MSP/);
    expect(dis).toMatch(/bx\s+r2/);

    const blocks = parseUf2(binToUf2(bin, 0x10000000, 'rp2040'));
    expect(blocks[0]!.address).toBe(0x10000000);
    expect(blocks[0]!.family).toBe(UF2_FAMILIES.rp2040);
    expect(boot2CrcOk(blocks[0]!.payload)).toBe(true);
    // The warning belongs to the target; the firmware does not repeat it (build collects both).
    expect(fw.target.warnings.map((w) => w.code)).toContain('W_BOOT2_UNTESTED');
    expect(fw.warnings).toEqual([]);
  });

  test.skipIf(!gcc)('build and flash --dry-run print W_BOOT2_UNTESTED once each, through their warnings', async () => {
    const model = path.join(dir, 'synth.tflite');
    writeFileSync(model, writeTflite(synthDigitsCnn(5)));
    const out = path.join(dir, 'pico-build');
    const count = (text: string) => text.split('warning[W_BOOT2_UNTESTED]').length - 1;
    const build = await runCli(['build', '--board', 'rpi-pico', model, '-o', out]);
    expect(build.code, build.stderr).toBe(0);
    expect(count(build.stderr)).toBe(1);
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { warnings: { code: string }[] };
    expect(report.warnings.filter((w) => w.code === 'W_BOOT2_UNTESTED')).toHaveLength(1);
    const flash = await runCli(['flash', '--board', 'rpi-pico', out, '--dry-run', '--drive', dir]);
    expect(flash.code, flash.stderr).toBe(0);
    expect(count(flash.stderr)).toBe(1);
  });

  test.skipIf(!gcc)('an emulated rpi-pico build has no boot2 (it runs on the micro:bit machine)', async () => {
    const fw = await buildFirmware({ board: 'rpi-pico', emulate: true, sources: [path.join(fixtures, 'hello.c')], outDir: path.join(dir, 'emu') });
    const objdump = findTool('arm-none-eabi-objdump');
    const sections = parseSectionHeaders(execFileSync(objdump, ['-h', fw.elf], { encoding: 'utf8' }));
    expect(sections.some((s) => s.name === '.boot2')).toBe(false);
  });
});
