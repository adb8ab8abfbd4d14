/**
 * Host side of the benchmark protocol (firmware/app/tp_bench_main.c): MLPerf Tiny / EEMBC
 * commands ending in '%', replies "m-..." / "e-...", every command closed by "m-ready", plus
 * tinyprune's extensions (ping/pong handshake, model identity, per-layer counts, high-water
 * marks, exact output bytes).
 *
 * Every step has a bound. What goes wrong is named:
 *   E_DEVICE_SILENT        nothing (or nothing more) arrives within the bound
 *   E_DEVICE_GARBAGE       bytes arrive, but not protocol lines (wrong baud rate, other firmware)
 *   E_WRONG_FIRMWARE       an EEMBC firmware without tinyprune's extensions, or another model
 *   E_DEVICE_PROTOCOL      the firmware answered with e-[...] or left out a reply
 *   E_DEVICE_DISCONNECTED  the port went away (from the transport)
 */
import { randomBytes } from 'node:crypto';

import { TinypruneError } from '../errors.js';
import { LineReader } from './lines.js';
import type { Transport } from './transport.js';

export interface ProtocolTimeouts {
  /** Whole handshake, pings included (QEMU may take ~1 s to notice the pty; a board may be booting). */
  handshakeMs: number;
  /** Between pings while the board does not answer. */
  pingIntervalMs: number;
  /** Silence allowed between two reply lines of an ordinary command. */
  commandMs: number;
  /** Silence allowed while inferences run (infer%, tp-layers%). */
  inferMs: number;
}

export const DEFAULT_TIMEOUTS: ProtocolTimeouts = { handshakeMs: 10_000, pingIntervalMs: 250, commandMs: 5_000, inferMs: 120_000 };

export interface DeviceInfo {
  sourcesSha256: string;
  board: string;
  emulated: boolean;
  layers: number;
  inputs: number[];
  outputs: number[];
  arenaBytes: number;
  stackBytes: number;
  timer: { source: 'dwt' | 'systick'; hz: number };
}

export interface InferReply {
  iterations: number;
  warmup: number;
  /** Device timer ticks of the timed inferences (invoke only). */
  ticks: { sum: number; min: number; max: number };
  /** EEMBC m-lap-us timestamps before and after the timed loop (µs). */
  lapUs: number[];
  outputs: Uint8Array[];
  /** The m-results-[...] text (EEMBC format). */
  results: string;
}

export interface LayersReply {
  ticks: number[];
  arenaUsed: number;
  stackUsed: number;
}

export interface ClientOptions {
  timeouts?: Partial<ProtocolTimeouts>;
  /** Bytes per `db <hex>%` command (default 128: 256 hex digits, within the firmware's 512). */
  chunkBytes?: number;
  /** Every line sent and received, for --verbose and debugging. */
  trace?: (direction: '>' | '<', text: string) => void;
}

const isReply = (line: string): boolean => /^[me]-/.test(line);
const quote = (s: string): string => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);

export class BenchClient {
  readonly timeouts: ProtocolTimeouts;
  private readonly reader: LineReader;
  private readonly chunk: number;

  private constructor(
    private readonly transport: Transport,
    opts: ClientOptions,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.reader = new LineReader(transport);
    this.chunk = opts.chunkBytes ?? 128;
    this.trace = opts.trace;
  }

  private readonly trace: ClientOptions['trace'];

  /** Attaches to a transport and completes the handshake. */
  static async connect(transport: Transport, opts: ClientOptions = {}): Promise<BenchClient> {
    const c = new BenchClient(transport, opts);
    await c.handshake();
    return c;
  }

  get path(): string {
    return this.transport.path;
  }

  private async send(text: string): Promise<void> {
    this.trace?.('>', text);
    await this.transport.write(text, this.timeouts.commandMs);
  }

  private async line(timeoutMs: number): Promise<string | undefined> {
    const l = await this.reader.next(timeoutMs);
    if (l !== undefined) this.trace?.('<', l);
    return l;
  }

  /**
   * Pings with a fresh nonce until the board answers, then syncs: one more ping whose pong
   * (and the m-ready after it) marks the end of everything stale - boot banners, replies to
   * earlier pings, a half-typed command from before.
   */
  async handshake(): Promise<void> {
    const t = this.timeouts;
    const base = randomBytes(4).toString('hex');
    const deadline = Date.now() + t.handshakeMs;
    let attempt = 0;
    let found = false;
    let eembc = false;
    let garbage = 0;
    let replies = 0;
    while (!found && Date.now() < deadline) {
      // The leading '%' ends whatever partial command the board may hold.
      await this.send(`${attempt === 0 ? '%' : ''}ping ${base}-${attempt}%`);
      attempt++;
      const until = Math.min(deadline, Date.now() + t.pingIntervalMs);
      for (;;) {
        const l = await this.line(until - Date.now());
        if (l === undefined) break;
        if (l.startsWith(`m-pong-${base}-`)) {
          found = true;
          break;
        }
        if (/^e-\[Unknown command:\s*ping/.test(l)) eembc = true;
        if (isReply(l)) replies++;
        else if (l.trim() !== '') garbage++;
      }
    }
    if (!found) {
      const where = this.transport.path;
      if (eembc) {
        throw new TinypruneError('E_WRONG_FIRMWARE', `the board at ${where} speaks the EEMBC protocol but not tinyprune's (no "ping")`, {
          where,
          hint: 'it runs another benchmark firmware: flash this build with `tinyprune flash`',
        });
      }
      if (this.reader.bytes === 0) {
        throw new TinypruneError('E_DEVICE_SILENT', `no answer from ${where} within ${t.handshakeMs} ms (${attempt} pings)`, {
          where,
          hint: 'is the tinyprune benchmark firmware flashed (`tinyprune flash`) and the board out of reset? Check the port and baud rate; on a USB-serial adapter check TX/RX wiring',
        });
      }
      if (garbage > 0 || replies === 0) {
        throw new TinypruneError('E_DEVICE_GARBAGE', `${where} sends data that is not the benchmark protocol (${this.reader.bytes} bytes, last: ${quote(this.reader.tail.slice(-80))})`, {
          where,
          hint: 'a wrong baud rate shows as garbage (the board profile says serial.baud), or the board runs another firmware: flash it with `tinyprune flash`',
        });
      }
      throw new TinypruneError('E_DEVICE_PROTOCOL', `${where} answers but never to ping within ${t.handshakeMs} ms`, {
        where,
        hint: 'flash the benchmark firmware of this build (`tinyprune flash`)',
      });
    }
    // Sync: everything before this pong is stale.
    await this.send(`ping ${base}-sync%`);
    await this.until((l) => l === `m-pong-${base}-sync`, 'the handshake (ping sync)');
    await this.until((l) => l === 'm-ready', 'the handshake (m-ready)');
  }

  /** Reads lines until one satisfies `want`, tolerating anything else; bounded by commandMs. */
  private async until(want: (l: string) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + this.timeouts.commandMs;
    for (;;) {
      const l = await this.line(deadline - Date.now());
      if (l === undefined) throw this.silent(what, this.timeouts.commandMs);
      if (want(l)) return;
    }
  }

  private silent(what: string, ms: number): TinypruneError {
    const partial = this.reader.pending;
    if (partial.length > 0 && !/^[me]-/.test(partial)) {
      return new TinypruneError('E_DEVICE_GARBAGE', `while waiting for ${what}, ${this.transport.path} sent ${quote(partial.slice(-80))} and no complete reply`, {
        where: this.transport.path,
        hint: 'a wrong baud rate or another firmware; flash this build with `tinyprune flash` and check serial.baud',
      });
    }
    return new TinypruneError('E_DEVICE_SILENT', `no reply from ${this.transport.path} within ${ms} ms while waiting for ${what}`, {
      where: this.transport.path,
      hint: 'the board stopped answering: it may have hung or faulted (a stack overflow or HardFault resets or stops it). Reset it and run again; a large model may need a longer --timeout',
    });
  }

  /**
   * Sends `text%` and returns its reply lines (without the closing m-ready). Throws on an
   * e-[...] reply, a line that is not a reply, a board reset, or silence longer than silenceMs.
   */
  async command(text: string, silenceMs = this.timeouts.commandMs): Promise<string[]> {
    await this.send(`${text}%`);
    const lines: string[] = [];
    const totalDeadline = Date.now() + Math.max(silenceMs * 4, 60_000);
    for (;;) {
      const l = await this.line(Math.min(silenceMs, totalDeadline - Date.now()));
      if (l === undefined) throw this.silent(`the reply to "${text}%"`, silenceMs);
      if (l === 'm-ready') break;
      if (!isReply(l)) {
        throw new TinypruneError('E_DEVICE_GARBAGE', `${this.transport.path} answered "${text}%" with ${quote(l)}, which is not a protocol line`, {
          where: this.transport.path,
          hint: 'the serial line is noisy or another program writes to the port; check the baud rate and that nothing else has the port open',
        });
      }
      if (l === 'm-init-done') {
        throw new TinypruneError('E_DEVICE_PROTOCOL', `the board restarted while running "${text}%"`, {
          where: this.transport.path,
          hint: 'a fault or watchdog reset (stack overflow?) or a brown-out; check power and the stack size in the board profile',
        });
      }
      lines.push(l);
    }
    const err = lines.find((l) => l.startsWith('e-'));
    if (err) {
      const m = /^e-\[(.*)\]$/.exec(err)?.[1] ?? err;
      throw new TinypruneError('E_DEVICE_PROTOCOL', `the firmware rejected "${text}%": ${m}`, {
        where: this.transport.path,
        ...(/invoke failed/.test(m) ? { hint: 'a kernel rejected its parameters on the device; run the model with `tinyprune interpret` / `tinyprune run` to compare' } : {}),
      });
    }
    return lines;
  }

  async info(): Promise<DeviceInfo> {
    const lines = await this.command('tp-info');
    const get = (prefix: string): string => {
      const l = lines.find((x) => x.startsWith(prefix));
      if (l === undefined) {
        throw new TinypruneError('E_WRONG_FIRMWARE', `the board's tp-info reply lacks ${prefix}…`, {
          where: this.transport.path,
          hint: 'its benchmark firmware is from another tinyprune version: flash this build with `tinyprune flash`',
        });
      }
      return l.slice(prefix.length);
    };
    const list = (s: string): number[] => (s.replace(/^\[|\]$/g, '') === '' ? [] : s.replace(/^\[|\]$/g, '').split(',').map(Number));
    const timer = /^(dwt|systick)-(\d+)$/.exec(get('m-tp-timer-'));
    return {
      sourcesSha256: get('m-tp-sources-sha256-'),
      board: get('m-tp-board-'),
      emulated: get('m-tp-emulated-') === '1',
      layers: Number(get('m-tp-layers-count-')),
      inputs: list(get('m-tp-inputs-')),
      outputs: list(get('m-tp-outputs-')),
      arenaBytes: Number(get('m-tp-arena-')),
      stackBytes: Number(get('m-tp-stack-size-')),
      timer: { source: (timer?.[1] ?? 'systick') as 'dwt' | 'systick', hz: Number(timer?.[2] ?? 0) },
    };
  }

  /** Loads the input bytes (all inputs concatenated) with db load / db <hex>. */
  async load(bytes: Uint8Array): Promise<void> {
    const head = await this.command(`db load ${bytes.length}`);
    if (!head.some((l) => l === `m-[Expecting ${bytes.length} bytes]`)) {
      throw new TinypruneError('E_DEVICE_PROTOCOL', `"db load ${bytes.length}%" was not acknowledged (got ${quote(head.join(' | '))})`, { where: this.transport.path });
    }
    for (let off = 0; off < bytes.length; off += this.chunk) {
      const part = Buffer.from(bytes.subarray(off, Math.min(bytes.length, off + this.chunk))).toString('hex');
      const reply = await this.command(`db ${part}`);
      const last = off + this.chunk >= bytes.length;
      if (last && !reply.includes('m-load-done')) {
        throw new TinypruneError('E_DEVICE_PROTOCOL', `the board did not confirm the input (no m-load-done after ${bytes.length} bytes)`, { where: this.transport.path });
      }
    }
  }

  /** `infer N W%`: W warm-up and N timed inferences on the loaded input. */
  async infer(iterations: number, warmup: number, outputs: number): Promise<InferReply> {
    const lines = await this.command(`infer ${iterations} ${warmup}`, this.timeouts.inferMs);
    const ticks = /^m-tp-ticks-(\d+)-(\d+)-(\d+)$/.exec(lines.find((l) => l.startsWith('m-tp-ticks-')) ?? '');
    if (!ticks || !lines.includes('m-infer-done')) {
      throw new TinypruneError('E_DEVICE_PROTOCOL', `incomplete reply to "infer ${iterations} ${warmup}%": ${quote(lines.join(' | '))}`, { where: this.transport.path });
    }
    const outs: Uint8Array[] = [];
    for (let k = 0; k < outputs; k++) {
      const l = lines.find((x) => x.startsWith(`m-tp-out-${k}-`));
      const hex = l?.slice(`m-tp-out-${k}-`.length) ?? '';
      if (l === undefined || !/^([0-9a-f]{2})*$/.test(hex)) {
        throw new TinypruneError('E_DEVICE_PROTOCOL', `output ${k} is missing or malformed in the reply to infer`, { where: this.transport.path });
      }
      outs.push(Uint8Array.from(Buffer.from(hex, 'hex')));
    }
    return {
      iterations,
      warmup,
      ticks: { sum: Number(ticks[1]), min: Number(ticks[2]), max: Number(ticks[3]) },
      lapUs: lines.filter((l) => l.startsWith('m-lap-us-')).map((l) => Number(l.slice('m-lap-us-'.length))),
      outputs: outs,
      results: lines.find((l) => l.startsWith('m-results-')) ?? '',
    };
  }

  /** `tp-layers%`: one inference with the per-layer hook; ticks per layer and high-water marks. */
  async layers(): Promise<LayersReply> {
    const lines = await this.command('tp-layers', this.timeouts.inferMs);
    const l = lines.find((x) => x.startsWith('m-tp-layers-['));
    const arena = lines.find((x) => x.startsWith('m-tp-arena-used-'));
    const stack = lines.find((x) => x.startsWith('m-tp-stack-used-'));
    if (!l || !arena || !stack) {
      throw new TinypruneError('E_DEVICE_PROTOCOL', `incomplete reply to "tp-layers%": ${quote(lines.join(' | '))}`, { where: this.transport.path });
    }
    const body = l.slice('m-tp-layers-['.length, -1);
    return {
      ticks: body === '' ? [] : body.split(',').map(Number),
      arenaUsed: Number(arena.slice('m-tp-arena-used-'.length)),
      stackUsed: Number(stack.slice('m-tp-stack-used-'.length)),
    };
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
