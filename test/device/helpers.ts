/**
 * Test doubles for the serial path: an in-memory transport, a scripted fake board speaking
 * the benchmark protocol, pseudo-terminal pairs from socat (a real tty on both sides, which
 * can be cut mid-transfer), and a fake build directory (report.json + model.tflite).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TinypruneError } from '../../src/errors.js';
import type { Transport } from '../../src/device/transport.js';
import { disconnectError, openSerial } from '../../src/device/transport.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { interpret } from '../../src/interp/index.js';
import { tensorBytes, type ModelGraph } from '../../src/ir/graph.js';
import { writeTflite } from '../../src/tflite/write.js';
import { which } from '../../src/firmware/toolchain.js';

export async function rejection(p: Promise<unknown>): Promise<TinypruneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('expected a TinypruneError');
}

/** What the fake board does with one command (without its '%'): reply lines, or a behaviour. */
export type Reply = string[] | { silent: true } | { garbage: string } | { raw: string };
export type Handler = (command: string, board: FakeBoardState) => Reply | undefined;

export interface FakeBoardState {
  db: number[];
  dbSize: number;
  commands: string[];
}

/**
 * The tinyprune benchmark firmware, in TypeScript, on the graph given: enough of the protocol
 * for the host (ping, tp-info, db, infer, tp-layers). `override` changes replies for fault
 * tests; returning undefined falls back to the normal behaviour.
 */
export function benchFirmwareHandler(graph: ModelGraph, sha: string, override?: Handler): Handler {
  const inputs = graph.inputs.map((t) => tensorBytes(graph.tensors[t]!));
  const outputs = graph.outputs.map((t) => tensorBytes(graph.tensors[t]!));
  const total = inputs.reduce((a, b) => a + b, 0);
  return (cmd, st) => {
    const o = override?.(cmd, st);
    if (o !== undefined) return o;
    const tok = cmd.trim().split(/\s+/).filter(Boolean);
    if (tok.length === 0) return [];
    switch (tok[0]) {
      case 'ping':
        return [`m-pong-${tok[1] ?? ''}`];
      case 'name':
        return ['m-name-dut-[tinyprune]'];
      case 'tp-info':
        return [
          `m-tp-sources-sha256-${sha}`,
          'm-tp-board-fake',
          'm-tp-emulated-0',
          `m-tp-layers-count-${graph.ops.length}`,
          `m-tp-inputs-[${inputs.join(',')}]`,
          `m-tp-outputs-[${outputs.join(',')}]`,
          'm-tp-arena-640',
          'm-tp-stack-size-4096',
          'm-tp-timer-dwt-16000000',
        ];
      case 'db':
        if (tok[1] === 'load') {
          st.dbSize = Number(tok[2]);
          st.db = [];
          return [`m-[Expecting ${st.dbSize} bytes]`];
        }
        for (let i = 0; i + 1 < (tok[1] ?? '').length; i += 2) st.db.push(parseInt(tok[1]!.slice(i, i + 2), 16));
        return st.db.length >= st.dbSize ? ['m-load-done'] : [];
      case 'infer': {
        if (st.db.length !== total) return ['e-[load the input bytes first]'];
        const n = Number(tok[1] ?? 1);
        let off = 0;
        const ins = inputs.map((b) => Uint8Array.from(st.db.slice(off, (off += b))));
        const outs = interpret(graph, ins).outputs;
        return [
          `m-warmup-start-${tok[2] ?? 0}`,
          'm-warmup-done',
          `m-infer-start-${n}`,
          'm-lap-us-100',
          'm-lap-us-200',
          'm-infer-done',
          `m-tp-ticks-${1000 * n}-1000-1000`,
          'm-results-[0]',
          ...outs.map((b, k) => `m-tp-out-${k}-${Buffer.from(b).toString('hex')}`),
        ];
      }
      case 'tp-layers':
        return [`m-tp-layers-[${graph.ops.map((_, i) => 100 + i).join(',')}]`, 'm-tp-arena-used-600', 'm-tp-stack-used-300'];
      default:
        return [`e-[Unknown command: ${tok[0]}]`];
    }
  };
}

/** Runs a handler against a stream of command bytes; returns the bytes to send back. */
export class CommandParser {
  private buf = '';
  readonly state: FakeBoardState = { db: [], dbSize: 0, commands: [] };
  constructor(private readonly handler: Handler) {}

  /** Feed received bytes; `send` gets the reply text (never called for silence). */
  feed(chunk: string, send: (text: string) => void): void {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('%')) >= 0) {
      const cmd = this.buf.slice(0, i).replace(/[\r\n]/g, '');
      this.buf = this.buf.slice(i + 1);
      this.state.commands.push(cmd);
      const r = this.handler(cmd, this.state) ?? [];
      if ('silent' in r) continue;
      if ('garbage' in r) {
        send(r.garbage);
        continue;
      }
      if ('raw' in r) {
        send(r.raw);
        continue;
      }
      send([...r, 'm-ready'].map((l) => `${l}\r\n`).join(''));
    }
  }
}

/** An in-memory Transport wired to a handler (replies arrive asynchronously, like a port). */
export class MemoryTransport implements Transport {
  readonly path = '/dev/fake0';
  private data: ((b: Buffer) => void) | undefined;
  private disc: ((e: TinypruneError) => void) | undefined;
  private open = true;
  readonly parser: CommandParser;
  /** Drop everything the board sends until this many commands have arrived (QEMU's pty quirk). */
  dropUntilCommand = 0;

  constructor(handler: Handler) {
    this.parser = new CommandParser(handler);
  }

  get isOpen(): boolean {
    return this.open;
  }

  write(data: string | Uint8Array): Promise<void> {
    if (!this.open) return Promise.reject(disconnectError(this.path, 'closed'));
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    setImmediate(() =>
      this.parser.feed(text, (reply) => {
        if (this.parser.state.commands.length <= this.dropUntilCommand) return;
        this.emit(reply);
      }),
    );
    return Promise.resolve();
  }

  /** Bytes from the board, unsolicited. */
  emit(text: string): void {
    setImmediate(() => this.data?.(Buffer.from(text, 'latin1')));
  }

  /** The board goes away. */
  unplug(): void {
    this.open = false;
    setImmediate(() => this.disc?.(disconnectError(this.path, 'unplugged')));
  }

  onData(l: (b: Buffer) => void): void {
    this.data = l;
  }

  onDisconnect(l: (e: TinypruneError) => void): void {
    this.disc = l;
  }

  close(): Promise<void> {
    this.open = false;
    return Promise.resolve();
  }
}

export const hasSocat = which('socat') !== undefined;

export interface PtyPair {
  /** The end the host opens. */
  host: string;
  /** The end the fake board opens. */
  board: string;
  /** Cuts the link: both ends see a hang-up, like a USB cable pulled. */
  cut(): void;
  proc: ChildProcess;
}

/** Two linked pseudo-terminals (socat), a real tty on each side. */
export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-pty-'));
  const host = path.join(dir, 'host');
  const board = path.join(dir, 'board');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${board}`], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!existsSync(host) || !existsSync(board)) {
    if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { host, board, proc, cut: () => proc.kill('SIGKILL') };
}

/** A fake board on the board end of a pty pair. */
export async function fakeBoard(pathName: string, handler: Handler): Promise<{ transport: Transport; parser: CommandParser; close: () => Promise<void> }> {
  const t = await openSerial(pathName);
  const parser = new CommandParser(handler);
  t.onData((c) => parser.feed(c.toString('latin1'), (reply) => void t.write(reply).catch(() => undefined)));
  t.onDisconnect(() => undefined);
  return { transport: t, parser, close: () => t.close() };
}

/**
 * A build directory without a toolchain: model.tflite and a report.json with the fields the
 * host reads. Enough for everything that talks to a board over --port.
 */
export function fakeBuildDir(seed = 5, board = 'mps2-an386', sha = 'a'.repeat(64)): { dir: string; graph: ModelGraph; sha: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-fakebuild-'));
  mkdirSync(dir, { recursive: true });
  const graph = synthDigitsCnn(seed);
  writeFileSync(path.join(dir, 'model.tflite'), writeTflite(graph));
  const report = {
    schemaVersion: 1,
    tool: { name: 'tinyprune', version: 'test' },
    model: { source: 'model.tflite', sha256: 'b'.repeat(64), operators: graph.ops.length },
    fits: true,
    layers: [],
    kernels: [],
    toolchain: { commands: [] },
    board,
    target: { mode: 'qemu', machine: board, core: 'cortex-m4', flashLimit: 4194304, ramLimit: 4194304 },
    sourcesSha256: sha,
    flash: { total: 14000, weights: 1000, model: 500, code: 12500, limit: 4194304 },
    ram: { arena: 640, static: 100, stack: 4096, total: 6800, limit: 4194304 },
    arena: { bytes: 640, lowerBound: 640 },
    files: { elf: 'firmware.elf', bin: 'firmware.bin', hex: 'firmware.hex', model: 'model.tflite', sources: [], bench: { elf: 'bench.elf', bin: 'bench.bin', hex: 'bench.hex' } },
    warnings: [],
  };
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report, null, 2));
  return { dir, graph, sha };
}
