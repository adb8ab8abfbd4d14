/**
 * MEAN — TFLM reference: micro/kernels/reduce_common.cc (EvalMeanHelper / EvalIntegerMean)
 * with reference/reduce.h.
 *
 * float32: per output, a float32 running sum in input (row-major) order, divided by the
 * float32 element count.
 *
 * int8, input and output quantized alike: int32 sum, then C integer division (truncation
 * toward zero) by the count (reference_ops::Mean<int8_t, int32_t>).
 *
 * int8, different quantization: reference_ops::QuantizedMeanOrSum — the 1/count factor is
 * folded into the requantization multiplier at prepare time
 * (multiplier' = (multiplier << s) / count, shift' = shift - s, s = floor(log2(count)) capped
 * at 32 and at 31 + shift), then MultiplyByQuantizedMultiplier(sum - zp_in * count) + zp_out.
 */
import {
  constantData,
  elementCount,
  expectCounts,
  expectDType,
  inputTensor,
  opError,
  optBool,
  outputTensor,
  readInt32s,
  scaleOf,
  stridesOf,
  zeroPointOf,
  type PrepareContext,
} from '../common.js';
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from '../fixedpoint.js';
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';

interface MeanGeometry {
  inputShape: number[];
  /** Resolved, de-duplicated reduction axes. */
  axes: number[];
  keepDims: boolean;
  outputSize: number;
  numElementsInAxis: number;
}

export interface MeanInt8Params extends MeanGeometry {
  kind: 'int8';
  /** 'same-quant': plain integer mean; 'requantize': QuantizedMeanOrSum with the folded multiplier. */
  mode: 'same-quant' | 'requantize';
  inputZeroPoint: number;
  outputZeroPoint: number;
  /** Folded multiplier/shift (requantize mode only; 0 otherwise). */
  multiplier: number;
  shift: number;
}

export interface MeanFloatParams extends MeanGeometry {
  kind: 'float32';
}

export type MeanParams = MeanInt8Params | MeanFloatParams;

/** For every input element (row-major), the offset of the output element it reduces into. */
function outputOffsets(g: MeanGeometry): Int32Array {
  const shape = g.inputShape;
  const rank = shape.length;
  const keptShape = shape.map((d, i) => (g.axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape);
  const n = elementCount(shape);
  const out = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < rank; d++) if (!g.axes.includes(d)) o += (idx[d] as number) * (keptStrides[d] as number);
    out[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      const next = (idx[d] as number) + 1;
      if (next < (shape[d] as number)) {
        idx[d] = next;
        break;
      }
      idx[d] = 0;
    }
  }
  return out;
}

export function meanInt8(p: MeanInt8Params, input: Int8Array, output: Int8Array): void {
  const map = outputOffsets(p);
  const sums = new Int32Array(p.outputSize);
  for (let i = 0; i < input.length; i++) {
    const o = map[i] as number;
    sums[o] = (sums[o] as number) + (input[i] as number);
  }
  const n = p.numElementsInAxis;
  if (n === 0) {
    output.fill(0);
    return;
  }
  for (let o = 0; o < p.outputSize; o++) {
    const sum = sums[o] as number;
    if (p.mode === 'same-quant') {
      output[o] = Math.trunc(sum / n);
    } else {
      const shifted = (sum - p.inputZeroPoint * n) | 0;
      let v = multiplyByQuantizedMultiplier(shifted, p.multiplier, p.shift) + p.outputZeroPoint;
      if (v < -128) v = -128;
      if (v > 127) v = 127;
      output[o] = v;
    }
  }
}

export function meanFloat32(p: MeanFloatParams, input: Float32Array, output: Float32Array): void {
  const map = outputOffsets(p);
  const sums = new Float64Array(p.outputSize);
  for (let i = 0; i < input.length; i++) {
    const o = map[i] as number;
    sums[o] = Math.fround((sums[o] as number) + (input[i] as number));
  }
  const n = Math.fround(p.numElementsInAxis);
  for (let o = 0; o < p.outputSize; o++) output[o] = p.numElementsInAxis > 0 ? Math.fround((sums[o] as number) / n) : 0;
}

function prepareMean(ctx: PrepareContext): PreparedOp<MeanParams> {
  expectCounts(ctx, [2], 1);
  const input = inputTensor(ctx, 0);
  const axisT = inputTensor(ctx, 1);
  const output = outputTensor(ctx, 0);
  expectDType(ctx, input, ['int8', 'float32'], 'input');
  expectDType(ctx, output, [input.tensor.dtype], 'output');
  expectDType(ctx, axisT, ['int32'], 'axis');
  const rank = input.tensor.shape.length;
  const axes: number[] = [];
  for (const a of readInt32s(constantData(ctx, axisT, 'axis'))) {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) throw opError(ctx, 'E_IR_INVALID', `axis ${a} is out of range for rank ${rank}`, { tensor: axisT.index });
    if (!axes.includes(r)) axes.push(r);
  }
  const keepDims = optBool(ctx.op, 'keepDims', false);
  const kept = input.tensor.shape.filter((_, i) => !axes.includes(i));
  const outputSize = elementCount(kept);
  if (elementCount(output.tensor.shape) !== outputSize) {
    throw opError(ctx, 'E_IR_INVALID', `output [${output.tensor.shape.join(', ')}] does not hold the ${outputSize} means`, {
      tensor: output.index,
    });
  }
  const geometry: MeanGeometry = {
    inputShape: [...input.tensor.shape],
    axes,
    keepDims,
    outputSize,
    numElementsInAxis: elementCount(axes.map((a) => input.tensor.shape[a] as number)),
  };
  const [ii, oi] = [input.index, output.index];
  if (input.tensor.dtype === 'float32') {
    const params: MeanFloatParams = { kind: 'float32', ...geometry };
    return { params, run: (s) => meanFloat32(params, s.f32(ii), s.f32(oi)) };
  }
  const inScale = scaleOf(ctx, input, 'input');
  const outScale = scaleOf(ctx, output, 'output');
  const inZp = zeroPointOf(input.tensor);
  const outZp = zeroPointOf(output.tensor);
  const same = inZp === outZp && inScale === outScale;
  let multiplier = 0;
  let shift = 0;
  if (!same) {
    const q = quantizeMultiplier(inScale / outScale);
    const n = geometry.numElementsInAxis;
    if (n > 0) {
      let s = n.toString(2).length - 1; // 63 - clz64(n)
      s = Math.min(s, 32, 31 + q.shift);
      multiplier = Number((BigInt(q.multiplier) << BigInt(s)) / BigInt(n));
      shift = q.shift - s;
    }
  }
  const params: MeanInt8Params = {
    kind: 'int8',
    ...geometry,
    mode: same ? 'same-quant' : 'requantize',
    inputZeroPoint: inZp,
    outputZeroPoint: outZp,
    multiplier,
    shift,
  };
  return { params, run: (s) => meanInt8(params, s.i8(ii), s.i8(oi)) };
}

export const meanKernel: OpKernel = { opcode: 'MEAN', prepare: prepareMean };

/** The exact parameters TFLM computes for a MEAN operator. */
export function computeMeanQuantParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): MeanParams {
  return prepareMean({ graph, op, index, warnings: [] }).params;
}
