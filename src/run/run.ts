/**
 * `tinyprune run`: a build directory's firmware in QEMU with deterministic instruction
 * counting. Speaks the small console protocol of firmware/app/tp_run_main.c: raw input bytes
 * in (twice: a profiled inference, then a clean one), hex outputs and counts out.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError } from '../errors.js';
import { resolveTarget, type BoardProfile } from '../boards/index.js';
import { runQemu } from '../firmware/qemu.js';
import type { BuildReport } from '../contracts/report.js';
import { readTflite } from '../tflite/read.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { readInputFile } from '../util/files.js';
import { readReportFile } from '../report/report-file.js';

export interface RunRequest {
  dir: string;
  /** Board named on the command line; must be the one the directory was built for. */
  board?: string;
  /** Raw input bytes (all inputs concatenated); zeros when absent. */
  input?: Uint8Array;
  timeoutMs?: number;
  /**
   * Estimate cycles too (RunResult.estimatedCycles): the counting plugin prices every executed
   * instruction with the core's timing model. Only runs that report the figure ask (run,
   * build --measure, bench:vs-tflm); the rest (verify, cost-model measurement) count
   * instructions alone, which is cheaper. The instruction counts are the same either way.
   */
  cycles?: boolean;
}

/**
 * Estimated cycles of the inferences: the board's core timing model applied to every executed
 * instruction (docs/CYCLES.md). Not a measurement: real boards add wait states.
 */
export interface EstimatedCycles {
  core: string;
  total: number;
  layers: number[];
}

export interface RunResult {
  board: string;
  machine: string;
  outputs: Uint8Array[];
  /** Instructions (QEMU, exact): one clean inference, and per operator (profiled inference). */
  instructions: { total: number; layers: number[] };
  /** Estimated cycles of the same inferences (RunRequest.cycles only). */
  estimatedCycles?: EstimatedCycles;
  stackBytes: number;
  uart: string;
}

/** <dir>/report.json, checked against its schema (src/report/report-file.ts). */
export function readBuildReport(dir: string): BuildReport {
  return readReportFile(dir);
}

export function readBuildModel(dir: string): ModelGraph {
  const file = path.join(dir, 'model.tflite');
  return readTflite(readInputFile(file, 'model file'), file).graph;
}
/** The build must be this board's (--board) and for QEMU, not a real board. */
function checkRunnable(req: RunRequest, report: BuildReport): void {
  if (req.board !== undefined && path.basename(req.board, '.json') !== report.board) {
    throw new TinypruneError('E_USAGE', `${req.dir} was built for ${report.board}, not ${req.board}`, {
      where: path.join(req.dir, 'report.json'),
      hint: `run with --board ${report.board}, or rebuild for ${req.board}`,
    });
  }
  if (report.target.mode === 'device') {
    throw new TinypruneError('E_BOARD', `${report.board} is a real board and this build is for the device, not QEMU`, {
      where: req.dir,
      hint: `rebuild with --emulate to run it in QEMU, or flash it to the board`,
    });
  }
}

/** The input bytes (zeros by default), checked against the model's inputs. */
function runInput(req: RunRequest, graph: ModelGraph): Uint8Array {
  const sizes = graph.inputs.map((i) => tensorBytes(graph.tensors[i]!));
  const total = sizes.reduce((a, b) => a + b, 0);
  const input = req.input ?? new Uint8Array(total);
  if (input.length !== total) {
    throw new TinypruneError('E_INPUT_SIZE', `input has ${input.length} bytes; the model's inputs take ${total}`, {
      where: req.dir,
      allowed: graph.inputs.map((i, k) => `input ${k}: ${graph.tensors[i]!.dtype}[${graph.tensors[i]!.shape.join('x')}] = ${sizes[k]} bytes`).join('; '),
    });
  }
  return input;
}

/** The outputs the firmware printed (tp-out lines), after checking it finished without error. */
function outputsOf(graph: ModelGraph, uart: string, exitCode: number, dir: string): Uint8Array[] {
  const lines = uart.split('\n').map((l) => l.trim());
  const err = lines.find((l) => l.startsWith('tp-error'));
  if (err || exitCode !== 0) {
    throw new TinypruneError('E_FAULT', `the firmware reported a failure (exit ${exitCode}): ${err ?? lines.slice(-3).join(' | ')}`, {
      where: dir,
      hint: 'a kernel rejected its parameters; run the same model with `tinyprune interpret` to compare',
    });
  }
  if (!lines.includes('tp-done')) {
    throw new TinypruneError('E_FAULT', 'the firmware ended without finishing its report', { where: dir, hint: uart.slice(-300) });
  }
  return graph.outputs.map((t, k) => {
    const line = lines.find((l) => l.startsWith(`tp-out ${k} `));
    const hex = line?.slice(`tp-out ${k} `.length) ?? '';
    const want = tensorBytes(graph.tensors[t]!);
    if (hex.length !== want * 2) {
      throw new TinypruneError('E_FAULT', `output ${k}: got ${hex.length / 2} bytes, expected ${want}`, { where: dir });
    }
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  });
}

/** A run that asked for estimated cycles has them. */
export type RunResultWithCycles = RunResult & { estimatedCycles: EstimatedCycles };

/** The marks' spans: the profiled inference per operator, and the clean inference whole. */
function spansOf(marks: readonly number[], n: number): { total: number; layers: number[] } {
  return { total: marks[n + 2]! - marks[n + 1]!, layers: Array.from({ length: n }, (_, i) => marks[i + 1]! - marks[i]!) };
}

export function runBuild(req: RunRequest & { cycles: true }): Promise<RunResultWithCycles>;
export function runBuild(req: RunRequest): Promise<RunResult>;
export async function runBuild(req: RunRequest): Promise<RunResult> {
  const report = readBuildReport(req.dir);
  checkRunnable(req, report);
  const graph = readBuildModel(req.dir);
  const input = runInput(req, graph);
  const total = input.length;
  // The build directory carries the profile it was built for (a user's board file need not be in boards/).
  const profileFile = path.join(req.dir, 'board.json');
  const board = existsSync(profileFile) ? (JSON.parse(readFileSync(profileFile, 'utf8')) as BoardProfile) : report.board;
  const target = resolveTarget(board, { emulate: report.target.mode === 'emulate' });
  const stdin = new Uint8Array(total * 2);
  stdin.set(input, 0);
  stdin.set(input, total);
  const r = await runQemu({
    board: target,
    elf: path.join(req.dir, 'firmware.elf'),
    icount: true,
    markers: true,
    cycles: req.cycles === true,
    stdin,
    timeoutMs: req.timeoutMs ?? 300_000,
  });
  const outputs = outputsOf(graph, r.uart, r.exitCode, req.dir);
  const marks = r.marks ?? [];
  const n = graph.ops.length;
  // Hook marks: one before each operator and one at the end (n + 1), then the clean pair.
  if (marks.length !== n + 3) {
    throw new TinypruneError('E_FAULT', `expected ${n + 3} instruction marks, got ${marks.length}`, { where: req.dir });
  }
  const cycles = r.cycleMarks ?? [];
  if (req.cycles && cycles.length !== n + 3) {
    throw new TinypruneError('E_FAULT', `expected ${n + 3} estimated-cycle marks, got ${cycles.length}`, { where: req.dir });
  }
  const stack = Number(/^tp-stack (\d+)/m.exec(r.uart)?.[1] ?? 0);
  return {
    board: report.board,
    machine: r.machine,
    outputs,
    instructions: spansOf(marks, n),
    ...(req.cycles ? { estimatedCycles: { core: report.target.core, ...spansOf(cycles, n) } } : {}),
    stackBytes: stack,
    uart: r.uart,
  };
}
