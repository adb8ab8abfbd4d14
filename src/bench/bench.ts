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
import type { BuildReport } from '../contracts/report.js';
import { TinypruneError } from '../errors.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { readBuildModel } from '../run/run.js';
import { decodeTensor } from '../util/tensor-data.js';
import { checkIdentity, executeFlash, gdbLoad, planFlash, readBuildFor } from '../device/flash.js';
import { markAddressOf } from '../firmware/qemu.js';
import { findTool } from '../firmware/toolchain.js';
import { findBoardPort } from '../device/ports.js';
import { BenchClient, type DeviceInfo, type ProtocolTimeouts } from '../device/protocol.js';
import { startQemuSession, type QemuSession } from '../device/qemu.js';
import { openSerial, type Transport } from '../device/transport.js';
import { inputBytes } from './inputs.js';
import { runSamples, type ReferenceCheck, type SampleRuns } from './samples.js';
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
  /**
   * --timeout: bounds each wait on the board - the handshake, a silence while inferences run,
   * and the flash - where the defaults are 10 s, 120 s and the flasher's.
   */
  timeoutMs?: number;
  /** Finer control of the protocol's bounds (over timeoutMs). */
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
  reference: ReferenceCheck;
  accuracy?: { correct: number; total: number; top1: number };
  durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A request checked against its build directory. */
interface BenchSetup {
  dir: string;
  report: BuildReport;
  graph: ModelGraph;
  board: ReturnType<typeof loadBoard>;
  samples: Uint8Array[];
  iterations: number;
  warmup: number;
  benchElf: string;
  say: (text: string) => void;
}

/** What runBench started, stopped at the end whatever happens, and how the board was loaded. */
interface Live {
  session?: QemuSession;
  transport?: Transport;
  loaded: BenchResult['loaded'];
}

/** The build, the samples and the counts of the request, checked before anything starts. */
function benchSetup(req: BenchRequest): BenchSetup {
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
  return { dir, report, graph, board, samples, iterations, warmup, benchElf, say: req.progress ?? (() => undefined) };
}

/** The port: QEMU's pty (emulated, no --port), or the board's; flashed first with --flash. */
async function openPort(req: BenchRequest, s: BenchSetup, live: Live): Promise<string> {
  const { report, benchElf, say } = s;
  if (report.target.mode !== 'device' && req.port === undefined) {
    const target = resolveTarget(report.board, { emulate: report.target.mode === 'emulate' });
    const markAddress = await markAddressOf(benchElf);
    // bench reports estimated cycles beside the counts: the plugin prices them (core=).
    const counting = { markAddress, cycles: true };
    if (req.flash) {
      live.session = await startQemuSession({ target, gdb: true, ...counting });
      say(`flashing ${path.basename(benchElf)} into QEMU ${live.session.machine} through its gdbstub (${live.session.gdbRemote})`);
      await gdbLoad(findTool('gdb-multiarch'), benchElf, live.session.gdbRemote!, 'system_reset', req.timeoutMs ?? 60_000);
      live.loaded = 'gdb';
    } else {
      live.session = await startQemuSession({ target, elf: benchElf, ...counting });
      live.loaded = 'qemu-kernel';
    }
    say(`QEMU ${live.session.machine}: serial on ${live.session.ptyPath}`);
    return live.session.ptyPath;
  }
  if (req.flash) {
    const plan = await planFlash({ dir: s.dir, ...(req.flasher ? { flasher: req.flasher } : {}), ...(req.port ? { port: req.port } : {}), ...(req.drive ? { drive: req.drive } : {}), ...(req.gdbRemote ? { gdbRemote: req.gdbRemote } : {}) });
    say(`flashing with ${plan.flasher}: ${plan.commands.join(' && ')}`);
    await executeFlash(plan, { dir: s.dir, ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}) });
    live.loaded = 'flasher';
  }
  return req.port ?? (await findPortWithRetry(s.board, req.flash ? 10_000 : 0));
}

/** Handshake, then the firmware's identity and sizes checked against the build. */
async function connect(req: BenchRequest, s: BenchSetup, live: Live, portPath: string): Promise<{ client: BenchClient; info: DeviceInfo }> {
  const { session } = live;
  live.transport = await openSerial(portPath, { baudRate: req.baud ?? s.board.serial?.baud ?? s.board.uart.baud ?? 115200 });
  const timeouts = { ...(req.timeoutMs !== undefined ? { handshakeMs: req.timeoutMs, inferMs: req.timeoutMs } : {}), ...req.timeouts };
  const client = await BenchClient.connect(live.transport, { timeouts, ...(req.trace ? { trace: req.trace } : {}) }).catch((e: unknown) => faultInstead(e, session));
  const info = await client.info().catch((e: unknown) => faultInstead(e, session));
  checkIdentity(info.sourcesSha256, s.report, portPath);
  checkShape(info, s.graph, portPath);
  s.say(`connected to ${info.board} on ${portPath}: model ${info.sourcesSha256.slice(0, 12)}, timer ${info.timer.source}`);
  return { client, info };
}

/** The result: latency in the unit the target gives, estimated cycles (QEMU), memory, outputs. */
function benchResult(req: BenchRequest, s: BenchSetup, run: { portPath: string; loaded: BenchResult['loaded']; info: DeviceInfo; counted: boolean; started: number }, m: SampleRuns): BenchResult {
  const { report, graph, samples } = s;
  const { info, counted } = run;
  const { stats, cyc, first, layerCounts, firstOutputs, correct } = m;
  const timer = info.timer.source;
  const unit: BenchResult['latency']['unit'] = counted ? 'instructions' : info.emulated ? 'ticks' : 'cycles';
  const source: BenchResult['latency']['source'] = counted ? 'qemu-plugin' : timer;
  // The clock of what ran: the board's, or the QEMU machine's (only cycles are converted to time).
  const resolved = resolveTarget(report.board, { emulate: report.target.mode === 'emulate' });
  const clockHz = resolved.clockHz;
  // Estimated cycles are the real board's core: time them at its own clock.
  const boardClockHz = resolved.board.clockHz;
  return {
    transport: 'serial',
    port: run.portPath,
    board: report.board,
    target: { mode: report.target.mode, machine: report.target.machine, core: report.target.core, clockHz },
    loaded: run.loaded,
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
    memory: { flash: report.flash.total, ram: report.ram.total, arena: { planned: info.arenaBytes, used: m.arena }, stack: { size: info.stackBytes, used: m.stack } },
    samples: samples.length,
    reference: m.reference,
    ...(req.labels ? { accuracy: { correct, total: samples.length, top1: correct / samples.length } } : {}),
    durationMs: Date.now() - run.started,
  };
}

export async function runBench(req: BenchRequest): Promise<BenchResult> {
  const started = Date.now();
  const s = benchSetup(req);
  const live: Live = { loaded: 'none' };
  try {
    const portPath = await openPort(req, s, live);
    const { client, info } = await connect(req, s, live, portPath);
    const { session } = live;
    const runs = await runSamples({
      graph: s.graph,
      samples: s.samples,
      labels: req.labels,
      iterations: s.iterations,
      warmup: s.warmup,
      client,
      session,
      portPath,
      fault: (e: unknown) => faultInstead(e, session),
      stages: req.stages,
      say: s.say,
    });
    return benchResult(req, s, { portPath, loaded: live.loaded, info, counted: session !== undefined, started }, runs);
  } finally {
    await live.transport?.close();
    await live.session?.stop();
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
