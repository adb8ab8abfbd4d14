/**
 * MUL — TFLM reference: reference/mul.h (float) and reference/integer_ops/mul.h (int8),
 * parameters from micro/kernels/mul_common.cc, with broadcasting.
 *
 * int8: (x - zp1) * (y - zp2) is requantized with QuantizeMultiplier(s1 * s2 / so).
 */
import {
  activationRangeFloat,
  activationRangeQuantized,
  expectCounts,
  expectDType,
  fusedActivation,
  inputTensor,
  outputTensor,
  scaleOf,
  zeroPointOf,
  negatedZeroPoint,
  type PrepareContext,
} from '../common.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { broadcastPlan, forEachBroadcast, type BroadcastPlan } from './binary_common.js';

export interface MulInt8Params extends BroadcastPlan {
  kind: 'int8';
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  outputMultiplier: number;
  outputShift: number;
  activationMin: number;
  activationMax: number;
}

export interface MulFloatParams extends BroadcastPlan {
  kind: 'float32';
  activationMin: number;
  activationMax: number;
}

export type MulParams = MulInt8Params | MulFloatParams;

/** reference_integer_ops::MulElementwise for one pair of int8 values. */
export function mulInt8Element(p: MulInt8Params, x: number, y: number): number {
  const prod = (p.input1Offset + x) * (p.input2Offset + y);
  let out = p.outputOffset + multiplyByQuantizedMultiplier(prod, p.outputMultiplier, p.outputShift);
  if (out < p.activationMin) out = p.activationMin;
  if (out > p.activationMax) out = p.activationMax;
  return out;
}

export function mulInt8(p: MulInt8Params, input1: Int8Array, input2: Int8Array, output: Int8Array): void {
  forEachBroadcast(p, (o, i1, i2) => {
    output[o] = mulInt8Element(p, input1[i1] as number, input2[i2] as number);
  });
}

/** reference_ops::Mul (float): one float32 product, then the activation clamp. */
export function mulFloat32(p: MulFloatParams, input1: Float32Array, input2: Float32Array, output: Float32Array): void {
  const { activationMin: lo, activationMax: hi } = p;
  forEachBroadcast(p, (o, i1, i2) => {
    let v = Math.fround((input1[i1] as number) * (input2[i2] as number));
    if (v < lo) v = lo;
    if (hi < v) v = hi;
    output[o] = v;
  });
}

function prepareMul(ctx: PrepareContext): PreparedOp<MulParams> {
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
    const params: MulFloatParams = { kind: 'float32', ...plan, activationMin: r.min, activationMax: r.max };
    return { params, run: (s) => mulFloat32(params, s.f32(a), s.f32(b), s.f32(o)) };
  }
  const s1 = scaleOf(ctx, in1, 'input');
  const s2 = scaleOf(ctx, in2, 'input');
  const so = scaleOf(ctx, out, 'output');
  // double(s1) * double(s2) / double(so), left to right as in mul_common.cc.
  const q = quantizeMultiplier((s1 * s2) / so);
  const outZp = zeroPointOf(out.tensor);
  const r = activationRangeQuantized(act, so, outZp, 'int8');
  const params: MulInt8Params = {
    kind: 'int8',
    ...plan,
    input1Offset: negatedZeroPoint(in1.tensor),
    input2Offset: negatedZeroPoint(in2.tensor),
    outputOffset: outZp,
    outputMultiplier: q.multiplier,
    outputShift: q.shift,
    activationMin: r.min,
    activationMax: r.max,
  };
  return { params, run: (s) => mulInt8(params, s.i8(a), s.i8(b), s.i8(o)) };
}

export const mulKernel: OpKernel = { opcode: 'MUL', prepare: prepareMul };

/** The exact parameters TFLM computes for a MUL operator. */
export function computeMulQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): MulParams {
  return prepareMul({ graph, op, index, warnings: [] }).params;
}
