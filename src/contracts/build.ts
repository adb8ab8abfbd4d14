/**
 * What a build is asked for: `tinyprune build` without --data (BuildOptions, a model file)
 * and the same from a graph in memory (GraphBuildOptions: tests, benchmarks, the pipeline).
 * Read by the build stages (src/pipeline/stages/build.ts); src/build adds --emit. Types only.
 */
import type { Target } from '../boards/index.js';
import type { Warning } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import type { Objective } from '../sparse/plan.js';
import type { GranularityName as Granularity } from '../sparse/granularity.js';
import type { EncodedMatrix, FormatName } from '../sparse/types.js';

export interface BuildOptions {
  modelPath: string;
  /** Board name or path to a board profile. */
  board: string;
  /** Build a real board for its QEMU stand-in (linked with the real board's memory sizes). */
  emulate: boolean;
  outDir: string;
  prefix?: string;
  toolVersion: string;
  /** 'auto' (default): the core's optimised kernels where they exist; 'plain': reference C only. */
  kernels?: 'auto' | 'plain';
  /**
   * Prune every FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D weight tensor to this fraction of
   * zeros by one-shot magnitude pruning before encoding (model.tflite is then the pruned model).
   */
  sparsity?: number;
  /** Unit of that pruning (default 'element'). */
  granularity?: Granularity;
  /**
   * Per-layer format choice: minimise flash bytes, predicted instructions or both (default
   * 'balanced'). Formats are chosen when sparsity, optimize or format is given; otherwise every
   * layer is dense.
   */
  optimize?: Objective;
  /** Use this format on every layer that can take it (dense elsewhere), e.g. for benchmarks. */
  format?: FormatName;
  /** After building for QEMU, run one inference and add measured per-layer instructions. */
  measure?: boolean;
  /** Also link bench.elf, the benchmark firmware for `tinyprune bench` / `flash` (default true). */
  bench?: boolean;
}

export interface GraphBuildOptions extends Omit<BuildOptions, 'modelPath' | 'board' | 'emulate'> {
  graph: ModelGraph;
  /** Display name of the model (file name). */
  source: string;
  sha256: string;
  target: Target;
  warnings?: Warning[];
  /** Explicit encodings per operator (tests, benchmarks): skip the format choice. */
  sparse?: ReadonlyMap<number, EncodedMatrix>;
  /** A format per operator (a solved plan); the objective chooses for the others. */
  formats?: ReadonlyMap<number, FormatName>;
  /** Input files that must not be the output directory or inside it (the model). */
  inputs?: readonly string[];
}
