/**
 * Flashing by file copy to a USB drive the board's bootloader or debug probe presents:
 *  - DAPLink / ST-LINK mass storage (NODE_F446RE, DAPLINK, ...): copy the .bin. The probe
 *    programs the chip and remounts the drive; when programming failed it shows a FAIL.TXT
 *    with the reason (DETAILS.TXT describes the probe's own firmware).
 *  - UF2 bootloaders (RP2040's RPI-RP2): copy the .uf2. On success the chip reboots into the
 *    new firmware and the drive disappears; a drive that stays means the file was refused.
 * The data is fsync'ed before the check: the OS may otherwise still hold it in its cache.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TinypruneError } from '../errors.js';

/** Where an OS mounts a removable drive with this label. */
export function driveCandidates(label: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const user = env['USER'] ?? env['LOGNAME'] ?? os.userInfo().username;
  if (platform === 'darwin') return [`/Volumes/${label}`];
  if (platform === 'win32') return [];
  return [`/media/${user}/${label}`, `/run/media/${user}/${label}`, `/media/${label}`, `/mnt/${label}`];
}

/** Mount points whose last path component is `label`, from a /proc/mounts text. */
export function mountsWithLabel(procMounts: string, label: string): string[] {
  const out: string[] = [];
  for (const line of procMounts.split('\n')) {
    const mp = line.split(' ')[1];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path.basename(decoded) === label) out.push(decoded);
  }
  return out;
}

/** The mounted drive with this label, or undefined. */
export function findDrive(label: string): string | undefined {
  let mounts: string[] = [];
  try {
    mounts = mountsWithLabel(readFileSync('/proc/mounts', 'utf8'), label);
  } catch {
    // not Linux
  }
  return [...mounts, ...driveCandidates(label)].find((p) => existsSync(p));
}

function copyDurably(from: string, toDir: string): string {
  const dest = path.join(toDir, path.basename(from));
  const data = readFileSync(from);
  const fd = openSync(dest, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return dest;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A FAIL.TXT (any case) on the drive: its text, and DETAILS.TXT's first lines. */
function failReport(drive: string): string | undefined {
  let names: string[] = [];
  try {
    names = readdirSync(drive);
  } catch {
    return undefined; // remounting
  }
  const fail = names.find((n) => n.toUpperCase() === 'FAIL.TXT');
  if (!fail) return undefined;
  const details = names.find((n) => n.toUpperCase() === 'DETAILS.TXT');
  const text = (readIfThere(path.join(drive, fail)) ?? '').trim();
  const info = details ? (readIfThere(path.join(drive, details)) ?? '').split('\n').slice(0, 4).map((l) => l.trim()).filter(Boolean).join('; ') : '';
  return `${text || '(empty FAIL.TXT)'}${info ? ` [probe: ${info}]` : ''}`;
}

export interface DriveCopyOptions {
  /** 'daplink': FAIL.TXT means failure; 'uf2': the drive must disappear (the chip rebooted). */
  verify: 'daplink' | 'uf2';
  /** How long to watch the drive after the copy (default 5 s daplink, 10 s uf2). */
  settleMs?: number;
}

export async function copyToDrive(file: string, drive: string, opts: DriveCopyOptions): Promise<{ dest: string }> {
  if (!existsSync(drive)) {
    throw new TinypruneError('E_DEVICE_NOT_FOUND', `drive ${drive} is not mounted`, {
      where: drive,
      hint: opts.verify === 'uf2' ? 'hold BOOTSEL while plugging the board in, so its RPI-RP2 drive appears' : 'plug the board in; its probe shows a USB drive (mount it, or pass --drive <mount point>)',
    });
  }
  let dest: string;
  try {
    dest = copyDurably(file, drive);
  } catch (e) {
    throw new TinypruneError('E_FLASH_FAILED', `copying ${path.basename(file)} to ${drive} failed: ${(e as Error).message}`, { where: drive, cause: e });
  }
  const settle = opts.settleMs ?? (opts.verify === 'uf2' ? 10_000 : 5_000);
  const deadline = Date.now() + settle;
  for (;;) {
    if (opts.verify === 'daplink') {
      const fail = failReport(drive);
      if (fail !== undefined) {
        throw new TinypruneError('E_FLASH_FAILED', `the probe reports a failed programming: ${fail}`, {
          where: path.join(drive, 'FAIL.TXT'),
          hint: 'a .bin for another chip, or an image larger than the flash; check the board and the build (tinyprune build --board <this board>)',
        });
      }
    } else if (!existsSync(drive)) {
      return { dest };
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(200, Math.max(1, deadline - Date.now())));
  }
  if (opts.verify === 'uf2') {
    throw new TinypruneError('E_FLASH_FAILED', `the ${path.basename(drive)} drive is still there ${settle} ms after the copy: the bootloader did not accept the UF2`, {
      where: drive,
      hint: 'the UF2 may be for another chip family or address; for the RP2040 the image also needs a second-stage bootloader (boot2), which tinyprune does not ship yet',
    });
  }
  return { dest };
}
