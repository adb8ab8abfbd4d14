/**
 * Pieces every kernel's Prepare step shares: typed errors that name the operator, option
 * readers with the TFLite schema defaults, shape helpers, TFLM's padding rule and activation
 * ranges. Everything here runs on the host before Eval; Eval never validates.
 */
import { TinypruneError, type ErrorCode } from '../errors.js';
import type { Warning } from '../errors.js';
import type { DType, ModelGraph, Op, OptionValue, Tensor } from '../ir/graph.js';
import { roundHalfAwayFromZero } from './fixedpoint.js';

/** Largest finite float32 (std::numeric_limits<float>::max()). */
export const FLT_MAX = 3.4028234663852886e38;

/** What a kernel's prepare() gets: the graph, the operator and its index in execution order. */
export interface PrepareContext {
  graph: ModelGraph;
  op: Op;
  index: number;
  /** Non-fatal findings (e.g. a model relying on something TFLM silently ignores). */
  warnings: Warning[];
}

export function warn(ctx: PrepareContext, code: string, message: string): void {
  ctx.warnings.push({ code, message: `${opWhere(ctx)}: ${message}`, where: opWhere(ctx) });
}

export function opWhere(ctx: PrepareContext): string {
  return `operator ${ctx.index} (${ctx.op.opcode})`;
}

export function tensorWhere(ctx: PrepareContext, tensorIndex: number): string {
  const t = ctx.graph.tensors[tensorIndex];
  return `${opWhere(ctx)}, tensor ${tensorIndex} '${t?.name ?? '?'}'`;
}

export function opError(
  ctx: PrepareContext,
  code: ErrorCode,
  message: string,
  details: { tensor?: number; allowed?: string; hint?: string } = {},
): TinypruneError {
  const where = details.tensor === undefined ? opWhere(ctx) : tensorWhere(ctx, details.tensor);
  return new TinypruneError(code, `${opWhere(ctx)}: ${message}`, {
    where,
    ...(details.allowed === undefined ? {} : { allowed: details.allowed }),
    ...(details.hint === undefined ? {} : { hint: details.hint }),
  });
}

// ---- tensors ----

/** A tensor together with its index in the graph. */
export interface TensorRef {
  index: number;
  tensor: Tensor;
}

/** The tensor at input slot `slot`; throws E_IR_INVALID when missing (unless optional). */
export function inputTensor(ctx: PrepareContext, slot: number): TensorRef {
  const index = ctx.op.inputs[slot];
  if (index === undefined || index < 0) {
    throw opError(ctx, 'E_IR_INVALID', `input ${slot} is missing`);
  }
  return { index, tensor: tensorAt(ctx, index) };
}

export function optionalInputTensor(ctx: PrepareContext, slot: number): TensorRef | undefined {
  const index = ctx.op.inputs[slot];
  if (index === undefined || index < 0) return undefined;
  return { index, tensor: tensorAt(ctx, index) };
}

export function outputTensor(ctx: PrepareContext, slot: number): TensorRef {
  const index = ctx.op.outputs[slot];
  if (index === undefined || index < 0) {
    throw opError(ctx, 'E_IR_INVALID', `output ${slot} is missing`);
  }
  return { index, tensor: tensorAt(ctx, index) };
}

function tensorAt(ctx: PrepareContext, index: number): Tensor {
  const t = ctx.graph.tensors[index];
  if (!t) throw opError(ctx, 'E_IR_INVALID', `references tensor ${index}, which does not exist`);
  return t;
}

export function expectCounts(ctx: PrepareContext, inputs: readonly number[], outputs: number): void {
  const n = ctx.op.inputs.length;
  if (!inputs.includes(n)) {
    throw opError(ctx, 'E_IR_INVALID', `has ${n} inputs; expected ${inputs.join(' or ')}`);
  }
  if (ctx.op.outputs.length !== outputs) {
    throw opError(ctx, 'E_IR_INVALID', `has ${ctx.op.outputs.length} outputs; expected ${outputs}`);
  }
}

export function expectRank(ctx: PrepareContext, t: TensorRef, rank: number): void {
  if (t.tensor.shape.length !== rank) {
    throw opError(ctx, 'E_IR_INVALID', `tensor ${t.index} has shape [${t.tensor.shape.join(', ')}]; expected rank ${rank}`, {
      tensor: t.index,
    });
  }
}

export function expectDType(
  ctx: PrepareContext,
  t: TensorRef,
  allowed: readonly DType[],
  role: string,
): void {
  if (!allowed.includes(t.tensor.dtype)) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `${role} tensor ${t.index} has type ${t.tensor.dtype}`, {
      tensor: t.index,
      allowed: allowed.join(', '),
    });
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Per-tensor scale of a quantized tensor; E_UNSUPPORTED_TYPE when it has none. */
export function scaleOf(ctx: PrepareContext, t: TensorRef, role: string): number {
  const s = t.tensor.quant?.scale[0];
  if (s === undefined) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `${role} tensor ${t.index} (${t.tensor.dtype}) has no quantization parameters`, {
      tensor: t.index,
      hint: 'quantized tensors need a scale and zero point; re-export the model with full-integer quantization',
    });
  }
  return s;
}

export function zeroPointOf(t: Tensor): number {
  return t.quant?.zeroPoint[0] ?? 0;
}

/** TFLM's "input offset": the negated zero point (as +0, never -0, so params print cleanly). */
export function negatedZeroPoint(t: Tensor): number {
  return 0 - zeroPointOf(t);
}

/** The tensor's constant bytes; E_UNSUPPORTED_TYPE when the operator needs a constant here. */
export function constantData(ctx: PrepareContext, t: TensorRef, role: string): Uint8Array {
  if (!t.tensor.data) {
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `${role} tensor ${t.index} must be a constant`, {
      tensor: t.index,
      hint: 'the reference interpreter (like TFLite Micro) plans shapes before running; keep this input constant',
    });
  }
  return t.tensor.data;
}

/** Reads little-endian int32 values (a constant shape/axis/paddings tensor). */
export function readInt32s(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.byteLength; i += 4) out.push(view.getInt32(i, true));
  return out;
}

export function readInt64sAsNumbers(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= bytes.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
  return out;
}

// ---- options (schema defaults when a field is absent) ----

export function optNumber(op: Op, name: string, dflt: number): number {
  const v: OptionValue | undefined = op.options[name];
  return typeof v === 'number' ? v : dflt;
}

export function optString(op: Op, name: string, dflt: string): string {
  const v = op.options[name];
  return typeof v === 'string' ? v : dflt;
}

export function optBool(op: Op, name: string, dflt: boolean): boolean {
  const v = op.options[name];
  return typeof v === 'boolean' ? v : dflt;
}

// ---- fused activations ----

export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6';
const FUSED: readonly string[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6'];

export function fusedActivation(ctx: PrepareContext): FusedActivation {
  const a = optString(ctx.op, 'fusedActivationFunction', 'NONE');
  if (!FUSED.includes(a)) {
    throw opError(ctx, 'E_UNSUPPORTED_OP', `fused activation ${a} is not supported`, {
      allowed: FUSED.join(', '),
      hint: 'TFLite Micro only fuses NONE/RELU/RELU_N1_TO_1/RELU6; unfuse the activation into its own operator',
    });
  }
  return a as FusedActivation;
}

/** tflite::CalculateActivationRange for float: clamps used by ActivationFunctionWithMinMax. */
export function activationRangeFloat(act: FusedActivation): { min: number; max: number } {
  switch (act) {
    case 'RELU':
      return { min: 0, max: FLT_MAX };
    case 'RELU_N1_TO_1':
      return { min: -1, max: 1 };
    case 'RELU6':
      return { min: 0, max: 6 };
    default:
      return { min: -FLT_MAX, max: FLT_MAX };
  }
}

export function dtypeRange(dtype: DType): { min: number; max: number } {
  switch (dtype) {
    case 'int8':
      return { min: -128, max: 127 };
    case 'uint8':
      return { min: 0, max: 255 };
    case 'int16':
      return { min: -32768, max: 32767 };
    case 'int32':
      return { min: -2147483648, max: 2147483647 };
    default:
      throw new Error(`dtypeRange: ${dtype} is not an integer type`);
  }
}

/**
 * tflite::CalculateActivationRangeQuantized: the fused activation's bounds quantized with the
 * output's (float32) scale — f / scale in float, rounded half away from zero — intersected
 * with the type's range.
 */
export function activationRangeQuantized(
  act: FusedActivation,
  outputScale: number,
  outputZeroPoint: number,
  dtype: DType,
): { min: number; max: number } {
  const { min: qmin, max: qmax } = dtypeRange(dtype);
  const quantize = (f: number): number =>
    outputZeroPoint + roundHalfAwayFromZero(Math.fround(f / Math.fround(outputScale)));
  switch (act) {
    case 'RELU':
      return { min: Math.max(qmin, quantize(0)), max: qmax };
    case 'RELU6':
      return { min: Math.max(qmin, quantize(0)), max: Math.min(qmax, quantize(6)) };
    case 'RELU_N1_TO_1':
      return { min: Math.max(qmin, quantize(-1)), max: Math.min(qmax, quantize(1)) };
    default:
      return { min: qmin, max: qmax };
  }
}

/** ActivationFunctionWithMinMax: min(max(x, lo), hi) with std::max/std::min semantics (NaN passes). */
export function clampFloat(x: number, lo: number, hi: number): number {
  const a = x < lo ? lo : x;
  return hi < a ? hi : a;
}

// ---- padding (tensorflow/lite/kernels/padding.h) ----

export type Padding = 'SAME' | 'VALID';

export function paddingOption(ctx: PrepareContext): Padding {
  const p = optString(ctx.op, 'padding', 'SAME');
  if (p !== 'SAME' && p !== 'VALID') {
    throw opError(ctx, 'E_UNSUPPORTED_OP', `padding ${p} is not supported`, { allowed: 'SAME, VALID' });
  }
  return p;
}

/** ComputeOutSize: output extent of a windowed op. */
export function computeOutSize(padding: Padding, imageSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  if (stride === 0) return 0;
  return padding === 'SAME'
    ? Math.trunc((imageSize + stride - 1) / stride)
    : Math.trunc((imageSize + stride - effectiveFilterSize) / stride);
}

/** ComputePaddingWithOffset: the leading (top/left) padding TFLM uses; odd totals pad more at the end. */
export function computePadding(stride: number, dilation: number, inSize: number, filterSize: number, outSize: number): number {
  const effectiveFilterSize = (filterSize - 1) * dilation + 1;
  let total = (outSize - 1) * stride + effectiveFilterSize - inSize;
  total = total > 0 ? total : 0;
  return Math.trunc(total / 2);
}

/**
 * Padding for a 2-D window (ComputePaddingHeightWidth), after checking that the model's output
 * tensor has the extent TFLM would compute.
 */
export function windowPadding(
  ctx: PrepareContext,
  args: {
    padding: Padding;
    strideW: number;
    strideH: number;
    dilationW: number;
    dilationH: number;
    inH: number;
    inW: number;
    filterH: number;
    filterW: number;
    outH: number;
    outW: number;
    outputIndex: number;
  },
): { padW: number; padH: number } {
  const { padding, strideW, strideH, dilationW, dilationH, inH, inW, filterH, filterW, outH, outW } = args;
  if (strideW < 1 || strideH < 1 || dilationW < 1 || dilationH < 1) {
    throw opError(ctx, 'E_IR_INVALID', `strides (${strideH}, ${strideW}) and dilations (${dilationH}, ${dilationW}) must be >= 1`);
  }
  const expH = computeOutSize(padding, inH, filterH, strideH, dilationH);
  const expW = computeOutSize(padding, inW, filterW, strideW, dilationW);
  if (expH !== outH || expW !== outW) {
    throw opError(
      ctx,
      'E_IR_INVALID',
      `output is ${outH}x${outW} but ${padding} padding with stride ${strideH}x${strideW}, dilation ${dilationH}x${dilationW} on a ${inH}x${inW} input and ${filterH}x${filterW} window gives ${expH}x${expW}`,
      { tensor: args.outputIndex },
    );
  }
  return {
    padH: computePadding(strideH, dilationH, inH, filterH, outH),
    padW: computePadding(strideW, dilationW, inW, filterW, outW),
  };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
