/**
 * Graph-level sparse planning, pure: prune every prunable layer (one-shot magnitude, no data),
 * then choose each layer's format from exact encoded bytes and the cost model's predicted
 * instructions. Dense is always a candidate, so no layer ends up worse than dense on the
 * objective (by the model's prediction; the build report shows the measured counts too).
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { prepare } from '../interp/prepare.js';
import type { Conv2DParams } from '../interp/kernels/conv_2d.js';
import type { DepthwiseConv2DParams } from '../interp/kernels/depthwise_conv_2d.js';
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import { callGeometry, predictCall, type CallGeometry, type CostFamily, type CostTable } from './cost.js';
import { COST_TABLE } from './cost-table.js';
import { FORMATS, applicableFormats, type SparseOp } from './formats/index.js';
import type { KernelFamily } from './kernels.js';
import { layerWeights, matrixBytes } from './matrix.js';
import { pruneMatrix, sparsityOf } from './prune.js';
import type { GranularityLike } from './granularity.js';
import { ELEM_BYTES, roundUp4, type EncodedMatrix, type FormatName } from './types.js';

export type Objective = 'size' | 'speed' | 'balanced';
export const OBJECTIVES: readonly Objective[] = ['size', 'speed', 'balanced'];

export interface PrunedLayer {
  op: number;
  opcode: string;
  before: number;
  after: number;
}

/** Prunes every FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D weight tensor to `sparsity`. */
/** --sparsity is a fraction in [0, 1] (E_USAGE otherwise). */
export function checkSparsity(sparsity: number): void {
  if (!(sparsity >= 0 && sparsity <= 1)) {
    throw new TinypruneError('E_USAGE', `--sparsity ${sparsity} is not in [0, 1]`, { allowed: 'a fraction of weights to zero, from 0 to 1, e.g. 0.8' });
  }
}

export function pruneGraph(graph: ModelGraph, sparsity: number, granularity: GranularityLike = 'element'): { graph: ModelGraph; layers: PrunedLayer[] } {
  checkSparsity(sparsity);
  const tensors = graph.tensors.map((t) => ({ ...t }));
  const out: ModelGraph = { ...graph, tensors };
  const layers: PrunedLayer[] = [];
  const done = new Set<number>();
  graph.ops.forEach((op, i) => {
    const lw = layerWeights(out, op);
    if (!lw || done.has(lw.tensor)) return;
    done.add(lw.tensor);
    const pruned = pruneMatrix(lw.matrix, lw.rowScale, granularity, sparsity);
    tensors[lw.tensor] = { ...tensors[lw.tensor]!, data: matrixBytes(lw.op, pruned) };
    layers.push({ op: i, opcode: op.opcode, before: sparsityOf(lw.matrix), after: sparsityOf(pruned) });
  });
  return { graph: out, layers };
}

export interface FormatCandidate {
  format: FormatName;
  /** Flash bytes of the layer's weights and bias as stored (sparse int8: folded bias). */
  bytes: number;
  predictedInstructions: number | undefined;
}

export interface LayerChoice {
  op: number;
  opcode: string;
  kind: SparseOp;
  dtype: 'int8' | 'float32';
  sparsity: number;
  format: FormatName;
  encoded: EncodedMatrix | undefined;
  bytes: number;
  predictedInstructions: number | undefined;
  dense: FormatCandidate;
  candidates: FormatCandidate[];
}

export interface ChooseOptions {
  /** The kernels the build compiles: which formats have one. */
  family: KernelFamily;
  /** The cost-table rows that predict their instructions (default `family`; 'm0' for the plain
   * kernels on a Cortex-M0/M0+: see costFamily in cost.ts). */
  costFamily?: CostFamily;
  objective: Objective;
  /** Use this format wherever a layer can take it (dense elsewhere). */
  force?: FormatName;
  /** Formats not to consider. */
  exclude?: FormatName[];
  /** Only these operators (op index); others get no choice (dense). */
  ops?: ReadonlySet<number>;
  /** A format per operator (a solved plan); wins over `force` and the objective for those ops. */
  perLayer?: ReadonlyMap<number, FormatName>;
  table?: CostTable;
}

function score(c: FormatCandidate, dense: FormatCandidate, objective: Objective): number {
  const instr = c.predictedInstructions ?? Infinity;
  const dInstr = dense.predictedInstructions ?? Infinity;
  switch (objective) {
    case 'size':
      return c.bytes + (Number.isFinite(instr) ? instr * 1e-9 : 1);
    case 'speed':
      return instr + c.bytes * 1e-9;
    case 'balanced':
      return 0.5 * (c.bytes / Math.max(1, dense.bytes)) + 0.5 * (Number.isFinite(instr) && Number.isFinite(dInstr) ? instr / Math.max(1, dInstr) : 1);
  }
}

/** Which sparse layers the plan can run (int8 per-tensor weights with a zero point cannot). */
function sparseSupported(op: SparseOp, params: unknown): boolean {
  if (op === 'fc') {
    const p = params as FullyConnectedParams;
    return !(p.kind === 'int8' && !p.perChannel && p.weightsOffset !== 0);
  }
  if (op === 'conv') {
    const p = params as Conv2DParams;
    return p.filterInputDepth === p.inputDepth;
  }
  const p = params as DepthwiseConv2DParams;
  return p.filterHeight * p.filterWidth <= 64;
}

/** Per layer: the format that minimises the objective among dense and every format that fits. */
export function chooseFormats(graph: ModelGraph, opts: ChooseOptions): Map<number, LayerChoice> {
  const plan = prepare(graph);
  const table = opts.table ?? COST_TABLE;
  const cost = opts.costFamily ?? opts.family;
  const out = new Map<number, LayerChoice>();
  for (const pop of plan.ops) {
    if (opts.ops && !opts.ops.has(pop.index)) continue;
    const op = graph.ops[pop.index]!;
    const lw = layerWeights(graph, op);
    if (!lw) continue;
    const force = opts.perLayer?.get(pop.index) ?? opts.force;
    const m = lw.matrix;
    const g: CallGeometry = callGeometry(lw.op, pop.params as FullyConnectedParams);
    const biasIndex = op.inputs[2];
    const hasBias = biasIndex !== undefined && biasIndex >= 0;
    const elem = ELEM_BYTES[m.dtype];
    const dense: FormatCandidate = {
      format: 'dense',
      bytes: roundUp4(m.rows * m.cols * elem) + (hasBias ? m.rows * 4 : 0),
      predictedInstructions: predictCall(cost, g, m.dtype, undefined, table),
    };
    const candidates: (FormatCandidate & { encoded: EncodedMatrix | undefined })[] = [{ ...dense, encoded: undefined }];
    if (sparseSupported(lw.op, pop.params)) {
      for (const f of applicableFormats(lw.op, m)) {
        if (opts.exclude?.includes(f)) continue;
        if (force && f !== force) continue;
        const e = FORMATS[f].encode(m);
        // int8 sparse kernels always take a (folded) int32 bias; float ones the original.
        const biasBytes = m.dtype === 'int8' || hasBias ? roundUp4(m.rows * 4) : 0;
        candidates.push({ format: f, bytes: e.bytes + biasBytes, predictedInstructions: predictCall(cost, g, m.dtype, e, table), encoded: e });
      }
    }
    let best = candidates[0]!;
    if (force) {
      best = candidates.find((c) => c.format === force) ?? best;
    } else {
      for (const c of candidates) if (score(c, dense, opts.objective) < score(best, dense, opts.objective)) best = c;
    }
    out.set(pop.index, {
      op: pop.index,
      opcode: op.opcode,
      kind: lw.op,
      dtype: m.dtype,
      sparsity: sparsityOf(m),
      format: best.format,
      encoded: best.encoded,
      bytes: best.bytes,
      predictedInstructions: best.predictedInstructions,
      dense,
      candidates: candidates.map(({ format, bytes, predictedInstructions }) => ({ format, bytes, predictedInstructions })),
    });
  }
  return out;
}

/** The encodings of the layers that run sparse kernels, for generateSources(). */
export function sparseEncodings(choices: ReadonlyMap<number, LayerChoice>): Map<number, EncodedMatrix> {
  const m = new Map<number, EncodedMatrix>();
  for (const [op, c] of choices) if (c.encoded) m.set(op, c.encoded);
  return m;
}
