/**
 * verifyGraph: check a ModelGraph between stages (in the spirit of tinygrad's spec checks and
 * TFLM's Prepare: catch it on the host, with a message that names the op and tensor).
 *
 * Generic rules hold for every op; shape rules exist for the core ops the pipeline compiles.
 * Ops without shape rules (custom ops, LSTM, ...) only get the generic checks. Throws
 * TinypruneError('E_IR_INVALID') at the first problem found.
 */

import { TinypruneError } from '../errors.js';
import { DTYPE_BYTES, type ModelGraph, type Op, type Tensor } from './graph.js';
import {
  broadcastShapes,
  computeConvOutputSize,
  constantByteLengths,
  type PaddingMode,
  shapeElements,
  shapesEqual,
} from './shapes.js';

function fail(where: string, message: string, hint?: string): never {
  throw new TinypruneError('E_IR_INVALID', `${where}: ${message}`, { where, hint });
}

function tensorWhere(g: ModelGraph, i: number): string {
  const t = g.tensors[i];
  return t ? `tensor ${i} '${t.name}'` : `tensor ${i}`;
}

function opWhere(op: Op, i: number): string {
  return `operator ${i} (${op.opcode === 'CUSTOM' ? `CUSTOM '${op.customCode ?? ''}'` : op.opcode})`;
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

export function verifyGraph(g: ModelGraph): void {
  const n = g.tensors.length;
  g.tensors.forEach((t, i) => verifyTensor(t, tensorWhere(g, i)));

  const checkIndex = (idx: number, where: string, optional: boolean): void => {
    if (optional && idx === -1) return;
    if (!Number.isInteger(idx) || idx < 0 || idx >= n) {
      fail(where, `tensor index ${idx} is out of range (the graph has ${n} tensors)`);
    }
  };
  g.inputs.forEach((idx, k) => checkIndex(idx, `graph input ${k}`, false));
  g.outputs.forEach((idx, k) => checkIndex(idx, `graph output ${k}`, false));

  // Who produces what: each tensor at most once, and never a constant or a graph input.
  const producer = new Array<number>(n).fill(-1);
  const graphInput = new Set(g.inputs);
  g.ops.forEach((op, i) => {
    const where = opWhere(op, i);
    op.inputs.forEach((idx, k) => checkIndex(idx, `${where} input ${k}`, true));
    op.intermediates?.forEach((idx, k) => checkIndex(idx, `${where} intermediate ${k}`, false));
    op.outputs.forEach((idx, k) => {
      checkIndex(idx, `${where} output ${k}`, false);
      const t = g.tensors[idx] as Tensor;
      const prev = producer[idx] as number;
      if (prev >= 0) {
        fail(where, `${tensorWhere(g, idx)} is produced twice (also by ${opWhere(g.ops[prev] as Op, prev)})`);
      }
      if (t.data) fail(where, `writes ${tensorWhere(g, idx)}, which is a constant`);
      if (graphInput.has(idx)) fail(where, `writes ${tensorWhere(g, idx)}, which is a graph input`);
      producer[idx] = i;
    });
  });

  // Op order: every input must exist before the op runs (this also rules out cycles, since
  // a cycle needs some op to read a tensor produced at or after it).
  const ready = new Set<number>(g.inputs);
  g.tensors.forEach((t, i) => {
    if (t.data || t.isVariable) ready.add(i);
  });
  g.ops.forEach((op, i) => {
    const where = opWhere(op, i);
    op.inputs.forEach((idx, k) => {
      if (idx === -1 || ready.has(idx)) return;
      const p = producer[idx] as number;
      if (p === i) fail(where, `input ${k} (${tensorWhere(g, idx)}) is its own output (a cycle)`);
      if (p > i) {
        fail(where, `input ${k} (${tensorWhere(g, idx)}) is used before it is produced (by operator ${p}): ops are out of order or form a cycle`);
      }
      fail(where, `input ${k} (${tensorWhere(g, idx)}) is never produced and is neither a constant, a variable nor a graph input`);
    });
    for (const idx of op.outputs) ready.add(idx);
  });
  g.outputs.forEach((idx, k) => {
    if (!ready.has(idx)) fail(`graph output ${k}`, `${tensorWhere(g, idx)} is never produced`);
  });

  g.ops.forEach((op, i) => verifyOpShapes(g, op, opWhere(op, i)));
}

function verifyTensor(t: Tensor, where: string): void {
  if (!Object.prototype.hasOwnProperty.call(DTYPE_BYTES, t.dtype)) fail(where, `unknown dtype '${t.dtype}'`);
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) fail(where, `shape ${fmt(t.shape)} has an invalid dimension ${d}`);
  }
  if (t.data && !t.sparsity) {
    const allowed = constantByteLengths(t);
    if (allowed && !allowed.includes(t.data.length)) {
      fail(where, `constant data is ${t.data.length} bytes but shape ${fmt(t.shape)} of ${t.dtype} needs ${allowed.join(' or ')}`);
    }
  }
  const q = t.quant;
  if (q) {
    if (q.scale.length !== q.zeroPoint.length) {
      fail(where, `quantization has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
    }
    q.scale.forEach((s, k) => {
      if (!Number.isFinite(s) || s <= 0) fail(where, `quantization scale[${k}] = ${s} is not a finite positive number`);
    });
    q.zeroPoint.forEach((z, k) => {
      if (!Number.isInteger(z)) fail(where, `quantization zero_point[${k}] = ${z} is not an integer`);
    });
    const rank = t.shape.length;
    if (!Number.isInteger(q.axis) || q.axis < 0 || (q.axis >= rank && !(rank === 0 && q.axis === 0))) {
      fail(where, `quantization axis ${q.axis} is out of range for shape ${fmt(t.shape)}`);
    }
    if (q.scale.length > 1 && q.scale.length !== t.shape[q.axis]) {
      fail(where, `${q.scale.length} per-channel scales along axis ${q.axis}, but that dimension of ${fmt(t.shape)} is ${t.shape[q.axis]}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Per-op shape rules.
// ---------------------------------------------------------------------------------------------

interface Ctx {
  g: ModelGraph;
  op: Op;
  where: string;
}

function input(c: Ctx, k: number, what: string): Tensor {
  const idx = c.op.inputs[k];
  if (idx === undefined || idx === -1) fail(c.where, `missing required input ${k} (${what})`);
  return c.g.tensors[idx] as Tensor;
}

function optionalInput(c: Ctx, k: number): Tensor | undefined {
  const idx = c.op.inputs[k];
  return idx === undefined || idx === -1 ? undefined : c.g.tensors[idx];
}

function output(c: Ctx, k: number): Tensor {
  const idx = c.op.outputs[k];
  if (idx === undefined) fail(c.where, `missing output ${k}`);
  return c.g.tensors[idx] as Tensor;
}

function rankIs(c: Ctx, t: Tensor, rank: number, what: string): void {
  if (t.shape.length !== rank) fail(c.where, `${what} '${t.name}' must have rank ${rank}, has shape ${fmt(t.shape)}`);
}

function expectShape(c: Ctx, t: Tensor, expected: readonly number[], why: string): void {
  if (!shapesEqual(t.shape, expected)) {
    fail(c.where, `output '${t.name}' has shape ${fmt(t.shape)} but ${why} gives ${fmt(expected)}`);
  }
}

function intOption(c: Ctx, name: string, def: number): number {
  const v = c.op.options[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(c.where, `option ${name} = ${JSON.stringify(v)} is not an integer`);
  return v;
}

function positiveOption(c: Ctx, name: string, def: number): number {
  const v = intOption(c, name, def);
  if (v < 1) fail(c.where, `option ${name} = ${v} must be ≥ 1`);
  return v;
}

function paddingOption(c: Ctx): PaddingMode {
  const v = c.op.options.padding ?? 'SAME';
  if (v !== 'SAME' && v !== 'VALID') fail(c.where, `option padding = ${JSON.stringify(v)} is not SAME or VALID`);
  return v;
}

/** Integer values of a constant int32/int64 tensor, or undefined when not a constant. */
function constantInts(t: Tensor | undefined): number[] | undefined {
  if (!t?.data) return undefined;
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out: number[] = [];
  if (t.dtype === 'int32') for (let i = 0; i + 4 <= t.data.length; i += 4) out.push(dv.getInt32(i, true));
  else if (t.dtype === 'int64') for (let i = 0; i + 8 <= t.data.length; i += 8) out.push(Number(dv.getBigInt64(i, true)));
  else return undefined;
  return out;
}

function spatialOut(c: Ctx, inH: number, inW: number, kH: number, kW: number, dil: boolean): [number, number] {
  const padding = paddingOption(c);
  const strideH = positiveOption(c, 'strideH', 1);
  const strideW = positiveOption(c, 'strideW', 1);
  const dilH = dil ? positiveOption(c, 'dilationHFactor', 1) : 1;
  const dilW = dil ? positiveOption(c, 'dilationWFactor', 1) : 1;
  return [
    computeConvOutputSize({ inSize: inH, filterSize: kH, stride: strideH, dilation: dilH, padding }),
    computeConvOutputSize({ inSize: inW, filterSize: kW, stride: strideW, dilation: dilW, padding }),
  ];
}

function checkBias(c: Ctx, channels: number): void {
  const bias = optionalInput(c, 2);
  if (bias && shapeElements(bias.shape) !== channels) {
    fail(c.where, `bias '${bias.name}' has shape ${fmt(bias.shape)}, expected ${channels} elements (one per output channel)`);
  }
}

function sameShapeAsInput(c: Ctx): void {
  const x = input(c, 0, 'input');
  expectShape(c, output(c, 0), x.shape, `the input shape ${fmt(x.shape)}`);
}

const SHAPE_RULES: Readonly<Record<string, (c: Ctx) => void>> = {
  CONV_2D(c) {
    const x = input(c, 0, 'input');
    const w = input(c, 1, 'filter');
    rankIs(c, x, 4, 'input');
    rankIs(c, w, 4, 'filter');
    const [n, h, wd, cin] = x.shape as [number, number, number, number];
    const [cout, kh, kw, cinF] = w.shape as [number, number, number, number];
    // Grouped convolution: the filter covers cin / groups input channels.
    if (cinF === 0 || cin % cinF !== 0) {
      fail(c.where, `filter '${w.name}' ${fmt(w.shape)} has ${cinF} input channels, which does not divide the input's ${cin}`);
    }
    checkBias(c, cout);
    const [oh, ow] = spatialOut(c, h, wd, kh, kw, true);
    expectShape(c, output(c, 0), [n, oh, ow, cout], 'CONV_2D with these strides/padding/dilation');
  },
  DEPTHWISE_CONV_2D(c) {
    const x = input(c, 0, 'input');
    const w = input(c, 1, 'filter');
    rankIs(c, x, 4, 'input');
    rankIs(c, w, 4, 'filter');
    const [n, h, wd, cin] = x.shape as [number, number, number, number];
    const [one, kh, kw, cout] = w.shape as [number, number, number, number];
    if (one !== 1) fail(c.where, `depthwise filter '${w.name}' must have shape [1, KH, KW, C], has ${fmt(w.shape)}`);
    if (cin === 0 || cout % cin !== 0) {
      fail(c.where, `depthwise filter '${w.name}' has ${cout} channels, not a multiple of the input's ${cin}`);
    }
    checkBias(c, cout);
    const [oh, ow] = spatialOut(c, h, wd, kh, kw, true);
    expectShape(c, output(c, 0), [n, oh, ow, cout], 'DEPTHWISE_CONV_2D with these strides/padding/dilation');
  },
  FULLY_CONNECTED(c) {
    const x = input(c, 0, 'input');
    const w = input(c, 1, 'weights');
    rankIs(c, w, 2, 'weights');
    const [units, depth] = w.shape as [number, number];
    const elems = shapeElements(x.shape);
    if (depth === 0 || elems % depth !== 0) {
      fail(c.where, `input '${x.name}' ${fmt(x.shape)} does not split into rows of ${depth} (the weights' input size)`);
    }
    checkBias(c, units);
    const y = output(c, 0);
    if (c.op.options.keepNumDims === true) {
      expectShape(c, y, [...x.shape.slice(0, -1), units], 'FULLY_CONNECTED with keep_num_dims');
    } else if (y.shape[y.shape.length - 1] !== units || shapeElements(y.shape) !== (elems / depth) * units) {
      fail(c.where, `output '${y.name}' has shape ${fmt(y.shape)}, expected ${elems / depth} rows of ${units}`);
    }
  },
  AVERAGE_POOL_2D: pool,
  MAX_POOL_2D: pool,
  L2_POOL_2D: pool,
  ADD: broadcast,
  MUL: broadcast,
  SUB: broadcast,
  DIV: broadcast,
  SQUARED_DIFFERENCE: broadcast,
  MAXIMUM: broadcast,
  MINIMUM: broadcast,
  RESHAPE(c) {
    const x = input(c, 0, 'input');
    const y = output(c, 0);
    if (shapeElements(x.shape) !== shapeElements(y.shape)) {
      fail(c.where, `reshapes ${fmt(x.shape)} (${shapeElements(x.shape)} elements) to ${fmt(y.shape)} (${shapeElements(y.shape)} elements)`);
    }
  },
  SOFTMAX: sameShapeAsInput,
  LOGISTIC: sameShapeAsInput,
  TANH: sameShapeAsInput,
  RELU: sameShapeAsInput,
  RELU6: sameShapeAsInput,
  RELU_N1_TO_1: sameShapeAsInput,
  HARD_SWISH: sameShapeAsInput,
  LEAKY_RELU: sameShapeAsInput,
  QUANTIZE: sameShapeAsInput,
  DEQUANTIZE: sameShapeAsInput,
  CONCATENATION(c) {
    if (c.op.inputs.length === 0) fail(c.where, 'has no inputs');
    const xs = c.op.inputs.map((_, k) => input(c, k, `input ${k}`));
    const first = xs[0] as Tensor;
    const rank = first.shape.length;
    let axis = intOption(c, 'axis', 0);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) fail(c.where, `axis ${intOption(c, 'axis', 0)} is out of range for rank ${rank}`);
    const expected = [...first.shape];
    expected[axis] = 0;
    for (const x of xs) {
      if (x.shape.length !== rank || x.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
        fail(c.where, `input '${x.name}' ${fmt(x.shape)} does not match ${fmt(first.shape)} outside axis ${axis}`);
      }
      expected[axis] = (expected[axis] as number) + (x.shape[axis] as number);
    }
    expectShape(c, output(c, 0), expected, `concatenating along axis ${axis}`);
  },
  PAD: pad,
  PADV2: pad,
  MEAN: reduce,
  SUM: reduce,
};

function pool(c: Ctx): void {
  const x = input(c, 0, 'input');
  rankIs(c, x, 4, 'input');
  const [n, h, w, ch] = x.shape as [number, number, number, number];
  const kh = positiveOption(c, 'filterHeight', 1);
  const kw = positiveOption(c, 'filterWidth', 1);
  const [oh, ow] = spatialOut(c, h, w, kh, kw, false);
  expectShape(c, output(c, 0), [n, oh, ow, ch], `a ${kh}x${kw} pool with these strides/padding`);
}

function broadcast(c: Ctx): void {
  const a = input(c, 0, 'input 0');
  const b = input(c, 1, 'input 1');
  const s = broadcastShapes(a.shape, b.shape);
  if (!s) fail(c.where, `inputs ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast`);
  expectShape(c, output(c, 0), s, `broadcasting ${fmt(a.shape)} with ${fmt(b.shape)}`);
}

function pad(c: Ctx): void {
  const x = input(c, 0, 'input');
  const p = input(c, 1, 'paddings');
  const y = output(c, 0);
  const rank = x.shape.length;
  if (!shapesEqual(p.shape, [rank, 2])) fail(c.where, `paddings '${p.name}' must have shape [${rank}, 2], has ${fmt(p.shape)}`);
  const v = constantInts(p);
  if (!v) {
    if (y.shape.length !== rank) fail(c.where, `output rank ${y.shape.length} differs from the input's ${rank}`);
    return;
  }
  const expected = x.shape.map((d, k) => d + (v[2 * k] as number) + (v[2 * k + 1] as number));
  if (v.some((e) => e < 0)) fail(c.where, `paddings ${fmt(v)} contain a negative amount`);
  expectShape(c, y, expected, `padding ${fmt(x.shape)} by ${fmt(v)}`);
}

function reduce(c: Ctx): void {
  const x = input(c, 0, 'input');
  const axesT = input(c, 1, 'axes');
  const y = output(c, 0);
  const axes = constantInts(axesT);
  if (!axes) return; // axes computed at run time: nothing to check statically
  const rank = x.shape.length;
  const reduced = new Set<number>();
  for (const a of axes) {
    const k = a < 0 ? a + rank : a;
    if (k < 0 || k >= rank) fail(c.where, `reduction axis ${a} is out of range for rank ${rank}`);
    reduced.add(k);
  }
  const keep = c.op.options.keepDims === true;
  const expected: number[] = [];
  x.shape.forEach((d, k) => {
    if (!reduced.has(k)) expected.push(d);
    else if (keep) expected.push(1);
  });
  expectShape(c, y, expected, `reducing ${fmt(x.shape)} over axes ${fmt(axes)}${keep ? ' (keep_dims)' : ''}`);
}

function verifyOpShapes(g: ModelGraph, op: Op, where: string): void {
  const rule = SHAPE_RULES[op.opcode];
  if (rule) rule({ g, op, where });
}
