/**
 * MAX_POOL_2D — TFLM reference: reference/pooling.h (float) and reference/integer_ops/pooling.h
 * (int8): the maximum over in-image points, then clamped to the activation bounds.
 */
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import { FLT_MAX, type PrepareContext } from '../common.js';
import { preparePool, type PoolParams } from './pool_common.js';

/** reference_integer_ops::MaxPool (int8). */
export function maxPool2dInt8(p: PoolParams, input: Int8Array, output: Int8Array): void {
  poolMax(p, input, output, -128);
}

/** reference_ops::MaxPool (float); the running max starts at numeric_limits<float>::lowest(). */
export function maxPool2dFloat32(p: PoolParams, input: Float32Array, output: Float32Array): void {
  poolMax(p, input, output, -FLT_MAX);
}

function poolMax(p: PoolParams, input: Int8Array | Float32Array, output: Int8Array | Float32Array, lowest: number): void {
  const { inputHeight: inH, inputWidth: inW, depth, outputHeight: outH, outputWidth: outW } = p;
  let o = 0;
  for (let b = 0; b < p.batches; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const inYOrigin = oy * p.strideH - p.padH;
      const fyStart = Math.max(0, -inYOrigin);
      const fyEnd = Math.min(p.filterHeight, inH - inYOrigin);
      for (let ox = 0; ox < outW; ox++) {
        const inXOrigin = ox * p.strideW - p.padW;
        const fxStart = Math.max(0, -inXOrigin);
        const fxEnd = Math.min(p.filterWidth, inW - inXOrigin);
        for (let c = 0; c < depth; c++) {
          let max = lowest;
          for (let fy = fyStart; fy < fyEnd; fy++) {
            const rowBase = (b * inH + inYOrigin + fy) * inW;
            for (let fx = fxStart; fx < fxEnd; fx++) {
              const v = input[(rowBase + inXOrigin + fx) * depth + c] as number;
              // std::max(a, b) returns a unless a < b: a NaN input never replaces the max.
              if (max < v) max = v;
            }
          }
          if (max < p.activationMin) max = p.activationMin;
          if (p.activationMax < max) max = p.activationMax;
          output[o++] = max;
        }
      }
    }
  }
}

function prepareMaxPool2d(ctx: PrepareContext): PreparedOp<PoolParams> {
  const { params, input, output } = preparePool(ctx);
  const [ii, oi] = [input.index, output.index];
  return params.kind === 'int8'
    ? { params, run: (s) => maxPool2dInt8(params, s.i8(ii), s.i8(oi)) }
    : { params, run: (s) => maxPool2dFloat32(params, s.f32(ii), s.f32(oi)) };
}

export const maxPool2dKernel: OpKernel = { opcode: 'MAX_POOL_2D', prepare: prepareMaxPool2d };

export function computeMaxPoolParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): PoolParams {
  return prepareMaxPool2d({ graph, op, index, warnings: [] }).params;
}
