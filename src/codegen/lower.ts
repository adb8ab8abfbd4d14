/**
 * Lowering: ModelGraph → KernelPlan. Pure. It runs the reference interpreter's prepare()
 * (so the C code computes with exactly the numbers the oracle computes with), maps every
 * operator to a runtime kernel call, and plans the arena statically.
 */
import { TinypruneError } from '../errors.js';
import { DTYPE_BYTES, tensorElements, type ModelGraph, type Tensor } from '../ir/graph.js';
import { prepare, type ExecutionPlan, type PlannedOp } from '../interp/prepare.js';
import { footprint, planArena, type ArenaPlan, type BufferRequest } from '../plan/arena.js';
import { inPlaceCandidates } from './in-place.js';
import { bandChoices, bandedHeight, bandRows, streamCandidates, type Stream, type StreamCandidate } from './stream.js';
import { sanitizeIdentifier } from './cgen.js';
import type { LowerContext, LoweredCall } from './ops/context.js';
import { LOWERINGS } from './ops/index.js';
import { lowerSparse, type SparseLowerContext } from './ops/sparse.js';
import type { EncodedMatrix } from '../sparse/types.js';
import type { CoreFamily } from './generate.js';
import type { ArenaEntry, BandCall, BandRows, CExpr, ConstArray, CType, IoTensor, KernelCall, KernelPlan } from './types.js';
import type { WindowGeometry } from '../plan/overlap.js';

export interface LowerOptions {
  /** Symbol prefix of everything generated (a C identifier). */
  prefix: string;
  /** Source model name for banners and reports. */
  source: string;
  /** Arena alignment in bytes (16 keeps every tensor aligned for SIMD loads). */
  alignment?: number;
  /** Operators whose weights run a sparse kernel: operator index → encoded weights (src/sparse). */
  sparse?: ReadonlyMap<number, EncodedMatrix>;
  /** Let audited layers write their output over their dying input (src/plan/overlap.ts); default true. */
  inPlace?: boolean;
  /**
   * Let a layer run band by band into the next (a FULLY_CONNECTED, or a windowed layer whose
   * windows share no row) where that lowers the arena (src/codegen/stream.ts); default true. A
   * number streams every candidate pair with that many rows a band, whatever the arena (tests).
   */
  stream?: boolean | number;
  /** Kernel family the sources will be built with (src/codegen/generate.ts kernelSources); default plain. */
  family?: CoreFamily;
  /** dsp family: pack FULLY_CONNECTED / pointwise CONV_2D weights in pairs wherever they fit (true: tests), nowhere (false), or where a layer gains (default; ops/fc_pairs.ts, ops/conv_pairs.ts). */
  packPairs?: boolean;
}

/** Arena buffer id of a streamed FULLY_CONNECTED's int32 accumulators (tensors are >= 0, scratch -1 - op). */
const accumulatorId = (consumer: number): number => -(1 << 20) - consumer;

/** The kernel a streamed FULLY_CONNECTED's band loop calls for every band. */
const STREAM_KERNEL = 'tp_fully_connected_s8_stream';

const CTYPE_BYTES: Readonly<Record<CType, number>> = { int8_t: 1, uint8_t: 1, int16_t: 2, uint16_t: 2, int32_t: 4, uint32_t: 4, float: 4 };

const CTYPE_OF: Partial<Record<Tensor['dtype'], CType>> = {
  int8: 'int8_t',
  uint8: 'uint8_t',
  int16: 'int16_t',
  int32: 'int32_t',
  float32: 'float',
};

function ctypeOf(t: Tensor, where: string): CType {
  const c = CTYPE_OF[t.dtype];
  if (!c) throw new TinypruneError('E_UNSUPPORTED_TYPE', `tensor '${t.name}' has dtype ${t.dtype}, which generated C does not store`, { where });
  return c;
}

/** Decode a constant tensor's little-endian bytes as numbers of its C type. */
function constValues(t: Tensor): number[] {
  const data = t.data!;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = tensorElements(t);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case 'int8': out[i] = dv.getInt8(i); break;
      case 'uint8': out[i] = dv.getUint8(i); break;
      case 'int16': out[i] = dv.getInt16(i * 2, true); break;
      case 'int32': out[i] = dv.getInt32(i * 4, true); break;
      case 'float32': out[i] = dv.getFloat32(i * 4, true); break;
      default: throw new TinypruneError('E_UNSUPPORTED_TYPE', `constant '${t.name}' of dtype ${t.dtype}`);
    }
  }
  return out;
}

/** Union-find over tensors that share bytes (RESHAPE outputs alias their inputs). */
function rootOf(alias: Map<number, number>, t: number): number {
  let r = t;
  while (alias.has(r)) r = alias.get(r)!;
  return r;
}

/** Arena buffer of an alias root that is not a constant: the ops it lives between, and its size. */
interface Lifetime {
  first: number;
  last: number;
  bytes: number;
}

/** An arena plan with the streams it assumes, and its sum over steps of the highest live byte. */
interface Trial {
  arena: ArenaPlan;
  streams: readonly Stream[];
  footprint: number;
}

/** The arena-related facts pass 2 and the I/O description need. */
interface ArenaLayout {
  alias: Map<number, number>;
  life: Map<number, Lifetime>;
  scratchOf: Map<number, number>;
  arena: ArenaPlan;
  /** Pairs that run band by band (src/codegen/stream.ts). */
  streams: Stream[];
}

export function lowerModel(graph: ModelGraph, opts: LowerOptions): KernelPlan {
  const plan = prepare(graph);
  const prefix = opts.prefix;
  const layout = layoutArena(graph, plan, opts);
  const { alias, life, scratchOf, arena } = layout;

  // Pass 2: real lowering with arena offsets and constant arrays.
  const consts: ConstArray[] = [];
  const ptr = pointerTo(graph, layout, prefix, consts);
  const packPairs = opts.family !== 'dsp' || opts.packPairs === false ? false : opts.packPairs === true ? 'all' : 'gain';
  const calls = streamCalls(plan.ops.map((op) => lowerCall(graph, op, opts, layout, ptr, consts, packPairs)), layout, prefix);
  const kernels = new Set(calls.flatMap((c) => (c.kernel ? [c.kernel] : [])));
  if (layout.streams.some((s) => s.into.kind === 'fc')) kernels.add(STREAM_KERNEL);

  const io = (t: number): IoTensor => {
    const tensor = graph.tensors[t]!;
    const root = rootOf(alias, t);
    return {
      tensor: t,
      name: tensor.name,
      ctype: ctypeOf(tensor, `tensor ${t}`),
      shape: [...tensor.shape],
      bytes: tensorElements(tensor) * DTYPE_BYTES[tensor.dtype],
      offset: arena.offsets.get(root) ?? 0,
      scale: tensor.quant?.scale[0] ?? 0,
      zeroPoint: tensor.quant?.zeroPoint[0] ?? 0,
    };
  };
  const entries: ArenaEntry[] = [...life.entries()]
    .map(([tensor, l]) => ({ tensor, offset: arena.offsets.get(tensor)!, bytes: l.bytes }))
    .sort((a, b) => a.tensor - b.tensor);
  const ioTypes = new Set([...graph.inputs, ...graph.outputs].map((t) => graph.tensors[t]!.dtype));
  let scratchBytes = 0;
  for (const b of scratchOf.values()) scratchBytes = Math.max(scratchBytes, b);
  return {
    prefix,
    source: opts.source,
    calls,
    consts,
    arena: {
      bytes: arena.peak,
      lowerBound: arena.lowerBound,
      entries,
      scratchOffset: 0,
      scratchBytes,
      inPlace: arena.inPlace,
      streams: layout.streams.map((s) => ({ producer: s.producer, consumer: s.consumer, rowsPerBand: s.rowsPerBand, height: bandedHeight(s), bandBytes: bandRows(s) * s.rowBytes, fullBytes: s.geometry.outputHeight * s.rowBytes })),
    },
    inputs: graph.inputs.map(io),
    outputs: graph.outputs.map(io),
    kernels: [...kernels].sort(),
    includes: opts.sparse && opts.sparse.size > 0 ? ['tp_sparse.h'] : [],
    dtype: ioTypes.size === 1 && ioTypes.has('float32') ? 'float32' : ioTypes.size === 1 && ioTypes.has('int8') ? 'int8' : 'mixed',
  };
}

/**
 * Pass 1: which ops are aliases and how much scratch each call needs (a dry lowering with
 * dummy pointers), then the lifetimes of the arena buffers and the arena plan over them.
 */
function layoutArena(graph: ModelGraph, plan: ExecutionPlan, opts: LowerOptions): ArenaLayout {
  const alias = new Map<number, number>();
  const scratchOf = new Map<number, number>();
  const kernelOf = new Map<number, string>();
  for (const op of plan.ops) {
    // Family-independent: the arena, and the streams chosen from these kernels, are the same for every core.
    const lowered = lowerOne({ graph, op, ptr: () => '0', array: () => '0', weights: () => '0' }, opts.sparse);
    if (lowered === 'alias') {
      alias.set(op.outputs[0]!, op.inputs[0]!);
      continue;
    }
    kernelOf.set(op.index, lowered.kernel);
    if ((lowered.scratchBytes ?? 0) > 0) scratchOf.set(op.index, lowered.scratchBytes!);
  }
  const life = bufferLifetimes(graph, plan, alias);
  const bufferOf = (t: number): number | undefined => (life.has(rootOf(alias, t)) ? rootOf(alias, t) : undefined);
  const inPlace = opts.inPlace === false ? [] : inPlaceCandidates(plan.ops, kernelOf, bufferOf);
  const alignment = opts.alignment ?? 16;
  const planWith = (streams: readonly Stream[]): Trial => {
    const banded = new Map(streams.map((s) => [s.buffer, s]));
    // A windowed consumer's output is written while its producer's loop runs.
    const early = new Map(streams.flatMap((s) => (s.into.kind === 'window' ? [[s.into.output, s.producer] as const] : [])));
    const requests: BufferRequest[] = [...life.entries()].map(([id, l]) => {
      const s = banded.get(id);
      // A streamed output is one band, alive only while its producer's loop runs.
      if (s) return { id, bytes: bandRows(s) * s.rowBytes, first: s.producer, last: s.producer };
      return { id, ...l, first: Math.min(l.first, early.get(id) ?? l.first) };
    });
    for (const [index, bytes] of scratchOf) requests.push({ id: -1 - index, bytes, first: index, last: index });
    for (const s of streams) {
      if (s.into.kind === 'fc') requests.push({ id: accumulatorId(s.consumer), bytes: 4 * s.into.outputs, first: s.producer, last: s.consumer });
    }
    // A band is rewritten while later rows are still to be read: no overlap for either layer of a pair.
    const paired = new Set(streams.flatMap((s) => [s.producer, s.consumer]));
    const arena = planArena(requests, alignment, inPlace.filter((c) => !paired.has(c.op)));
    return { arena, streams, footprint: footprint(requests, arena.offsets, alignment) };
  };
  const forced = typeof opts.stream === 'number' ? opts.stream : undefined;
  const plain = planWith([]);
  const trials = (streams: readonly Stream[], c: StreamCandidate): Trial[] =>
    (forced !== undefined ? [Math.min(forced, bandedHeight(c))] : bandChoices(c)).map((rowsPerBand) => planWith([...streams, { ...c, rowsPerBand }]));
  let cur = plain;
  // 1. Add each candidate (a layer takes part in one pair at most) at the band height of the
  //    lowest peak, then the smallest sum over steps of the highest live byte, where that does
  //    not raise the peak and lowers the sum: two pairs may have to stream together before the
  //    peak drops.
  for (const c of opts.stream === false ? [] : streamCandidates(plan.ops, kernelOf, bufferOf, life)) {
    if (cur.streams.some((s) => [s.producer, s.consumer].some((op) => op === c.producer || op === c.consumer))) continue;
    const best = trials(cur.streams, c).reduce((a, b) => (b.arena.peak < a.arena.peak || (b.arena.peak === a.arena.peak && b.footprint < a.footprint) ? b : a));
    if (forced !== undefined || (best.arena.peak <= cur.arena.peak && best.footprint < cur.footprint)) cur = best;
  }
  if (forced === undefined && cur.streams.length > 0) {
    // 2. Drop the pairs the peak does not need, then give each kept pair the fewest bands that
    //    keep the peak (every band is a kernel call).
    for (const s of [...cur.streams].reverse()) {
      const t = planWith(cur.streams.filter((x) => x !== s));
      if (t.arena.peak <= cur.arena.peak) cur = t;
    }
    for (const s of [...cur.streams]) {
      const others = cur.streams.filter((x) => x !== s);
      for (const t of trials(others, s)) {
        const mine = t.streams[t.streams.length - 1]!;
        if (t.arena.peak <= cur.arena.peak && mine.rowsPerBand > s.rowsPerBand) cur = { ...t, streams: [...others, mine].sort((a, b) => a.producer - b.producer) };
      }
    }
    // 3. Nothing streams unless the peak is lower for it.
    if (cur.arena.peak >= plain.arena.peak) cur = plain;
  }
  const arena = cur.arena;
  const streams = [...cur.streams].sort((a, b) => a.producer - b.producer);
  return { alias, life, scratchOf, arena, streams };
}

/** Lifetimes of arena buffers (one per alias root that is not a constant). */
function bufferLifetimes(graph: ModelGraph, plan: ExecutionPlan, alias: Map<number, number>): Map<number, Lifetime> {
  const life = new Map<number, Lifetime>();
  const touch = (t: number, at: number): void => {
    const root = rootOf(alias, t);
    if (isConst(graph, root)) return;
    const tensor = graph.tensors[root]!;
    const bytes = tensorElements(tensor) * DTYPE_BYTES[tensor.dtype];
    const l = life.get(root);
    if (!l) life.set(root, { first: at, last: at, bytes });
    else {
      l.first = Math.min(l.first, at);
      l.last = Math.max(l.last, at);
    }
  };
  const end = graph.ops.length;
  for (const t of graph.inputs) touch(t, 0);
  for (const op of plan.ops) {
    for (const t of op.inputs) if (t >= 0) touch(t, op.index);
    for (const t of op.outputs) touch(t, op.index);
  }
  for (const t of graph.outputs) touch(t, end);
  return life;
}

function isConst(graph: ModelGraph, t: number): boolean {
  return graph.tensors[t]?.data !== undefined;
}

/**
 * The C expression for a tensor's data: its constant array (emitted into `consts` on first
 * use) or its place in the arena.
 */
function pointerTo(graph: ModelGraph, layout: ArenaLayout, prefix: string, consts: ConstArray[]): LowerContext['ptr'] {
  const constSymbols = new Map<number, string>();
  const arenaSym = `${prefix}_arena`;
  return (t: number, ctype: CType, writable = false): CExpr => {
    const root = rootOf(layout.alias, t);
    const tensor = graph.tensors[root]!;
    if (isConst(graph, root)) {
      let sym = constSymbols.get(root);
      if (!sym) {
        sym = `${prefix}_t${root}_${sanitizeIdentifier(tensor.name, 'const').slice(0, 40)}`;
        const values = constValues(tensor);
        const ctypeT = ctypeOf(tensor, `tensor ${root}`);
        consts.push({
          symbol: sym,
          ctype: ctypeT,
          values,
          comment: `tensor ${root} '${tensor.name}' ${tensor.dtype}[${tensor.shape.join('x')}]`,
          bytes: values.length * DTYPE_BYTES[tensor.dtype],
          role: tensor.dtype === 'int32' ? 'bias' : 'weights',
        });
        constSymbols.set(root, sym);
      }
      return ctype === ctypeOf(tensor, `tensor ${root}`) ? sym : `(const ${ctype} *)${sym}`;
    }
    const offset = layout.arena.offsets.get(root);
    if (offset === undefined) throw new Error(`tensor ${t} has no arena offset (lowering bug)`);
    return `(${writable ? '' : 'const '}${ctype} *)&${arenaSym}[${offset}]`;
  };
}

/** Pass 2 for one operator: its kernel call, with its per-op arrays added to `consts`. */
function lowerCall(
  graph: ModelGraph,
  op: PlannedOp,
  opts: LowerOptions,
  layout: ArenaLayout,
  ptr: LowerContext['ptr'],
  consts: ConstArray[],
  packPairs: LowerContext['packPairs'],
): KernelCall {
  const prefix = opts.prefix;
  const register = (role: ConstArray['role']) => (suffix: string, ctype: CType, values: ArrayLike<number>, comment: string): CExpr => {
    const symbol = `${prefix}_op${op.index}_${suffix}`;
    consts.push({ symbol, ctype, values: Array.from(values), comment: `operator ${op.index} (${op.opcode}): ${comment}`, bytes: values.length * CTYPE_BYTES[ctype], role });
    return symbol;
  };
  const array = register('quant');
  const weights: SparseLowerContext['weights'] = (suffix, ctype, values, comment, role) => register(role)(suffix, ctype, values, comment);
  const streamed = layout.streams.some((st) => st.consumer === op.index || st.producer === op.index);
  const lowered = lowerOne({ graph, op, ptr, array, weights, packPairs, streamed }, opts.sparse);
  const name = graph.tensors[op.outputs[0]!]?.name ?? '';
  if (lowered === 'alias') {
    return { index: op.index, opcode: op.opcode, args: [], scratchBytes: 0, alias: true, name };
  }
  const scratchOffset = layout.arena.offsets.get(-1 - op.index);
  const scratch = scratchOffset === undefined ? 'NULL' : `(void *)&${prefix}_arena[${scratchOffset}]`;
  const paramsSymbol = `${prefix}_op${op.index}_params`;
  return {
    index: op.index,
    opcode: op.opcode,
    kernel: lowered.kernel,
    paramsType: lowered.paramsType,
    paramsSymbol,
    params: lowered.params,
    args: [`&${paramsSymbol}`, ...lowered.args.map((a) => (a === 'scratch' ? scratch : a))],
    scratchBytes: lowered.scratchBytes ?? 0,
    alias: false,
    name,
  };
}

const bandRowsOf = (g: WindowGeometry): BandRows => ({ strideH: g.strideH, padH: g.padH, filterHeight: g.filterHeight, dilationH: g.dilationH, inputHeight: g.inputHeight });

/** A call inside a band loop: its operands after `&params`, the input first. */
function bandCall(c: KernelCall, g: WindowGeometry, rest: CExpr[]): BandCall {
  return { kernel: c.kernel!, paramsType: c.paramsType!, paramsSymbol: c.paramsSymbol!, rows: bandRowsOf(g), inputRowElements: g.inputWidth * g.inputDepth, input: c.args[1]!, rest };
}

/**
 * The calls of streamed pairs rewritten: the producer's call runs in a band loop (BandLoop,
 * rendered by the template). A FULLY_CONNECTED consumer becomes tp_fully_connected_s8_stream_end
 * on the accumulators the loop filled; a windowed consumer runs inside the loop, writing its
 * output rows band by band, and has no code of its own.
 */
function streamCalls(calls: KernelCall[], layout: ArenaLayout, prefix: string): KernelCall[] {
  if (layout.streams.length === 0) return calls;
  const byIndex = new Map(calls.map((c) => [c.index, c]));
  const out = new Map<number, KernelCall>();
  const arenaPtr = (id: number, ctype: string): CExpr => `(${ctype} *)&${prefix}_arena[${layout.arena.offsets.get(id)!}]`;
  for (const s of layout.streams) {
    const producer = byIndex.get(s.producer)!;
    const consumer = byIndex.get(s.consumer)!;
    const loop = { fn: `${prefix}_op${s.producer}_bands`, consumer: s.consumer, rowsPerBand: s.rowsPerBand, height: bandedHeight(s), producer: bandCall(producer, s.geometry, producer.args.slice(2)) };
    if (s.into.kind === 'fc') {
      const acc = arenaPtr(accumulatorId(s.consumer), 'int32_t');
      // tp_fully_connected_s8's operands: &params, input, filter, bias, output, scratch.
      const [params, band, filter, bias, output] = consumer.args as [CExpr, CExpr, CExpr, CExpr, CExpr];
      out.set(s.producer, { ...producer, bands: { ...loop, fc: { params, filter, bias, band, acc, rowElements: s.rowBytes } } });
      out.set(s.consumer, { ...consumer, kernel: 'tp_fully_connected_s8_stream_end', args: [params, acc, output], scratchBytes: 0 });
    } else {
      const g = s.into.geometry;
      const output = arenaPtr(s.into.output, 'int8_t');
      if (!consumer.args.includes(output)) throw new Error(`operator ${s.consumer}: output operand ${output} not found (lowering bug)`);
      const rest = consumer.args.slice(2).map((a) => (a === output ? `${a} + r0 * ${g.outputWidth * g.outputDepth}` : a));
      out.set(s.producer, { ...producer, bands: { ...loop, window: bandCall(consumer, g, rest) } });
      out.set(s.consumer, { ...consumer, inBandsOf: s.producer });
    }
  }
  return calls.map((c) => out.get(c.index) ?? c);
}

function lowerOne(ctx: LowerContext, sparse: ReadonlyMap<number, EncodedMatrix> | undefined): LoweredCall | 'alias' {
  const op = ctx.op;
  const encoded = sparse?.get(op.index);
  if (encoded && encoded.format !== 'dense') return lowerSparse(ctx, encoded);
  const lowering = LOWERINGS[op.opcode];
  if (!lowering) {
    throw new TinypruneError('E_UNSUPPORTED_OP', `operator ${op.index} (${op.opcode}) has no C kernel`, {
      where: `operator ${op.index} (${op.opcode})`,
      allowed: Object.keys(LOWERINGS).join(', '),
    });
  }
  return lowering(ctx);
}

export type { ExecutionPlan };
