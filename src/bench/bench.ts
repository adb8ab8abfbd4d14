/**
 * `tinyprune bench`: latency per inference and per layer, memory high-water marks, outputs
 * checked against the reference interpreter and on-device accuracy - from the benchmark
 * firmware over a serial port.
 *
 * The same host code serves a board on USB and the CI stand-in: for an emulated build it
 * starts QEMU with the UART on a pseudo-terminal and opens that like a USB port. Counts are
 * what the target can give exactly:
 *   QEMU        instructions, from the instruction-count plugin's marks (the firmware's
 *               tp_mark calls bracket each inference and each layer, as in `tinyprune run`)
 *   real board  cycles, from DWT CYCCNT (SysTick at the core clock on Cortex-M0/M0+)
 * and the result says which (latency.unit, latency.source).
 */
import path from 'node:path';

import { loadBoard, resolveTarget } from '../boards/index.js';
import type { BuildReport } from '../build/build.js';
import { TinypruneError } from '../errors.js';
import { interpret, prepare } from '../interp/index.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { readBuildModel } from '../run/run.js';
import { decodeTensor } from '../util/tensor-data.js';
import { markAddressOf } from '../device/elf.js';
import { checkIdentity, executeFlash, gdbLoad, planFlash, readBuildFor } from '../device/flash.js';
import { findTool } from '../firmware/toolchain.js';
import { findBoardPort } from '../device/ports.js';
import { BenchClient, type DeviceInfo, type ProtocolTimeouts } from '../device/protocol.js';
import { startQemuSession, type QemuSession } from '../device/qemu.js';
import { openSerial, type Transport } from '../device/transport.js';
import { inputBytes } from './inputs.js';
import type { Progress } from '../util/progress.js';

export interface BenchRequest {
  dir: string;
  /** Board named on the command line: must be the build's. */
  board?: string;
  /** A serial port path; default: QEMU's pty (emulated) or the board found by USB VID/PID. */
  port?: string;
  baud?: number;
  /** Samples: all inputs concatenated (default: one sample of zeros). */
  samples?: Uint8Array[];
  labels?: number[];
  /** Timed inferences per sample (infer N), and warm-ups before them (W). Default 1 and 0. */
  iterations?: number;
  warmup?: number;
  /** Flash first: the board's flasher, or for an emulated board a GDB load through QEMU's gdbstub. */
  flash?: boolean;
  flasher?: string;
  drive?: string;
  gdbRemote?: string;
  timeouts?: Partial<ProtocolTimeouts>;
  /** Every protocol line, for --verbose. */
  trace?: (direction: '>' | '<', text: string) => void;
  /** Progress lines (stderr). */
  progress?: (text: string) => void;
  /** Progress of the inferences: stage "bench", one step per sample (a bar / lines / JSON, chosen by the CLI). */
  stages?: Progress;
}

export interface OutputValue {
  index: number;
  name: string;
  dtype: string;
  shape: number[];
  values: number[];
  real?: number[];
}

export interface BenchResult {
  transport: 'serial';
  port: string;
  board: string;
  target: { mode: BuildReport['target']['mode']; machine: string | null; core: string; clockHz: number };
  /** How the board was loaded in this run ('none': it already ran the firmware). */
  loaded: 'qemu-kernel' | 'gdb' | 'flasher' | 'none';
  identity: { sourcesSha256: string; matches: true };
  /** Outputs of the first sample. */
  outputs: OutputValue[];
  /** The same, as the exact bytes (hex), in output order. */
  outputsHex: string[];
  latency: {
    unit: 'instructions' | 'cycles' | 'ticks';
    /** qemu-plugin: exact instructions; dwt / systick: the firmware's timer. */
    source: 'qemu-plugin' | 'dwt' | 'systick';
    /** One inference of the first sample. */
    total: number;
    /** Per operator (profiled inference of the first sample, hook overhead included as in `tinyprune run`). */
    layers: number[];
    /** Over every timed inference of every sample. */
    perInference: { min: number; max: number; mean: number; count: number };
    /** cycles → microseconds at the board's clock. */
    microseconds?: number;
  };
  /**
   * QEMU runs: the same inferences priced with the core's timing model (docs/CYCLES.md), an
   * estimate beside the exact instruction counts; microseconds at the board's clock.
   */
  estimatedCycles?: { core: string; total: number; layers: number[]; perInference: { min: number; max: number; mean: number }; microseconds?: number };
  layers: { index: number; op: string; count: number }[];
  memory: {
    flash: number;
    ram: number;
    arena: { planned: number; used: number };
    stack: { size: number; used: number };
  };
  samples: number;
  reference: { checked: number; matches: number; mismatches: { sample: number; output: number; detail: string }[] };
  accuracy?: { correct: number; total: number; top1: number };
  durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Compare with the interpreter: int8 and other integers exactly, float32 within 1e-5 relative. */
function outputsDiffer(graph: ModelGraph, k: number, got: Uint8Array, want: Uint8Array): string | undefined {
  if (got.length !== want.length) return `${got.length} bytes, expected ${want.length}`;
  const t = graph.tensors[graph.outputs[k]!]!;
  if (t.dtype !== 'float32') {
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `byte ${i}: ${got[i]} vs ${want[i]} (reference)`;
    return undefined;
  }
  const a = new DataView(got.buffer, got.byteOffset, got.byteLength);
  const b = new DataView(want.buffer, want.byteOffset, want.byteLength);
  for (let i = 0; i + 4 <= got.length; i += 4) {
    const x = a.getFloat32(i, true);
    const y = b.getFloat32(i, true);
    if (!(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y))) && !(Number.isNaN(x) && Number.isNaN(y))) return `element ${i / 4}: ${x} vs ${y} (reference)`;
  }
  return undefined;
}

function splitInputs(graph: ModelGraph, sample: Uint8Array): Uint8Array[] {
  let off = 0;
  return graph.inputs.map((t) => {
    const n = tensorBytes(graph.tensors[t]!);
    const part = sample.slice(off, off + n);
    off += n;
    return part;
  });
}

function argmax(graph: ModelGraph, bytes: Uint8Array): number {
  const { values } = decodeTensor(graph.tensors[graph.outputs[0]!]!, bytes);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export async function runBench(req: BenchRequest): Promise<BenchResult> {
  const started = Date.now();
  const dir = path.resolve(req.dir);
  const report = readBuildFor(dir, req.board);
  const graph = readBuildModel(dir);
  const board = loadBoard(report.board);
  const per = inputBytes(graph);
  const samples = req.samples ?? [new Uint8Array(per)];
  for (const [i, s] of samples.entries()) {
    if (s.length !== per) throw new TinypruneError('E_INPUT_SIZE', `sample ${i} has ${s.length} bytes; the model's inputs take ${per}`, { where: dir });
  }
  if (samples.length === 0) throw new TinypruneError('E_DATA', 'no samples to run', { where: dir });
  if (req.labels && req.labels.length < samples.length) throw new TinypruneError('E_DATA', `${samples.length} samples but ${req.labels.length} labels`, { where: dir });
  const iterations = req.iterations ?? 1;
  const warmup = req.warmup ?? 0;
  if (!Number.isInteger(iterations) || iterations < 1) throw new TinypruneError('E_USAGE', `--iterations ${iterations} must be a positive integer`, { where: 'tinyprune bench' });
  if (!Number.isInteger(warmup) || warmup < 0) throw new TinypruneError('E_USAGE', `--warmup ${warmup} must be a non-negative integer`, { where: 'tinyprune bench' });
  if (!report.files.bench) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `${dir} has no benchmark firmware (bench.elf)`, {
      where: path.join(dir, 'report.json'),
      hint: report.warnings?.some((w) => w.code === 'W_BENCH_DOES_NOT_FIT') ? 'it did not fit the board (see the build warnings)' : 'rebuild with this version of tinyprune',
    });
  }
  const benchElf = path.join(dir, report.files.bench.elf);
  const say = req.progress ?? (() => undefined);

  let session: QemuSession | undefined;
  let transport: Transport | undefined;
  let loaded: BenchResult['loaded'] = 'none';
  try {
    // 1. The port: QEMU's pty (emulated, no --port), or the board's.
    let portPath: string;
    if (report.target.mode !== 'device' && req.port === undefined) {
      const target = resolveTarget(report.board, { emulate: report.target.mode === 'emulate' });
      const markAddress = await markAddressOf(benchElf);
      if (req.flash) {
        session = await startQemuSession({ target, gdb: true, markAddress });
        say(`flashing ${path.basename(benchElf)} into QEMU ${session.machine} through its gdbstub (${session.gdbRemote})`);
        await gdbLoad(findTool('gdb-multiarch'), benchElf, session.gdbRemote!, 'system_reset', 60_000);
        loaded = 'gdb';
      } else {
        session = await startQemuSession({ target, elf: benchElf, markAddress });
        loaded = 'qemu-kernel';
      }
      portPath = session.ptyPath;
      say(`QEMU ${session.machine}: serial on ${portPath}`);
    } else {
      if (req.flash) {
        const plan = await planFlash({ dir, ...(req.flasher ? { flasher: req.flasher } : {}), ...(req.port ? { port: req.port } : {}), ...(req.drive ? { drive: req.drive } : {}), ...(req.gdbRemote ? { gdbRemote: req.gdbRemote } : {}) });
        say(`flashing with ${plan.flasher}: ${plan.commands.join(' && ')}`);
        await executeFlash(plan, { dir });
        loaded = 'flasher';
      }
      portPath = req.port ?? (await findPortWithRetry(board, req.flash ? 10_000 : 0));
    }

    // 2. Handshake and identity.
    transport = await openSerial(portPath, { baudRate: req.baud ?? board.serial?.baud ?? board.uart.baud ?? 115200 });
    const client = await BenchClient.connect(transport, { ...(req.timeouts ? { timeouts: req.timeouts } : {}), ...(req.trace ? { trace: req.trace } : {}) }).catch((e: unknown) => faultInstead(e, session));
    const info = await client.info().catch((e: unknown) => faultInstead(e, session));
    checkIdentity(info.sourcesSha256, report, portPath);
    checkShape(info, graph, portPath);
    say(`connected to ${info.board} on ${portPath}: model ${info.sourcesSha256.slice(0, 12)}, timer ${info.timer.source}`);

    // 3. Samples: load, per-layer profile once, timed inferences; compare with the interpreter.
    const plan = prepare(graph);
    const counted = session !== undefined;
    let marksSeen = session ? session.marks().length : 0;
    let cyclesSeen = session ? session.cycleMarks().length : 0;
    const cyc = { total: 0, layers: [] as number[], min: Infinity, max: 0, sum: 0, count: 0 };
    const newMarks = (want: number, what: string): number[] => {
      const all = session!.marks();
      const fresh = all.slice(marksSeen);
      marksSeen = all.length;
      const allCycles = session!.cycleMarks();
      cycleFresh = allCycles.slice(cyclesSeen);
      cyclesSeen = allCycles.length;
      if (fresh.length !== want) {
        throw new TinypruneError('E_DEVICE_PROTOCOL', `expected ${want} instruction marks from ${what}, the plugin recorded ${fresh.length}`, { where: portPath, hint: 'the firmware and the plugin disagree: rebuild the build directory' });
      }
      return fresh;
    };
    // Estimated cycles recorded at the same marks as the last newMarks() call.
    let cycleFresh: number[] = [];
    let layerCounts: number[] = [];
    let first = 0;
    let arena = 0;
    let stack = 0;
    const stats = { min: Infinity, max: 0, sum: 0, count: 0 };
    const reference: BenchResult['reference'] = { checked: 0, matches: 0, mismatches: [] };
    let correct = 0;
    let firstOutputs: Uint8Array[] = [];
    req.stages?.start('bench', samples.length);
    for (const [i, sample] of samples.entries()) {
      await client.load(sample).catch((e: unknown) => faultInstead(e, session));
      if (i === 0) {
        const l = await client.layers().catch((e: unknown) => faultInstead(e, session));
        arena = l.arenaUsed;
        stack = l.stackUsed;
        if (counted) {
          const m = newMarks(graph.ops.length + 1, 'tp-layers');
          layerCounts = Array.from({ length: graph.ops.length }, (_, k) => m[k + 1]! - m[k]!);
          if (cycleFresh.length === m.length) cyc.layers = Array.from({ length: graph.ops.length }, (_, k) => cycleFresh[k + 1]! - cycleFresh[k]!);
        } else {
          layerCounts = l.ticks;
        }
      }
      const r = await client.infer(iterations, warmup, graph.outputs.length).catch((e: unknown) => faultInstead(e, session));
      if (counted) {
        const m = newMarks(2 * iterations, 'infer');
        const counts = Array.from({ length: iterations }, (_, k) => m[2 * k + 1]! - m[2 * k]!);
        stats.min = Math.min(stats.min, ...counts);
        stats.max = Math.max(stats.max, ...counts);
        stats.sum += counts.reduce((a, b) => a + b, 0);
        if (i === 0) first = counts[0]!;
        if (cycleFresh.length === m.length) {
          const cc = Array.from({ length: iterations }, (_, k) => cycleFresh[2 * k + 1]! - cycleFresh[2 * k]!);
          cyc.min = Math.min(cyc.min, ...cc);
          cyc.max = Math.max(cyc.max, ...cc);
          cyc.sum += cc.reduce((a, b) => a + b, 0);
          cyc.count += iterations;
          if (i === 0) cyc.total = cc[0]!;
        }
      } else {
        // The device's own timer: it sums, and keeps min and max, of the N timed inferences.
        stats.min = Math.min(stats.min, r.ticks.min);
        stats.max = Math.max(stats.max, r.ticks.max);
        stats.sum += r.ticks.sum;
        if (i === 0) first = r.ticks.min;
      }
      stats.count += iterations;
      if (i === 0) firstOutputs = r.outputs;
      const want = interpret(plan, splitInputs(graph, sample)).outputs;
      reference.checked++;
      let ok = true;
      want.forEach((w, k) => {
        const d = outputsDiffer(graph, k, r.outputs[k]!, w);
        if (d) {
          ok = false;
          if (reference.mismatches.length < 20) reference.mismatches.push({ sample: i, output: k, detail: d });
        }
      });
      if (ok) reference.matches++;
      if (req.labels && argmax(graph, r.outputs[0]!) === req.labels[i]) correct++;
      if (req.stages) req.stages.tick(1);
      else if (samples.length > 1 && (i + 1) % 10 === 0) say(`  ${i + 1}/${samples.length} samples`);
    }
    req.stages?.done();

    const timer = info.timer.source;
    const unit: BenchResult['latency']['unit'] = counted ? 'instructions' : info.emulated ? 'ticks' : 'cycles';
    const source: BenchResult['latency']['source'] = counted ? 'qemu-plugin' : timer;
    // The clock of what ran: the board's, or the QEMU machine's (only cycles are converted to time).
    const resolved = resolveTarget(report.board, { emulate: report.target.mode === 'emulate' });
    const clockHz = resolved.clockHz;
    // Estimated cycles are the real board's core: time them at its own clock.
    const boardClockHz = resolved.board.clockHz;
    const result: BenchResult = {
      transport: 'serial',
      port: portPath,
      board: report.board,
      target: { mode: report.target.mode, machine: report.target.machine, core: report.target.core, clockHz },
      loaded,
      identity: { sourcesSha256: info.sourcesSha256, matches: true },
      outputs: firstOutputs.map((bytes, k) => {
        const t = graph.tensors[graph.outputs[k]!]!;
        return { index: k, name: t.name, dtype: t.dtype, shape: t.shape, ...decodeTensor(t, bytes) };
      }),
      outputsHex: firstOutputs.map((b) => Buffer.from(b).toString('hex')),
      latency: {
        unit,
        source,
        total: first,
        layers: layerCounts,
        perInference: { min: stats.min, max: stats.max, mean: stats.sum / stats.count, count: stats.count },
        ...(unit === 'cycles' && clockHz > 0 ? { microseconds: (first / clockHz) * 1e6 } : {}),
      },
      ...(cyc.count > 0
        ? {
            estimatedCycles: {
              core: report.target.core,
              total: cyc.total,
              layers: cyc.layers,
              perInference: { min: cyc.min, max: cyc.max, mean: cyc.sum / cyc.count },
              ...(boardClockHz > 0 ? { microseconds: (cyc.total / boardClockHz) * 1e6 } : {}),
            },
          }
        : {}),
      layers: layerCounts.map((count, index) => ({ index, op: graph.ops[index]?.opcode ?? '?', count })),
      memory: { flash: report.flash.total, ram: report.ram.total, arena: { planned: info.arenaBytes, used: arena }, stack: { size: info.stackBytes, used: stack } },
      samples: samples.length,
      reference,
      ...(req.labels ? { accuracy: { correct, total: samples.length, top1: correct / samples.length } } : {}),
      durationMs: Date.now() - started,
    };
    return result;
  } finally {
    await transport?.close();
    await session?.stop();
  }
}

/** After flashing, a USB board re-enumerates: look for its port for a while. */
async function findPortWithRetry(board: ReturnType<typeof loadBoard>, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await findBoardPort(board);
    } catch (e) {
      if (Date.now() >= deadline || !(e instanceof TinypruneError) || e.code !== 'E_DEVICE_NOT_FOUND') throw e;
      await sleep(500);
    }
  }
}

/** The sizes the firmware reports must be this model's (a second check after the hash). */
function checkShape(info: DeviceInfo, graph: ModelGraph, where: string): void {
  const inputs = graph.inputs.map((t) => tensorBytes(graph.tensors[t]!));
  const outputs = graph.outputs.map((t) => tensorBytes(graph.tensors[t]!));
  if (info.layers !== graph.ops.length || info.inputs.join(',') !== inputs.join(',') || info.outputs.join(',') !== outputs.join(',')) {
    throw new TinypruneError('E_WRONG_FIRMWARE', `the board's model has ${info.layers} operators, inputs [${info.inputs}] and outputs [${info.outputs}] bytes; the build's has ${graph.ops.length}, [${inputs}], [${outputs}]`, {
      where,
      hint: 'flash this build first (tinyprune flash)',
    });
  }
}

/**
 * A QEMU that exited mid-run (a firmware fault ends it with 100 + the exception number) shows
 * on the host as a disconnect or silence: report the fault instead, it says what happened.
 */
async function faultInstead(e: unknown, session: QemuSession | undefined): Promise<never> {
  if (session && e instanceof TinypruneError && /^E_DEVICE_/.test(e.code)) {
    const exit = await Promise.race([session.exited, sleep(1000).then(() => undefined)]);
    if (exit?.fault) {
      throw new TinypruneError('E_FAULT', `the firmware faulted in QEMU: ${exit.fault}`, {
        where: session.ptyPath,
        hint: 'a kernel or the stack went wrong on the target; `tinyprune run` on the same build shows the faulting source line',
        cause: e,
      });
    }
  }
  throw e;
}
