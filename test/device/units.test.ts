/**
 * The pure parts of the device and bench layers: port detection from a fake sysfs tree, open
 * errors, UF2, drive labels, GDB output, baseline comparison, sample files. Fast.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import { baselineMeasures, compareToBaseline } from '../../src/bench/compare.js';
import { parseLabels, readSamples } from '../../src/bench/inputs.js';
import { driveCandidates, mountsWithLabel } from '../../src/device/drive.js';
import { flasherByName, registryNameOf } from '../../src/device/flashers.js';
import { gdbLoadArgs, gdbLoadProblem } from '../../src/device/gdb.js';
import { findBoardPort, listPortsSysfs, matchBoardPorts } from '../../src/device/ports.js';
import { classifyOpenError, openSerial } from '../../src/device/transport.js';
import { binToUf2, parseUf2, UF2_FAMILIES } from '../../src/device/uf2.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { loadBoard } from '../../src/boards/index.js';
import { TinypruneError } from '../../src/errors.js';
import { rejection } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tp-devunits-'));

/** A sysfs tree like Linux's: class/tty/<name>/device → a USB interface under its device. */
function fakeSysfs(): string {
  const sys = path.join(tmp, 'sys');
  const usb = (dev: string, vid: string, pid: string, extra: Record<string, string> = {}) => {
    const d = path.join(sys, 'devices/pci0000:00/usb1', dev);
    mkdirSync(path.join(d, `${dev}:1.0`), { recursive: true });
    writeFileSync(path.join(d, 'idVendor'), `${vid}\n`);
    writeFileSync(path.join(d, 'idProduct'), `${pid}\n`);
    for (const [k, v] of Object.entries(extra)) writeFileSync(path.join(d, k), `${v}\n`);
    return path.join(d, `${dev}:1.0`);
  };
  const tty = (name: string, device?: string) => {
    const d = path.join(sys, 'class/tty', name);
    mkdirSync(d, { recursive: true });
    if (device) symlinkSync(device, path.join(d, 'device'));
  };
  tty('ttyACM0', usb('1-1', '0483', '374B', { product: 'STM32 STLink', serial: '0669FF' }));
  // FTDI adapters put the tty one level deeper (interface/ttyUSB0).
  const ftdi = usb('1-2', '0403', '6001');
  mkdirSync(path.join(ftdi, 'ttyUSB0'), { recursive: true });
  tty('ttyUSB0', path.join(ftdi, 'ttyUSB0'));
  const platform = path.join(sys, 'devices/platform/serial8250/tty/ttyS0');
  mkdirSync(platform, { recursive: true });
  tty('ttyS0', platform); // a built-in UART without a USB parent
  tty('tty1'); // a virtual console: no device
  return sys;
}

describe('serial ports', () => {
  const sys = fakeSysfs();

  test('sysfs listing: USB ids walked up from the interface; consoles and bare ttyS left out', () => {
    const ports = listPortsSysfs(sys, '/dev');
    expect(ports).toEqual([
      { path: '/dev/ttyACM0', vendorId: '0483', productId: '374b', product: 'STM32 STLink', serialNumber: '0669FF' },
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001' },
    ]);
  });

  test('a board is found by its VID/PID; none, several and no ids are typed errors', async () => {
    const nucleo = loadBoard('nucleo-f446re');
    expect(matchBoardPorts(nucleo, listPortsSysfs(sys, '/dev')).map((p) => p.path)).toEqual(['/dev/ttyACM0']);
    expect(await findBoardPort(nucleo, { sysRoot: sys, platform: 'linux' })).toBe('/dev/ttyACM0');
    const pico = await rejection(findBoardPort(loadBoard('rpi-pico'), { sysRoot: sys, platform: 'linux' }));
    expect(pico.code).toBe('E_DEVICE_NOT_FOUND');
    expect(pico.message).toMatch(/2e8a:000a/);
    expect(pico.where).toMatch(/\/dev\/ttyACM0 \(0483:374b STM32 STLink\)/);
    const twice = { name: 'x', serial: { usbVid: '0483', usbPid: '374b', baud: 115200 } };
    const two = [
      { path: '/dev/ttyACM0', vendorId: '0483', productId: '374b' },
      { path: '/dev/ttyACM1', vendorId: '0483', productId: '374b' },
    ];
    expect(matchBoardPorts(twice, two)).toHaveLength(2);
    const none = await rejection(findBoardPort({ name: 'mps2-an386', serial: undefined }, { sysRoot: sys, platform: 'linux' }));
    expect(none.code).toBe('E_DEVICE_NOT_FOUND');
    expect(none.hint).toMatch(/--port/);
  });

  test('auto-detection never spawns udevadm on Linux (absent here, it crashed Node)', async () => {
    // The real /sys: whatever is there, the call returns (no udevadm needed).
    const r = await findBoardPort(loadBoard('nucleo-f446re')).catch((e: unknown) => e);
    expect(typeof r === 'string' || (r instanceof TinypruneError && r.code === 'E_DEVICE_NOT_FOUND')).toBe(true);
  });

  test('open errors are sorted: no device, permission (with the dialout fix), busy', async () => {
    expect(classifyOpenError(new Error('Error: No such file or directory, cannot open /dev/ttyACM0'), '/dev/ttyACM0').code).toBe('E_DEVICE_NOT_FOUND');
    const perm = classifyOpenError(new Error('Error: Permission denied, cannot open /dev/ttyACM0'), '/dev/ttyACM0');
    expect(perm.code).toBe('E_DEVICE_PERMISSION');
    expect(perm.hint).toMatch(/usermod -aG dialout/);
    expect(perm.hint).toMatch(/udev/);
    expect(classifyOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyACM0').code).toBe('E_DEVICE_BUSY');
    // And for real: a path that is not there, a path that is not a tty.
    expect((await rejection(openSerial(path.join(tmp, 'ttyNOPE')))).code).toBe('E_DEVICE_NOT_FOUND');
    expect((await rejection(openSerial(tmp))).code).toBe('E_DEVICE_NOT_FOUND');
    if (process.getuid?.() !== 0) {
      const f = path.join(tmp, 'locked');
      writeFileSync(f, '');
      chmodSync(f, 0o000);
      expect((await rejection(openSerial(f))).code).toBe('E_DEVICE_PERMISSION');
    }
  });
});

describe('flashers and drives', () => {
  test('names and aliases; a profile "copy" of {uf2} is the UF2 flasher', () => {
    expect(flasherByName('mass-storage')).toBe('copy');
    expect(flasherByName('OpenOCD')).toBe('openocd');
    expect(flasherByName('nope')).toBeUndefined();
    expect(registryNameOf({ tool: 'copy', args: ['{uf2}', '{drive}'] })).toBe('uf2');
    expect(registryNameOf({ tool: 'copy', args: ['{bin}', '{drive}'] })).toBe('copy');
  });

  test('UF2: 256-byte payloads at consecutive addresses, family flag only when given', () => {
    const bin = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const blocks = parseUf2(binToUf2(bin, 0x10000000, 'rp2040'));
    expect(blocks.map((b) => [b.address, b.blockNo, b.numBlocks, b.family, b.payload.length])).toEqual([
      [0x10000000, 0, 3, UF2_FAMILIES.rp2040, 256],
      [0x10000100, 1, 3, UF2_FAMILIES.rp2040, 256],
      [0x10000200, 2, 3, UF2_FAMILIES.rp2040, 256],
    ]);
    expect(Buffer.concat(blocks.map((b) => b.payload)).subarray(0, 600).equals(Buffer.from(bin))).toBe(true);
    expect(parseUf2(binToUf2(bin, 0, undefined))[0]!.family).toBeUndefined();
    expect(() => parseUf2(new Uint8Array(512))).toThrow(/magic/);
  });

  test('drive labels: /proc/mounts (octal escapes) and the usual mount points', () => {
    const mounts = '/dev/sdb /media/ann/NODE_F446RE vfat rw 0 0\n/dev/sdc /media/ann/MY\\040DRIVE vfat rw 0 0\n';
    expect(mountsWithLabel(mounts, 'NODE_F446RE')).toEqual(['/media/ann/NODE_F446RE']);
    expect(mountsWithLabel(mounts, 'MY DRIVE')).toEqual(['/media/ann/MY DRIVE']);
    expect(driveCandidates('RPI-RP2', { USER: 'ann' }, 'linux')).toEqual(['/media/ann/RPI-RP2', '/run/media/ann/RPI-RP2', '/media/RPI-RP2', '/mnt/RPI-RP2']);
    expect(driveCandidates('RPI-RP2', { USER: 'ann' }, 'darwin')).toEqual(['/Volumes/RPI-RP2']);
  });

  test('GDB: the load script, and what counts as a failed load', () => {
    const args = gdbLoadArgs({ gdb: 'gdb-multiarch', elf: 'fw.elf', remote: ':1234', reset: 'system_reset' });
    expect(args.join(' ')).toBe("-nx -batch -ex set confirm off -ex set pagination off -ex target remote :1234 -ex load -ex compare-sections -ex monitor system_reset -ex detach fw.elf");
    expect(gdbLoadProblem('Start address 0x140, load size 12956\nTransfer rate: 6 MB/sec\nSection .text, range 0x140 -- 0x295c: matched.', '')).toBeUndefined();
    expect(gdbLoadProblem('', ':1234: Connection refused.')).toMatch(/Connection refused/);
    expect(gdbLoadProblem('Start address 0x140\nSection .text, range 0x140 -- 0x295c: MIS-MATCHED!', '')).toMatch(/MIS-MATCHED/);
    expect(gdbLoadProblem('', '')).toMatch(/did not report a completed load/);
  });
});

describe('baselines', () => {
  const bench = { latency: { unit: 'instructions', total: 1000 }, memory: { flash: 10000, ram: 5000 } };
  const report = { flash: { total: 10000 }, ram: { total: 5000 }, measured: { instructions: 1000 } };

  test('bench results and build reports are both baselines; units must agree', () => {
    expect(baselineMeasures(bench, 'b.json')).toEqual({ latency: { unit: 'instructions', total: 1000 }, flash: 10000, ram: 5000 });
    expect(baselineMeasures(report, 'report.json')).toEqual({ latency: { unit: 'instructions', total: 1000 }, flash: 10000, ram: 5000 });
    expect(() => baselineMeasures({ hello: 1 }, 'x.json')).toThrow(/neither/);
    const cycles = compareToBaseline({ latency: { unit: 'cycles', total: 5 }, flash: 10000, ram: 5000 }, baselineMeasures(bench, 'b'), 0);
    expect(cycles.metrics.map((m) => m.metric)).toEqual(['flash', 'ram']);
    expect(cycles.skipped[0]).toMatch(/instructions.*cycles/);
  });

  test('growth past the threshold regresses; shrinking never does', () => {
    const base = baselineMeasures(bench, 'b');
    const c = compareToBaseline({ latency: { unit: 'instructions', total: 1030 }, flash: 9000, ram: 5100 }, base, 2.5);
    expect(c.metrics.map((m) => [m.metric, m.regressed])).toEqual([
      ['latency', true],
      ['flash', false],
      ['ram', false],
    ]);
    expect(c.regressed).toBe(true);
    expect(compareToBaseline({ latency: { unit: 'instructions', total: 1020 }, flash: 10000, ram: 5000 }, base, 2.5).regressed).toBe(false);
  });
});

describe('samples', () => {
  const graph = synthDigitsCnn(5); // one int8 input of 64 bytes

  test('raw files: N samples, labels as text, CSV or bytes; --samples keeps the first N', () => {
    const f = path.join(tmp, 'x.bin');
    writeFileSync(f, Buffer.alloc(64 * 3, 7));
    writeFileSync(path.join(tmp, 'y.txt'), '3\n1\n4\n');
    const s = readSamples(graph, { data: f, labels: 'y.txt', limit: 2, cwd: tmp });
    expect(s.samples).toHaveLength(2);
    expect(s.labels).toEqual([3, 1]);
    expect(parseLabels('y.csv', new TextEncoder().encode('file,classes,label\ntst_000000_Stop_7.bin,12,7\ntst_1.bin,12,2\n'))).toEqual([7, 2]);
    expect(parseLabels('y.bin', Uint8Array.from([5, 6]))).toEqual([5, 6]);
    writeFileSync(path.join(tmp, 'bad.bin'), Buffer.alloc(65));
    expect(() => readSamples(graph, { input: 'bad.bin', cwd: tmp })).toThrow(/not a whole number of samples of 64 bytes/);
    expect(() => readSamples(graph, { input: 'x.bin', data: 'x.bin', cwd: tmp })).toThrow(/alternatives/);
    expect(readSamples(graph, { cwd: tmp })).toMatchObject({ source: 'zeros', labels: undefined });
  });

  test('a data set (CSV) is quantized with the input scale', () => {
    const rows = [0, 1].map((k) => [...Array.from({ length: 64 }, (_, i) => ((i + k) % 5) / 4), k].join(','));
    writeFileSync(path.join(tmp, 'd.csv'), rows.join('\n'));
    const s = readSamples(graph, { data: 'd.csv', cwd: tmp });
    expect(s.labels).toEqual([0, 1]);
    const q = graph.tensors[graph.inputs[0]!]!.quant!;
    const x = (1 % 5) / 4;
    expect(new Int8Array(s.samples[0]!.buffer)[1]).toBe(Math.max(-128, Math.min(127, Math.round(x / q.scale[0]!) + q.zeroPoint[0]!)));
  });
});
