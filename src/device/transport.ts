/**
 * A byte stream to a board: a serial port (USB CDC, USB-serial adapter, or QEMU's -serial pty,
 * which the `serialport` package opens like any tty). The protocol layer only sees this
 * interface, so tests can also drive it with an in-memory fake.
 *
 * Every failure is typed: open errors are sorted into "no such device", "permission denied"
 * (with the dialout/udev fix) and "busy"; a read error or a close we did not ask for after
 * the port was open is a disconnect. Nothing here waits without a bound.
 */
import { write as fsWrite } from 'node:fs';

import { SerialPort } from 'serialport';

import { TinypruneError } from '../errors.js';

export interface Transport {
  readonly path: string;
  /** Writes and waits until the bytes are handed to the OS (bounded by timeoutMs). */
  write(data: string | Uint8Array, timeoutMs?: number): Promise<void>;
  /** Incoming bytes, in order. One listener. */
  onData(listener: (chunk: Buffer) => void): void;
  /** The port went away without close() being called (unplugged, QEMU exited). */
  onDisconnect(listener: (err: TinypruneError) => void): void;
  close(): Promise<void>;
  readonly isOpen: boolean;
}

export interface OpenSerialOptions {
  baudRate?: number;
  /** Bound on opening (default 5 s). */
  timeoutMs?: number;
}

export const PERMISSION_HINT =
  'add yourself to the group that owns the port and log in again: `sudo usermod -aG dialout $USER` ' +
  '(Debian/Ubuntu; `uucp` on Arch/Fedora), or install the board vendor\'s udev rules ' +
  '(e.g. /etc/udev/rules.d/ with MODE="0666" for its USB VID:PID, then `sudo udevadm control --reload`)';

/** Turns the error of opening a port into the typed error a user can act on. */
export function classifyOpenError(err: unknown, path: string): TinypruneError {
  const e = err as { message?: string; code?: string };
  const text = `${e?.code ?? ''} ${e?.message ?? String(err)}`;
  if (/ENOENT|No such file or directory|ENODEV|No such device/i.test(text)) {
    return new TinypruneError('E_DEVICE_NOT_FOUND', `no serial device at ${path}`, {
      where: path,
      hint: 'is the board plugged in? List ports with `ls /dev/ttyACM* /dev/ttyUSB*` (Linux) or `ls /dev/cu.*` (macOS), or leave out --port to auto-detect by the board\'s USB VID/PID',
      cause: err,
    });
  }
  if (/EACCES|Permission denied|EPERM|Operation not permitted/i.test(text)) {
    return new TinypruneError('E_DEVICE_PERMISSION', `permission denied opening ${path}`, { where: path, hint: PERMISSION_HINT, cause: err });
  }
  if (/EBUSY|Cannot lock port|Resource temporarily unavailable|busy/i.test(text)) {
    return new TinypruneError('E_DEVICE_BUSY', `${path} is in use by another program`, {
      where: path,
      hint: 'close the other serial monitor (screen, minicom, the Arduino IDE, a previous tinyprune) and retry',
      cause: err,
    });
  }
  return new TinypruneError('E_DEVICE_NOT_FOUND', `cannot open ${path}: ${e?.message ?? String(err)}`, {
    where: path,
    hint: 'check that the path is a serial port (a tty device)',
    cause: err,
  });
}

export function disconnectError(path: string, detail: string, cause?: unknown): TinypruneError {
  return new TinypruneError('E_DEVICE_DISCONNECTED', `the board at ${path} disconnected: ${detail}`, {
    where: path,
    hint: 'check the USB cable and power; a board that resets or faults mid-run drops its port. Re-run once it is back',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Opens a serial port (8N1, no flow control) with typed errors, bounded in time. */
export async function openSerial(path: string, opts: OpenSerialOptions = {}): Promise<Transport> {
  const baudRate = opts.baudRate ?? 115200;
  const timeoutMs = opts.timeoutMs ?? 5000;
  let port: SerialPort;
  try {
    port = new SerialPort({ path, baudRate, autoOpen: false, dataBits: 8, stopBits: 1, parity: 'none', rtscts: false, hupcl: false });
  } catch (e) {
    throw classifyOpenError(e, path);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TinypruneError('E_DEVICE_BUSY', `opening ${path} did not finish within ${timeoutMs} ms`, { where: path, hint: 'the device may be hung; unplug it and plug it back in' }));
    }, timeoutMs);
    port.open((err) => {
      clearTimeout(timer);
      if (err) reject(classifyOpenError(err, path));
      else resolve();
    });
  });
  return new SerialTransport(port, path);
}

/** How often an open port is checked for a hang-up the reader cannot see. */
const HANGUP_PROBE_MS = 250;

class SerialTransport implements Transport {
  private closing = false;
  private gone: TinypruneError | undefined;
  private disconnectListener: ((err: TinypruneError) => void) | undefined;
  private readonly probe: NodeJS.Timeout;

  constructor(
    private readonly port: SerialPort,
    readonly path: string,
  ) {
    // A read error on a port we did not close means the other end went away (USB unplug:
    // ENXIO; QEMU or a pty pair exiting: EIO). The stream then closes itself.
    port.on('error', (err: Error) => this.lost(err.message, err));
    port.on('close', (err: unknown) => {
      if (!this.closing) this.lost((err as Error | null)?.message ?? 'the port closed', err ?? undefined);
    });
    // A hung-up tty (the far end of a pty exited: QEMU, socat) reads as end-of-file, which the
    // serialport reader retries forever instead of reporting. A zero-length write sends no
    // bytes to a board but fails with EIO on a hung-up tty, so it is checked regularly.
    this.probe = setInterval(() => this.checkHangup(), HANGUP_PROBE_MS);
    this.probe.unref();
  }

  private checkHangup(): void {
    const fd = (this.port.port as { fd?: unknown } | undefined)?.fd;
    if (this.closing || this.gone || typeof fd !== 'number' || !this.port.isOpen) return;
    fsWrite(fd, Buffer.alloc(0), 0, 0, null, (err) => {
      if (err && (err.code === 'EIO' || err.code === 'ENXIO' || err.code === 'ENODEV')) this.lost(`${err.code}: the other end hung up`, err);
    });
  }

  get isOpen(): boolean {
    return this.port.isOpen && this.gone === undefined;
  }

  private lost(detail: string, cause?: unknown): void {
    if (this.closing || this.gone) return;
    clearInterval(this.probe);
    this.gone = disconnectError(this.path, detail, cause);
    this.disconnectListener?.(this.gone);
    // Stop the poller: a hung-up tty would otherwise keep reporting errors.
    if (this.port.isOpen) this.port.close(() => undefined);
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.port.on('data', listener);
  }

  onDisconnect(listener: (err: TinypruneError) => void): void {
    this.disconnectListener = listener;
    if (this.gone) listener(this.gone);
  }

  write(data: string | Uint8Array, timeoutMs = 5000): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new TinypruneError('E_DEVICE_SILENT', `writing to ${this.path} did not finish within ${timeoutMs} ms`, {
            where: this.path,
            hint: 'the board is not reading its port (hung, or flow control is stuck); reset it',
          }),
        );
      }, timeoutMs);
      const done = (err: Error | null | undefined): void => {
        clearTimeout(timer);
        if (err) reject(this.gone ?? disconnectError(this.path, err.message, err));
        else resolve();
      };
      this.port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), (err) => {
        if (err) return done(err);
        this.port.drain((e) => done(e));
      });
    });
  }

  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.probe);
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.port.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
