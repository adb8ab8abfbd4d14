/**
 * What a build hands on: report.json (BuildReport, one LayerReport per operator) and the
 * pipeline's report, which extends it. Read by the report renderers, run, bench, flash and
 * the exporters; written only by the build and the pipeline. Types only: this folder sits
 * below every stage and imports nothing that runs.
 */
import type { Target } from '../boards/index.js';
import type { CoreFamily } from '../codegen/generate.js';
import type { Warning } from '../errors.js';
import type { Objective as FormatObjective } from '../sparse/plan.js';
import type { PrunePlan } from './plan.js';
import type { GranularityName as Granularity } from '../sparse/granularity.js';
import type { FormatName } from '../sparse/types.js';

export interface LayerReport {
  index: number;
  op: string;
  kernel: string | null;
  /** 'dense', a sparse format (src/sparse), or 'alias' (no code). */
  format: FormatName | 'alias';
  /** How the layer was pruned, when a plan chose it per layer (the pipeline). */
  granularity?: string;
  /** Fraction of zero weights (prunable layers), null elsewhere. */
  sparsity: number | null;
  /** Flash bytes of the layer's constants as stored (sparse: encoded arrays + folded bias). */
  weightBytes: number;
  macs: number;
  /** Cost-model prediction for FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D calls, null elsewhere. */
  predictedInstructions: number | null;
  /** Measured in QEMU (build --measure), including the per-layer hook's few instructions. */
  measuredInstructions?: number | null;
  /** The same layer dense, for comparison (prunable layers with a format choice). */
  dense?: { weightBytes: number; predictedInstructions: number | null };
  output: string;
  /** Output channels kept of the original's (the pipeline: channel pruning). */
  channels?: { kept: number; total: number };
  /**
   * Present when the layer writes its output over its own dying input (src/plan/overlap.ts):
   * the arena bytes that saves at this layer, and how far below the input the output starts
   * (bytes; the kernel is unchanged, so nothing is recomputed).
   */
  inPlace?: { savedBytes: number; displacement: number };
  /**
   * Present when the layer runs band by band into the FULLY_CONNECTED `into` (patch-based
   * execution, src/codegen/stream.ts): its whole output (`fullBytes`) never exists, the arena
   * holds one band of `rowsPerBand` rows (`bandBytes`) and the consumer's int32 accumulators.
   * `recomputedMacs` is what the bands compute twice (0: bands share no output rows).
   */
  streamed?: { into: number; bands: number; rowsPerBand: number; bandBytes: number; fullBytes: number; recomputedMacs: number };
}

export interface BuildReport {
  tool: { name: 'tinyprune'; version: string };
  model: { source: string; sha256: string; operators: number };
  board: string;
  target: { mode: Target['mode']; machine: string | null; core: string; flashLimit: number; ramLimit: number };
  fits: boolean;
  /**
   * Flash bytes: weights (constant tensors), model (other model-specific data: operator
   * parameters, requantization tables), code (everything else: kernels, runtime, startup,
   * the benchmark app) — measured from the linked ELF's symbols.
   */
  flash: { total: number; weights: number; model: number; code: number; limit: number };
  ram: { arena: number; static: number; stack: number; total: number; limit: number };
  arena: { bytes: number; lowerBound: number };
  layers: LayerReport[];
  kernels: string[];
  /** Set when the build pruned or chose sparse formats. */
  sparse?: { sparsity: number | null; granularity: Granularity | null; optimize: FormatObjective | null; format: FormatName | null; family: CoreFamily };
  /** One inference in QEMU: instructions, and estimated cycles from the core's timing model (docs/CYCLES.md). */
  measured?: { instructions: number; estimatedCycles?: number };
  /**
   * Identity of the model on a board: sha256 of the generated library (lib/). The benchmark
   * firmware reports it over serial and `tinyprune bench` refuses a board that runs another.
   */
  sourcesSha256: string;
  /** bench: the benchmark firmware (serial protocol, firmware/app/tp_bench_main.c); null if it does not fit. */
  files: { elf: string; bin: string; hex: string; model: string; sources: string[]; bench: { elf: string; bin: string; hex: string } | null };
  toolchain: { commands: string[][] };
  warnings: Warning[];
}

/** One point of the sensitivity sweep: validation accuracy with one layer pruned. */
export interface SensitivityPoint {
  layer: string;
  granularity: string;
  sparsity: number;
  accuracy: number;
}

/** How one pipeline stage ran: computed, or reused from its cached artefact. */
export interface StageTiming {
  name: string;
  reused: boolean;
  seconds: number;
}

/** report.json of `tinyprune build --data …` / the pipeline: the build's report and what led to it. */
export interface PipelineReport extends BuildReport {
  /** Measured on the held-out split; loss and maxLoss in points. */
  accuracy?: { before: number; after: number; samples: number; metric: 'top-1 (validation, int8 interpreter)'; loss: number; maxLoss: number; attempts: { plan: PrunePlan; loss: number; predicted: number }[] };
  /** Pruned without data (--unverified): nothing measured what the pruning cost. */
  accuracyNotMeasured?: { reason: string };
  /** What the solver minimised: predicted loss (fit), instructions (latency) or flash bytes (size). */
  objective: 'fit' | 'latency' | 'size';
  plan: { source: 'solver' | 'file'; file: string; predicted: { flash: number; ram: number; instructions: number; loss: number }; layers: Record<string, { granularity: string; sparsity: number; format: string }> };
  verify?: { samples: number; bitExact: number; onDeviceAccuracy: number | null; instructions: number };
  /** Accuracy with one layer pruned at a time (the solver's loss curves). */
  sensitivity?: SensitivityPoint[];
  pipeline: { stages: StageTiming[]; backend: string | null };
  /** How the build was made: the data set, the seed and an equivalent command line. */
  run?: RunInfo;
}

export interface RunInfo {
  /** The data-set spec as given (--data), or null (no data: accuracy not measured). */
  data: string | null;
  seed: number;
  /** `tinyprune build …` that makes the same build (paths as given, relative to where it ran). */
  command: string;
}
