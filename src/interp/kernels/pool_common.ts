/**
 * Shared Prepare for AVERAGE_POOL_2D and MAX_POOL_2D (micro/kernels/pooling_common.cc): window
 * geometry, TFLM padding, and the activation bounds (quantized with the output's parameters).
 */
import {
  activationRangeFloat,
  activationRangeQuantized,
  expectCounts,
  expectDType,
  expectRank,
  fusedActivation,
  inputTensor,
  opError,
  optNumber,
  outputTensor,
  paddingOption,
  scaleOf,
  warn,
  windowPadding,
  zeroPointOf,
  type PrepareContext,
  type TensorRef,
} from '../common.js';

export interface PoolParams {
  kind: 'int8' | 'float32';
  batches: number;
  inputHeight: number;
  inputWidth: number;
  depth: number;
  outputHeight: number;
  outputWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideW: number;
  strideH: number;
  padW: number;
  padH: number;
  /** Quantized (int8) or float bounds of the fused activation. */
  activationMin: number;
  activationMax: number;
}

export function preparePool(ctx: PrepareContext): { params: PoolParams; input: TensorRef; output: TensorRef } {
  expectCounts(ctx, [1], 1);
  const input = inputTensor(ctx, 0);
  const output = outputTensor(ctx, 0);
  expectRank(ctx, input, 4);
  expectRank(ctx, output, 4);
  expectDType(ctx, input, ['int8', 'float32'], 'input');
  expectDType(ctx, output, [input.tensor.dtype], 'output');
  const act = fusedActivation(ctx);
  const [batches, inH, inW, depth] = input.tensor.shape as [number, number, number, number];
  const [oB, outH, outW, oD] = output.tensor.shape as [number, number, number, number];
  if (oB !== batches || oD !== depth) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${output.tensor.shape.join(', ')}] does not match input [${input.tensor.shape.join(', ')}]`, {
      tensor: output.index,
    });
  }
  const filterW = optNumber(ctx.op, 'filterWidth', 0);
  const filterH = optNumber(ctx.op, 'filterHeight', 0);
  if (filterW < 1 || filterH < 1) throw opError(ctx, 'E_IR_INVALID', `filter size ${filterH}x${filterW} must be >= 1`);
  const strideW = optNumber(ctx.op, 'strideW', 0);
  const strideH = optNumber(ctx.op, 'strideH', 0);
  const { padW, padH } = windowPadding(ctx, {
    padding: paddingOption(ctx),
    strideW,
    strideH,
    dilationW: 1,
    dilationH: 1,
    inH,
    inW,
    filterH,
    filterW,
    outH,
    outW,
    outputIndex: output.index,
  });
  let range: { min: number; max: number };
  if (input.tensor.dtype === 'int8') {
    const inScale = scaleOf(ctx, input, 'input');
    const outScale = scaleOf(ctx, output, 'output');
    if (inScale !== outScale || zeroPointOf(input.tensor) !== zeroPointOf(output.tensor)) {
      // TFLM's integer pooling never rescales; it silently assumes equal parameters. So do we.
      warn(ctx, 'W_POOL_REQUANT', 'input and output quantization differ; like TFLite Micro, the values are not rescaled');
    }
    range = activationRangeQuantized(act, outScale, zeroPointOf(output.tensor), 'int8');
  } else {
    range = activationRangeFloat(act);
  }
  return {
    input,
    output,
    params: {
      kind: input.tensor.dtype as 'int8' | 'float32',
      batches,
      inputHeight: inH,
      inputWidth: inW,
      depth,
      outputHeight: outH,
      outputWidth: outW,
      filterHeight: filterH,
      filterWidth: filterW,
      strideW,
      strideH,
      padW,
      padH,
      activationMin: range.min,
      activationMax: range.max,
    },
  };
}
