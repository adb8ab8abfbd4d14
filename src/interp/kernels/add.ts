/**
 * ADD — TFLM reference: reference/add.h (float) and reference/integer_ops/add.h (int8),
 * parameters from micro/kernels/add_common.cc, with broadcasting.
 *
 * int8 follows TFLite's general rescaling: both inputs are shifted left by 20 bits, scaled by
 * scale_i / (2 * max(scale_1, scale_2)), summed, then scaled by
 * 2 * max(scale_1, scale_2) / (2^20 * output_scale). Each multiplier is below one, so each
 * "shift" below is a non-positive exponent (MultiplyByQuantizedMultiplierSmallerThanOneExp).
 */
import {
  activationRangeFloat,
  activationRangeQuantized,
  expectCounts,
  expectDType,
  fusedActivation,
  inputTensor,
  opError,
  outputTensor,
  scaleOf,
  zeroPointOf,
  negatedZeroPoint,
  type PrepareContext,
} from '../common.js';
import { multiplyByQuantizedMultiplierSmallerThanOneExp, quantizeMultiplierSmallerThanOneExp } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { broadcastPlan, forEachBroadcast, type BroadcastPlan } from './binary_common.js';

export interface AddInt8Params extends BroadcastPlan {
  kind: 'int8';
  /** 20 for int8 (TFLM uses 15 for int16). */
  leftShift: number;
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Multiplier: number;
  input2Shift: number;
  outputMultiplier: number;
  outputShift: number;
  activationMin: number;
  activationMax: number;
}

export interface AddFloatParams extends BroadcastPlan {
  kind: 'float32';
  activationMin: number;
  activationMax: number;
}

export type AddParams = AddInt8Params | AddFloatParams;

/** reference_integer_ops::AddFunc for one pair of int8 values. */
export function addInt8Element(p: AddInt8Params, x: number, y: number): number {
  const scale = 2 ** p.leftShift;
  const shifted1 = (p.input1Offset + x) * scale;
  const shifted2 = (p.input2Offset + y) * scale;
  const scaled1 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, p.input1Multiplier, p.input1Shift);
  const scaled2 = multiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, p.input2Multiplier, p.input2Shift);
  const rawSum = (scaled1 + scaled2) | 0;
  let out = multiplyByQuantizedMultiplierSmallerThanOneExp(rawSum, p.outputMultiplier, p.outputShift) + p.outputOffset;
  if (out < p.activationMin) out = p.activationMin;
  if (out > p.activationMax) out = p.activationMax;
  return out;
}

export function addInt8(p: AddInt8Params, input1: Int8Array, input2: Int8Array, output: Int8Array): void {
  forEachBroadcast(p, (o, i1, i2) => {
    output[o] = addInt8Element(p, input1[i1] as number, input2[i2] as number);
  });
}

/** reference_ops::Add (float): one float32 addition, then the activation clamp. */
export function addFloat32(p: AddFloatParams, input1: Float32Array, input2: Float32Array, output: Float32Array): void {
  const { activationMin: lo, activationMax: hi } = p;
  forEachBroadcast(p, (o, i1, i2) => {
    let v = Math.fround((input1[i1] as number) + (input2[i2] as number));
    if (v < lo) v = lo;
    if (hi < v) v = hi;
    output[o] = v;
  });
}

function prepareAdd(ctx: PrepareContext): PreparedOp<AddParams> {
  expectCounts(ctx, [2], 1);
  const in1 = inputTensor(ctx, 0);
  const in2 = inputTensor(ctx, 1);
  const out = outputTensor(ctx, 0);
  expectDType(ctx, in1, ['int8', 'float32'], 'input');
  expectDType(ctx, in2, [in1.tensor.dtype], 'input');
  expectDType(ctx, out, [in1.tensor.dtype], 'output');
  const act = fusedActivation(ctx);
  const plan = broadcastPlan(ctx, in1, in2, out);
  const [a, b, o] = [in1.index, in2.index, out.index];
  if (in1.tensor.dtype === 'float32') {
    const r = activationRangeFloat(act);
    const params: AddFloatParams = { kind: 'float32', ...plan, activationMin: r.min, activationMax: r.max };
    return { params, run: (s) => addFloat32(params, s.f32(a), s.f32(b), s.f32(o)) };
  }
  const s1 = scaleOf(ctx, in1, 'input');
  const s2 = scaleOf(ctx, in2, 'input');
  const so = scaleOf(ctx, out, 'output');
  const leftShift = 20;
  const twiceMaxInputScale = 2 * Math.max(s1, s2);
  const q1 = quantizeMultiplierSmallerThanOneExp(s1 / twiceMaxInputScale);
  const q2 = quantizeMultiplierSmallerThanOneExp(s2 / twiceMaxInputScale);
  const realOutputMultiplier = twiceMaxInputScale / (2 ** leftShift * so);
  if (!(s1 > 0 && s2 > 0 && realOutputMultiplier > 0 && realOutputMultiplier < 1)) {
    // TFLM aborts (TFLITE_CHECK) in QuantizeMultiplierSmallerThanOneExp for these scales.
    throw opError(ctx, 'E_UNSUPPORTED_TYPE', `scales ${s1}, ${s2} -> ${so} give an output multiplier of ${realOutputMultiplier}; TFLite Micro requires it in (0, 1)`, {
      tensor: out.index,
    });
  }
  const qo = quantizeMultiplierSmallerThanOneExp(realOutputMultiplier);
  const outZp = zeroPointOf(out.tensor);
  const r = activationRangeQuantized(act, so, outZp, 'int8');
  const params: AddInt8Params = {
    kind: 'int8',
    ...plan,
    leftShift,
    input1Offset: negatedZeroPoint(in1.tensor),
    input2Offset: negatedZeroPoint(in2.tensor),
    outputOffset: outZp,
    input1Multiplier: q1.multiplier,
    input1Shift: q1.shift,
    input2Multiplier: q2.multiplier,
    input2Shift: q2.shift,
    outputMultiplier: qo.multiplier,
    outputShift: qo.shift,
    activationMin: r.min,
    activationMax: r.max,
  };
  return { params, run: (s) => addInt8(params, s.i8(a), s.i8(b), s.i8(o)) };
}

export const addKernel: OpKernel = { opcode: 'ADD', prepare: prepareAdd };

/** The exact parameters TFLM computes for an ADD operator. */
export function computeAddQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): AddParams {
  return prepareAdd({ graph, op, index, warnings: [] }).params;
}
