/**
 * Measuring kernels: single-layer cases (src/sparse/synthetic.ts) built into firmware for an
 * emulated board with the real build, run once in QEMU, and each layer's exact instruction
 * count read from the per-layer marks. Outputs are checked against the reference interpreter
 * on the way, so a number never comes from a wrong kernel. Used by the benchmark and by the
 * cost-model fit (bench/); like `run`, this end of the pipeline starts processes.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { resolveTarget, type Target } from '../boards/index.js';
import { buildGraph, coreFamily } from '../build/build.js';
import { TinypruneError } from '../errors.js';
import { interpret } from '../interp/index.js';
import { prepare } from '../interp/prepare.js';
import type { FullyConnectedParams } from '../interp/kernels/fully_connected.js';
import type { ModelGraph } from '../ir/graph.js';
import { runBuild } from '../run/run.js';
import { Prng } from '../util/prng.js';
import { callGeometry, costFeatures, type CallGeometry } from '../sparse/cost.js';
import { FORMATS } from '../sparse/formats/index.js';
import { sparseKernelVariant, type KernelFamily } from '../sparse/kernels.js';
import { layerWeights } from '../sparse/matrix.js';
import { sparsityOf } from '../sparse/prune.js';
import { LayerGraph, type LayerSpec } from '../sparse/synthetic.js';
import { ELEM_BYTES, roundUp4, type EncodedMatrix, type FormatName } from '../sparse/types.js';

export interface MeasureCase {
  spec: LayerSpec;
  /** 'dense' runs the dense kernel (the core's optimised variant). */
  format: FormatName;
  /** Free-form label carried into the result. */
  label?: string;
}

export interface MeasuredLayer {
  case: MeasureCase;
  instructions: number;
  /** Weight bytes as stored (encoded arrays; dense: the weight tensor). */
  bytes: number;
  sparsity: number;
  encoded: EncodedMatrix | undefined;
  geometry: CallGeometry;
  features: number[];
  /** Kernel variant the core ran. */
  variant: KernelFamily;
  kernel: string;
}

export interface MeasureOptions {
  outDir: string;
  seed?: number;
  kernels?: 'auto' | 'plain';
  /** Weight bytes per firmware image (default: a safe share of the board's flash). */
  bytesPerImage?: number;
  /** Input bytes per image (default 48 KiB): they reach the board through its emulated UART,
   * a few kB per second, and take arena RAM. */
  inputBytesPerImage?: number;
  /** Called after each image with the layers measured so far. */
  onImage?: (done: number, total: number) => void;
}

export interface CaseInfo {
  /** Weight bytes as stored (encoded arrays; dense: the weight tensor). */
  bytes: number;
  sparsity: number;
  encoded: EncodedMatrix | undefined;
  geometry: CallGeometry;
}

/** A case's weights, encoding and geometry without running it (the layer alone in a graph). */
export function describeCase(c: MeasureCase): CaseInfo {
  const lg = new LayerGraph(new Prng(0));
  lg.add(c.spec);
  const g = lg.build();
  const lw = layerWeights(g, g.ops[0]!)!;
  const m = lw.matrix;
  const encoded = c.format === 'dense' ? undefined : FORMATS[c.format].encode(m);
  const geometry = callGeometry(lw.op, prepare(g).ops[0]!.params as FullyConnectedParams);
  return { bytes: encoded ? encoded.bytes : roundUp4(m.rows * m.cols * ELEM_BYTES[m.dtype]), sparsity: sparsityOf(m), encoded, geometry };
}

/** Bytes of a case's input (all batches). */
function inputBytes(spec: LayerSpec): number {
  const e = spec.dtype === 'int8' ? 1 : 4;
  const n = spec.batches ?? 1;
  return spec.op === 'fc' ? n * (spec.inputs ?? 16) * e : n * (spec.height ?? 6) * (spec.width ?? 6) * (spec.cin ?? 4) * e;
}

/** Weight bytes one image may hold on a board (flash minus room for code). */
export function imageBudget(board: string): number {
  const target = resolveTarget(board, { emulate: false });
  return Math.min(3_000_000, Math.floor(target.board.flash.size * 0.8));
}
/** Groups cases into images whose weights and inputs fit the budgets together, in order. */
function packImages(board: string, cases: MeasureCase[], budget: number, inBudget: number): MeasureCase[][] {
  const chunks: MeasureCase[][] = [];
  let cur: MeasureCase[] = [];
  let bytes = 0;
  let inBytes = 0;
  for (const c of cases) {
    const b = describeCase(c).bytes;
    if (b > budget) {
      throw new TinypruneError('E_DOES_NOT_FIT', `case ${c.label ?? ''}: ${b} bytes of weights do not fit a ${board} image (budget ${budget})`, { hint: 'measure it on a board with more flash' });
    }
    const ib = inputBytes(c.spec);
    if (cur.length > 0 && (bytes + b > budget || inBytes + ib > inBudget)) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
      inBytes = 0;
    }
    cur.push(c);
    bytes += b;
    inBytes += ib;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

/** A case's layer in an image: its op, encoding (sparse formats) and geometry. */
interface ImageLayer extends CaseInfo {
  op: number;
}

/** Each case's weights encoded in its format (E_USAGE when the format cannot hold them). */
function encodeLayers(chunk: MeasureCase[], lg: LayerGraph, graph: ModelGraph, sparse: Map<number, EncodedMatrix>): ImageLayer[] {
  const plan = prepare(graph);
  return chunk.map((c, i) => {
    const op = lg.layers[i]!.op;
    const lw = layerWeights(graph, graph.ops[op]!)!;
    let encoded: EncodedMatrix | undefined;
    if (c.format !== 'dense') {
      const why = FORMATS[c.format].notApplicable(lw.matrix);
      if (why) throw new TinypruneError('E_USAGE', `case ${c.label ?? i}: ${c.format} cannot hold these weights: ${why}`);
      encoded = FORMATS[c.format].encode(lw.matrix);
      sparse.set(op, encoded);
    }
    const geometry = callGeometry(lw.op, plan.ops[op]!.params as FullyConnectedParams);
    const dense = roundUp4(lw.matrix.rows * lw.matrix.cols * ELEM_BYTES[lw.matrix.dtype]);
    return { op, encoded, geometry, bytes: encoded ? encoded.bytes : dense, sparsity: sparsityOf(lw.matrix) };
  });
}

/** One image: built, run once in QEMU, checked against the interpreter; its layers' counts. */
async function measureImage(ci: number, chunk: MeasureCase[], ctx: { board: string; target: Target; family: KernelFamily; opts: MeasureOptions }): Promise<MeasuredLayer[]> {
  const { board, opts } = ctx;
  const lg = new LayerGraph(new Prng((opts.seed ?? 7) + ci), true);
  for (const c of chunk) lg.add(c.spec);
  const graph = lg.build();
  const sparse = new Map<number, EncodedMatrix>();
  const info = encodeLayers(chunk, lg, graph, sparse);
  const dir = path.join(opts.outDir, `image${ci}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  const report = await buildGraph({ graph, source: `measure-${ci}`, sha256: '-', target: ctx.target, outDir: dir, toolVersion: 'measure', kernels: opts.kernels ?? 'auto', sparse });
  const inputs = lg.randomInputs(graph, 99 + ci);
  const r = await runBuild({ dir, input: Buffer.concat(inputs.map((b) => Buffer.from(b))), timeoutMs: 900_000 });
  const want = interpret(graph, inputs).outputs;
  r.outputs.forEach((o, k) => {
    if (Buffer.compare(Buffer.from(o), Buffer.from(want[k]!)) !== 0) {
      throw new TinypruneError('E_KERNEL', `measure: layer ${k} (${chunk[k]!.format}) on ${board} differs from the reference interpreter`, { where: dir });
    }
  });
  return chunk.map((c, i) => {
    const x = info[i]!;
    const kernel = report.layers[x.op]!.kernel ?? '';
    return {
      case: c,
      instructions: r.instructions.layers[x.op]!,
      bytes: x.bytes,
      sparsity: x.sparsity,
      encoded: x.encoded,
      geometry: x.geometry,
      features: costFeatures(ctx.family, x.geometry, c.spec.dtype, x.encoded),
      variant: x.encoded ? sparseKernelVariant(kernel, ctx.family) : ctx.family,
      kernel,
    };
  });
}

export async function measureCases(board: string, cases: MeasureCase[], opts: MeasureOptions): Promise<MeasuredLayer[]> {
  const target = resolveTarget(board, { emulate: false });
  if (target.mode === 'device') throw new TinypruneError('E_BOARD', `${board} is not a QEMU board`, { hint: 'measure on mps2-an385, mps2-an386, mps2-an500, mps2-an505 or mps3-an547' });
  const family: KernelFamily = opts.kernels === 'plain' ? 'plain' : coreFamily(target);
  const budget = opts.bytesPerImage ?? imageBudget(board);
  // Every case gets its own random stream, so its weights do not depend on the image it is in.
  const seeded = cases.map((c, i) => ({ ...c, spec: { ...c.spec, seed: c.spec.seed ?? (opts.seed ?? 7) * 100_003 + i } }));
  const chunks = packImages(board, seeded, budget, opts.inputBytesPerImage ?? 48 * 1024);
  const results: MeasuredLayer[] = [];
  for (const [ci, chunk] of chunks.entries()) {
    results.push(...(await measureImage(ci, chunk, { board, target, family, opts })));
    opts.onImage?.(results.length, cases.length);
  }
  return results;
}
