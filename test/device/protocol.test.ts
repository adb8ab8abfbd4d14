/**
 * The host side of the benchmark protocol against an in-memory board: handshake through the
 * quirks (dropped output, stale lines), parsing, and every typed failure. Fast: no processes.
 */
import { describe, expect, test } from 'vitest';

import { BenchClient } from '../../src/device/protocol.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { interpret } from '../../src/interp/index.js';
import { benchFirmwareHandler, MemoryTransport, rejection, type Handler } from './helpers.js';

const graph = synthDigitsCnn(5);
const sha = 'b'.repeat(64);
const fast = { handshakeMs: 600, pingIntervalMs: 50, commandMs: 300, inferMs: 300 };

function board(override?: Handler): MemoryTransport {
  return new MemoryTransport(benchFirmwareHandler(graph, sha, override));
}

describe('handshake', () => {
  test('syncs on a fresh nonce past dropped output, boot banners and stale pongs', async () => {
    const t = board();
    // QEMU drops the UART output until it notices the pty is open: the first 3 pings get no answer.
    t.dropUntilCommand = 3;
    t.emit('m-timestamp-mode-performance\r\nm-init-done\r\nm-ready\r\n');
    const c = await BenchClient.connect(t, { timeouts: fast });
    const cmds = t.parser.state.commands;
    expect(cmds[0]).toBe(''); // the leading '%' that ends a half-typed command
    const pings = cmds.filter((x) => x.startsWith('ping '));
    expect(pings.length).toBeGreaterThanOrEqual(4);
    const nonce = pings[0]!.split(' ')[1]!.split('-')[0]!;
    expect(nonce).toMatch(/^[0-9a-f]{8}$/);
    expect(pings.at(-1)).toBe(`ping ${nonce}-sync`);
    // After the sync the next command's reply is its own, not a stale pong.
    expect(await c.command('name')).toEqual(['m-name-dut-[tinyprune]']);
  });

  test('a fresh nonce per connection', async () => {
    const a = board();
    const b = board();
    await BenchClient.connect(a, { timeouts: fast });
    await BenchClient.connect(b, { timeouts: fast });
    const n = (t: MemoryTransport) => t.parser.state.commands.find((x) => x.startsWith('ping '))!.split(' ')[1]!.split('-')[0];
    expect(n(a)).not.toBe(n(b));
  });

  test('silence: E_DEVICE_SILENT within the handshake bound', async () => {
    const t = board(() => ({ silent: true }));
    const t0 = Date.now();
    const e = await rejection(BenchClient.connect(t, { timeouts: fast }));
    expect(e.code).toBe('E_DEVICE_SILENT');
    expect(e.hint).toMatch(/flash/);
    expect(Date.now() - t0).toBeLessThan(fast.handshakeMs + 500);
  });

  test('garbage (wrong baud rate): E_DEVICE_GARBAGE quoting what arrived', async () => {
    const t = board(() => ({ garbage: '\xf0\x8c\x00\xfe\x12\xff\xf8' }));
    const e = await rejection(BenchClient.connect(t, { timeouts: fast }));
    expect(e.code).toBe('E_DEVICE_GARBAGE');
    expect(e.hint).toMatch(/baud/);
  });

  test('text that is not the protocol: E_DEVICE_GARBAGE', async () => {
    const t = board(() => ({ raw: 'Hello from blinky!\r\n' }));
    expect((await rejection(BenchClient.connect(t, { timeouts: fast }))).code).toBe('E_DEVICE_GARBAGE');
  });

  test('an EEMBC firmware without tinyprune extensions: E_WRONG_FIRMWARE', async () => {
    const t = board((cmd) => (cmd.startsWith('ping') ? [`e-[Unknown command: ping]`] : undefined));
    const e = await rejection(BenchClient.connect(t, { timeouts: fast }));
    expect(e.code).toBe('E_WRONG_FIRMWARE');
    expect(e.hint).toMatch(/tinyprune flash/);
  });

  test('unplugged during the handshake: E_DEVICE_DISCONNECTED', async () => {
    const t = board(() => ({ silent: true }));
    setTimeout(() => t.unplug(), 100);
    expect((await rejection(BenchClient.connect(t, { timeouts: fast }))).code).toBe('E_DEVICE_DISCONNECTED');
  });
});

describe('commands', () => {
  test('info, load in chunks, infer and layers are parsed', async () => {
    const t = board();
    const c = await BenchClient.connect(t, { timeouts: fast, chunkBytes: 16 });
    const info = await c.info();
    expect(info).toEqual({
      sourcesSha256: sha,
      board: 'fake',
      emulated: false,
      layers: graph.ops.length,
      inputs: [64],
      outputs: [10],
      arenaBytes: 640,
      stackBytes: 4096,
      timer: { source: 'dwt', hz: 16000000 },
    });
    const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    await c.load(input);
    const dbs = t.parser.state.commands.filter((x) => x.startsWith('db ') && !x.startsWith('db load'));
    expect(dbs).toHaveLength(4); // 64 bytes in 16-byte chunks
    expect(dbs.every((x) => x.length <= 3 + 32)).toBe(true);
    const r = await c.infer(3, 2, 1);
    expect(r.ticks).toEqual({ sum: 3000, min: 1000, max: 1000 });
    expect(r.lapUs).toEqual([100, 200]);
    expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(interpret(graph, [input]).outputs[0]!))).toBe(true);
    expect(t.parser.state.commands).toContain('infer 3 2');
    const l = await c.layers();
    expect(l.ticks).toHaveLength(graph.ops.length);
    expect(l).toMatchObject({ arenaUsed: 600, stackUsed: 300 });
  });

  test('an e-[...] reply is E_DEVICE_PROTOCOL with the firmware\'s words', async () => {
    const t = board();
    const c = await BenchClient.connect(t, { timeouts: fast });
    const e = await rejection(c.infer(1, 0, 1));
    expect(e.code).toBe('E_DEVICE_PROTOCOL');
    expect(e.message).toMatch(/load the input bytes first/);
  });

  test('silence mid-run: E_DEVICE_SILENT within the bound', async () => {
    const t = board((cmd) => (cmd.startsWith('infer') ? { silent: true } : undefined));
    const c = await BenchClient.connect(t, { timeouts: fast });
    await c.load(new Uint8Array(64));
    const t0 = Date.now();
    const e = await rejection(c.infer(1, 0, 1));
    expect(e.code).toBe('E_DEVICE_SILENT');
    expect(e.message).toMatch(/infer 1 0/);
    expect(Date.now() - t0).toBeLessThan(fast.inferMs + 400);
  });

  test('garbage mid-run: E_DEVICE_GARBAGE', async () => {
    const t = board((cmd) => (cmd.startsWith('tp-info') ? { raw: 'm-tp-board-x\r\n\x13\x88\xfe junk\r\nm-ready\r\n' } : undefined));
    const c = await BenchClient.connect(t, { timeouts: fast });
    expect((await rejection(c.info())).code).toBe('E_DEVICE_GARBAGE');
  });

  test('a board that restarts mid-command: E_DEVICE_PROTOCOL naming the reset', async () => {
    const t = board((cmd) => (cmd.startsWith('infer') ? { raw: 'm-warmup-start-0\r\nm-init-done\r\nm-ready\r\n' } : undefined));
    const c = await BenchClient.connect(t, { timeouts: fast });
    await c.load(new Uint8Array(64));
    const e = await rejection(c.infer(1, 0, 1));
    expect(e.code).toBe('E_DEVICE_PROTOCOL');
    expect(e.message).toMatch(/restarted/);
  });

  test('unplugged mid-transfer: E_DEVICE_DISCONNECTED', async () => {
    const t = board((cmd, st) => {
      if (cmd.startsWith('db ') && !cmd.startsWith('db load') && st.db.length >= 0) {
        t.unplug();
        return { silent: true };
      }
      return undefined;
    });
    const c = await BenchClient.connect(t, { timeouts: fast, chunkBytes: 8 });
    const e = await rejection(c.load(new Uint8Array(64)));
    expect(e.code).toBe('E_DEVICE_DISCONNECTED');
  });

  test('missing tp-info fields: E_WRONG_FIRMWARE (another tinyprune version)', async () => {
    const t = board((cmd) => (cmd === 'tp-info' ? [`m-tp-sources-sha256-${sha}`] : undefined));
    const c = await BenchClient.connect(t, { timeouts: fast });
    expect((await rejection(c.info())).code).toBe('E_WRONG_FIRMWARE');
  });
});
