/**
 * AVERAGE_POOL_2D — TFLM reference: reference/pooling.h (float) and
 * reference/integer_ops/pooling.h (int8). Only in-image points are averaged (the count shrinks
 * at the borders); the int8 average rounds half away from zero with C integer division.
 */
import type { OpKernel, PreparedOp } from '../kernel.js';
import type { ModelGraph, Op } from '../../ir/graph.js';
import type { PrepareContext } from '../common.js';
import { preparePool, type PoolParams } from './pool_common.js';

/** reference_integer_ops::AveragePool (int8). */
export function averagePool2dInt8(p: PoolParams, input: Int8Array, output: Int8Array): void {
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
          let acc = 0;
          let count = 0;
          for (let fy = fyStart; fy < fyEnd; fy++) {
            const rowBase = (b * inH + inYOrigin + fy) * inW;
            for (let fx = fxStart; fx < fxEnd; fx++) {
              acc += input[(rowBase + inXOrigin + fx) * depth + c] as number;
              count++;
            }
          }
          // Round to nearest, ties away from zero (C division truncates toward zero).
          const half = Math.trunc(count / 2);
          acc = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
          if (acc < p.activationMin) acc = p.activationMin;
          if (acc > p.activationMax) acc = p.activationMax;
          output[o++] = acc;
        }
      }
    }
  }
}

/** reference_ops::AveragePool (float): float32 running sum, divided by the float count. */
export function averagePool2dFloat32(p: PoolParams, input: Float32Array, output: Float32Array): void {
  const { inputHeight: inH, inputWidth: inW, depth, outputHeight: outH, outputWidth: outW } = p;
  const fround = Math.fround;
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
          let total = 0;
          let count = 0;
          for (let fy = fyStart; fy < fyEnd; fy++) {
            const rowBase = (b * inH + inYOrigin + fy) * inW;
            for (let fx = fxStart; fx < fxEnd; fx++) {
              total = fround(total + (input[(rowBase + inXOrigin + fx) * depth + c] as number));
              count++;
            }
          }
          let v = fround(total / count);
          if (v < p.activationMin) v = p.activationMin;
          if (p.activationMax < v) v = p.activationMax;
          output[o++] = v;
        }
      }
    }
  }
}

function prepareAveragePool2d(ctx: PrepareContext): PreparedOp<PoolParams> {
  const { params, input, output } = preparePool(ctx);
  const [ii, oi] = [input.index, output.index];
  return params.kind === 'int8'
    ? { params, run: (s) => averagePool2dInt8(params, s.i8(ii), s.i8(oi)) }
    : { params, run: (s) => averagePool2dFloat32(params, s.f32(ii), s.f32(oi)) };
}

export const averagePool2dKernel: OpKernel = { opcode: 'AVERAGE_POOL_2D', prepare: prepareAveragePool2d };

export function computeAveragePoolParams(graph: ModelGraph, op: Op, index = graph.ops.indexOf(op)): PoolParams {
  return prepareAveragePool2d({ graph, op, index, warnings: [] }).params;
}
