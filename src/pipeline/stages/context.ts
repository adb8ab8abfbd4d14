/**
 * What `build --data` is asked for (PipelineRequest) and what its stages hand on to each other
 * (PipelineContext): each field names the stage that sets it; later stages read it.
 */
import { createHash } from 'node:crypto';

import type { Target } from '../../boards/index.js';
import type { CoreFamily } from '../../codegen/generate.js';
import type { PrunePlan } from '../../contracts/plan.js';
import type { PipelineReport, SensitivityPoint, StageTiming } from '../../contracts/report.js';
import type { StageContext } from '../../contracts/stage.js';
import type { Warning } from '../../errors.js';
import type { ExportKind } from '../../export/index.js';
import type { ModelGraph } from '../../ir/graph.js';
import type { Feasible, Objective, SolveProblem } from '../../solve/index.js';
import type { Progress } from '../../util/progress.js';
import type { costFamily } from '../../sparse/cost.js';
import type { Attempt } from '../budget.js';
import type { LayerCandidates } from '../candidates.js';
import type { RunOptions } from '../runner.js';
import type { SplitData } from '../accuracy.js';

export interface PipelineRequest {
  modelPath: string;
  board: string;
  emulate: boolean;
  outDir: string;
  toolVersion: string;
  /** Data-set spec (src/data/load.ts); absent: one-shot magnitude pruning, only with `unverified`. */
  data?: string;
  /** A PrunePlan file to apply instead of solving. */
  planPath?: string;
  /** Latency bound, instructions (QEMU) per inference. */
  latency?: number;
  /** What the solver minimises within the board and the loss budget (default 'fit'). */
  objective?: Objective;
  /** Accuracy loss allowed, in points of the data's metric, measured after fine-tuning (default 1). */
  maxLoss?: number;
  /** Without data: accept pruning by weight magnitude with no accuracy measure. */
  unverified?: boolean;
  seed?: number;
  /** Fine-tuning epochs after pruning (default 3). */
  epochs?: number;
  /** Learning rate the model was trained with (fine-tuning uses 1/10). */
  learningRate?: number;
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  kernels?: 'auto' | 'plain';
  /** Validation samples run in QEMU and compared with the interpreter (default 8). */
  verifySamples?: number;
  /** Exports written into <dir>/export/<kind>/ before the build is published (--emit). */
  emit?: readonly ExportKind[];
  cwd: string;
  progress?: Progress;
  log: (line: string) => void;
}

/** The dense build's sizes (the footprint stage): what the board holds besides weights and arena. */
export interface Footprint {
  flashTotal: number;
  code: number;
  modelData: number;
  weights: number;
  ramStatic: number;
  stack: number;
  /** Everything in RAM but the arena: static data, stack, heap. */
  ramFixed: number;
  arena: number;
  layers: { index: number; weightBytes: number; measured: number | null }[];
  instructions: number | null;
}

export interface PipelineContext extends StageContext {
  req: PipelineRequest;
  /** The staging folder the build is made in, the output it replaces, the artefact folder. */
  staging: string;
  outDir: string;
  work: string;
  seed: number;
  log: (line: string) => void;
  /** How nested stages run (prune within solve): same progress, cache and timings. */
  run: RunOptions & { timings: StageTiming[] };
  // load
  userPlan: PrunePlan | undefined;
  target: Target;
  family: CoreFamily;
  /** The cost rows the plain kernels use on the core ('m0' on Thumb-1). */
  costFamily: ReturnType<typeof costFamily>;
  source: string;
  modelSha: string;
  warnings: Warning[];
  /** The graph as it stands: the model read (load) → int8 (baseline) → pruned (prune). */
  graph: ModelGraph;
  // data
  data: SplitData | undefined;
  /** Hash of what every artefact depends on: tool version, model, data, seed. */
  baseKey: string;
  // baseline
  baseline: { graph: ModelGraph; accuracy: number | null; backend: string | null };
  // footprint, sensitivity, candidates
  footprint: Footprint;
  sensitivity: SensitivityPoint[];
  candidates: LayerCandidates[];
  // solve (with prune and the build)
  problem: SolveProblem;
  plan: PrunePlan;
  pruned: { accuracy: number | null };
  result: Feasible;
  attempts: Attempt[];
  report: PipelineReport;
}

export const hash = (...parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
