/**
 * Finding a board's serial port by the USB vendor/product id in its profile.
 *
 * On Linux the ids are read from sysfs (/sys/class/tty/<name>/device → the USB interface →
 * its device's idVendor/idProduct), which is what udev itself reads. `SerialPort.list()` is
 * not used there: it spawns `udevadm`, which minimal machines and containers lack, and the
 * spawn failure crashed Node with an uncaught exception (FIRMWARE.md). Elsewhere (macOS,
 * Windows) SerialPort.list() is used, caught and bounded in time.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

import type { BoardProfile } from '../boards/index.js';
import { TinypruneError } from '../errors.js';

export interface PortInfo {
  path: string;
  /** 4 lowercase hex digits. */
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Serial ports from a sysfs tree (sysRoot is a parameter so tests can build a fake one). */
export function listPortsSysfs(sysRoot = '/sys', devRoot = '/dev'): PortInfo[] {
  const classDir = path.join(sysRoot, 'class/tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const out: PortInfo[] = [];
  for (const name of names.sort()) {
    const deviceLink = path.join(classDir, name, 'device');
    if (!existsSync(deviceLink)) continue; // virtual consoles and ptys have no device
    let dir: string;
    try {
      dir = realpathSync(deviceLink);
    } catch {
      continue;
    }
    const info: PortInfo = { path: path.join(devRoot, name) };
    // Walk up from the tty's device (a USB interface) to the USB device with the ids.
    for (let d = dir, i = 0; i < 6 && d.startsWith(sysRoot) && d !== sysRoot; d = path.dirname(d), i++) {
      const vid = readText(path.join(d, 'idVendor'));
      if (vid !== undefined) {
        info.vendorId = vid.toLowerCase();
        const pid = readText(path.join(d, 'idProduct'));
        if (pid !== undefined) info.productId = pid.toLowerCase();
        const m = readText(path.join(d, 'manufacturer'));
        if (m !== undefined) info.manufacturer = m;
        const p = readText(path.join(d, 'product'));
        if (p !== undefined) info.product = p;
        const s = readText(path.join(d, 'serial'));
        if (s !== undefined) info.serialNumber = s;
        break;
      }
    }
    // Built-in UARTs (ttyS*) without a USB parent are only interesting when they are real.
    if (info.vendorId === undefined && /^ttyS\d+$/.test(name)) continue;
    out.push(info);
  }
  return out;
}

/** SerialPort.list(), never throwing, never hanging (other platforms). */
async function listPortsSerialport(timeoutMs: number): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  const listing = SerialPort.list().then(
    (ports) =>
      ports.map((p) => ({
        path: p.path,
        ...(p.vendorId ? { vendorId: p.vendorId.toLowerCase() } : {}),
        ...(p.productId ? { productId: p.productId.toLowerCase() } : {}),
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
      })),
    () => [] as PortInfo[],
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PortInfo[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    return await Promise.race([listing, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ListPortsOptions {
  sysRoot?: string;
  devRoot?: string;
  platform?: NodeJS.Platform;
  timeoutMs?: number;
}

export async function listPorts(opts: ListPortsOptions = {}): Promise<PortInfo[]> {
  const platform = opts.platform ?? process.platform;
  if (platform === 'linux') return listPortsSysfs(opts.sysRoot, opts.devRoot);
  return listPortsSerialport(opts.timeoutMs ?? 5000);
}

/** The ports whose USB ids match the board's serial section. */
export function matchBoardPorts(board: Pick<BoardProfile, 'serial'>, ports: PortInfo[]): PortInfo[] {
  const s = board.serial;
  if (!s) return [];
  return ports.filter((p) => p.vendorId === s.usbVid.toLowerCase() && p.productId === s.usbPid.toLowerCase());
}

/** The one port of this board; typed errors for none, several, or a profile without ids. */
export async function findBoardPort(board: Pick<BoardProfile, 'name' | 'serial'>, opts: ListPortsOptions = {}): Promise<string> {
  if (!board.serial) {
    throw new TinypruneError('E_DEVICE_NOT_FOUND', `board ${board.name} has no "serial" section (USB VID/PID), so its port cannot be found automatically`, {
      where: `board ${board.name}: serial`,
      hint: 'pass the port with --port /dev/ttyACM0 (or add "serial": {"usbVid", "usbPid"} to the board file)',
    });
  }
  const ports = await listPorts(opts);
  const found = matchBoardPorts(board, ports);
  const seen = ports.length === 0 ? 'none' : ports.map((p) => `${p.path}${p.vendorId ? ` (${p.vendorId}:${p.productId ?? '?'}${p.product ? ` ${p.product}` : ''})` : ''}`).join(', ');
  if (found.length === 0) {
    throw new TinypruneError('E_DEVICE_NOT_FOUND', `no ${board.name} found: no serial port with USB id ${board.serial.usbVid}:${board.serial.usbPid}${board.serial.description ? ` (${board.serial.description})` : ''}`, {
      where: `serial ports seen: ${seen}`,
      hint: 'plug the board in (a data cable, not a charge-only one), or pass --port <path>; a USB-serial adapter has its own VID:PID',
    });
  }
  if (found.length > 1) {
    throw new TinypruneError('E_USAGE', `${found.length} ports match ${board.name} (${board.serial.usbVid}:${board.serial.usbPid}): ${found.map((p) => `${p.path}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}`).join(', ')}`, {
      where: 'port auto-detection',
      hint: 'pick one with --port',
    });
  }
  return found[0]!.path;
}
