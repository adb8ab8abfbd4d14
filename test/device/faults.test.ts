/**
 * Fault tests against real processes: pseudo-terminal pairs made by socat, a fake board on
 * one end, the real host code (serialport, protocol, runBench, the CLI) on the other. The board
 * goes silent, sends garbage, is cut off mid-transfer, runs another model: each must be a
 * clear typed error within its bound - no hang, no unhandled rejection.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { runBench } from '../../src/bench/bench.js';
import { BenchClient } from '../../src/device/protocol.js';
import { openSerial } from '../../src/device/transport.js';
import { interpret } from '../../src/interp/index.js';
import { runCli } from '../helpers/cli.js';
import { benchFirmwareHandler, fakeBoard, fakeBuildDir, hasSocat, ptyPair, rejection, type Handler } from './helpers.js';

if (!hasSocat) console.warn('test/device/faults.test.ts skipped: needs socat (sudo apt-get install socat)');

const fast = { handshakeMs: 1500, pingIntervalMs: 100, commandMs: 800, inferMs: 800 };
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);

describe.skipIf(!hasSocat)('serial faults over pty pairs', () => {
  beforeAll(() => void process.on('unhandledRejection', onUnhandled));
  afterAll(async () => {
    // Give late callbacks (a poller noticing a hang-up) a moment to surface.
    await new Promise((r) => setTimeout(r, 200));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  const build = fakeBuildDir(5);

  /** A pty pair with a fake board on one end; returns the host end. */
  async function withBoard(override?: Handler) {
    const pair = await ptyPair();
    const board = await fakeBoard(pair.board, benchFirmwareHandler(build.graph, build.sha, override));
    return {
      pair,
      board,
      async done() {
        await board.close();
        pair.cut();
      },
    };
  }

  test('a healthy fake board: bench over --port reports cycles and checks outputs and accuracy', async () => {
    const b = await withBoard();
    try {
      const samples = [0, 1, 2].map((s) => Uint8Array.from({ length: 64 }, (_, i) => (i * 31 + s * 7) & 0xff));
      const labels = samples.map((s) => {
        const out = interpret(build.graph, [s]).outputs[0]!;
        const v = Array.from(new Int8Array(out.buffer, out.byteOffset, out.length));
        return v.indexOf(Math.max(...v));
      });
      labels[2] = (labels[2]! + 1) % 10; // one wrong label: accuracy 2/3
      const r = await runBench({ dir: build.dir, port: b.pair.host, samples, labels, iterations: 2, timeouts: fast });
      expect(r.transport).toBe('serial');
      expect(r.port).toBe(b.pair.host);
      expect(r.latency).toMatchObject({ unit: 'cycles', source: 'dwt', total: 1000 });
      expect(r.latency.layers).toHaveLength(build.graph.ops.length);
      expect(r.reference).toEqual({ checked: 3, matches: 3, mismatches: [] });
      expect(r.accuracy).toEqual({ correct: 2, total: 3, top1: 2 / 3 });
      expect(r.memory.arena).toEqual({ planned: 640, used: 600 });
    } finally {
      await b.done();
    }
  });

  test('silent board: E_DEVICE_SILENT within the handshake bound', async () => {
    const b = await withBoard(() => ({ silent: true }));
    try {
      const t0 = Date.now();
      const e = await rejection(runBench({ dir: build.dir, port: b.pair.host, timeouts: fast }));
      expect(e.code).toBe('E_DEVICE_SILENT');
      expect(Date.now() - t0).toBeLessThan(fast.handshakeMs + 1500);
    } finally {
      await b.done();
    }
  });

  test('--timeout bounds the handshake too (issue 12: it kept its own 10 s)', async () => {
    const b = await withBoard(() => ({ silent: true }));
    try {
      const t0 = Date.now();
      const e = await rejection(runBench({ dir: build.dir, port: b.pair.host, timeoutMs: 1000 }));
      expect(e.code).toBe('E_DEVICE_SILENT');
      expect(e.message).toMatch(/within 1000 ms/);
      expect(Date.now() - t0).toBeLessThan(1000 + 1500);
    } finally {
      await b.done();
    }
  });

  test('garbage: E_DEVICE_GARBAGE', async () => {
    const b = await withBoard(() => ({ garbage: '\x00\xff\x13\x37\xfe\x80\x81' }));
    try {
      const e = await rejection(runBench({ dir: build.dir, port: b.pair.host, timeouts: fast }));
      expect(e.code).toBe('E_DEVICE_GARBAGE');
    } finally {
      await b.done();
    }
  });

  test('goes silent mid-run: E_DEVICE_SILENT naming the command', async () => {
    const b = await withBoard((cmd) => (cmd === 'tp-layers' ? { silent: true } : undefined));
    try {
      const e = await rejection(runBench({ dir: build.dir, port: b.pair.host, timeouts: fast }));
      expect(e.code).toBe('E_DEVICE_SILENT');
      expect(e.message).toMatch(/tp-layers/);
    } finally {
      await b.done();
    }
  });

  test('cut off mid-transfer: E_DEVICE_DISCONNECTED', async () => {
    let pairCut: (() => void) | undefined;
    const b = await withBoard((cmd) => {
      if (cmd.startsWith('db ') && !cmd.startsWith('db load')) {
        pairCut?.(); // the cable is pulled while the input streams in
        return { silent: true };
      }
      return undefined;
    });
    pairCut = b.pair.cut;
    try {
      const t0 = Date.now();
      const e = await rejection(runBench({ dir: build.dir, port: b.pair.host, timeouts: fast }));
      expect(e.code).toBe('E_DEVICE_DISCONNECTED');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await b.done();
    }
  });

  test('runs another model: E_WRONG_FIRMWARE before any input is sent', async () => {
    const b = await withBoard();
    const other = fakeBuildDir(6, 'mps2-an386', 'c'.repeat(64));
    try {
      const e = await rejection(runBench({ dir: other.dir, port: b.pair.host, timeouts: fast }));
      expect(e.code).toBe('E_WRONG_FIRMWARE');
      expect(e.hint).toMatch(/tinyprune flash/);
      expect(b.board.parser.state.commands.some((c) => c.startsWith('db'))).toBe(false);
    } finally {
      await b.done();
    }
  });

  test('wrong outputs: the CLI prints the result and exits 1 with E_BENCH_MISMATCH', async () => {
    const b = await withBoard((cmd) => (cmd.startsWith('infer') ? ['m-infer-done', 'm-tp-ticks-5-5-5', `m-tp-out-0-${'00'.repeat(10)}`] : undefined));
    try {
      const r = await runCli(['bench', '--board', 'mps2-an386', build.dir, '--port', b.pair.host, '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).reference.matches).toBe(0);
      expect(r.stderr).toMatch(/E_BENCH_MISMATCH/);
    } finally {
      await b.done();
    }
  });

  test('--data raw samples with --labels, --output, and a passing baseline through the CLI', async () => {
    const b = await withBoard();
    try {
      const samples = Buffer.concat([0, 1, 2, 3].map((s) => Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => (i * 13 + s * 5) & 0xff))));
      const dataFile = path.join(build.dir, 'samples.bin');
      const labelsFile = path.join(build.dir, 'labels.txt');
      writeFileSync(dataFile, samples);
      writeFileSync(labelsFile, '1\n2\n3\n4\n');
      const base = path.join(build.dir, 'report.json'); // a build report as the baseline
      const r = await runCli(['bench', '--board', 'mps2-an386', build.dir, '--port', b.pair.host, '--data', dataFile, '--labels', labelsFile, '--samples', '3', '--output', path.join(build.dir, 'out.bin'), '--baseline', base, '--max-regression', '1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.samples).toBe(3);
      expect(j.accuracy.total).toBe(3);
      expect(j.comparison.regressed).toBe(false);
      expect(j.comparison.skipped[0]).toMatch(/latency/); // the build report has no measured instructions
      const want = interpret(build.graph, [samples.subarray(0, 64)]).outputs[0]!;
      expect(readFileSync(path.join(build.dir, 'out.bin')).equals(Buffer.from(want))).toBe(true);
    } finally {
      await b.done();
    }
  });

  test('the port closes cleanly after a run (no handle keeps Node alive)', async () => {
    const b = await withBoard();
    try {
      const t = await openSerial(b.pair.host);
      const c = await BenchClient.connect(t, { timeouts: fast });
      await c.close();
      expect(t.isOpen).toBe(false);
    } finally {
      await b.done();
    }
  });
});
