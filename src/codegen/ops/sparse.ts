/**
 * FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D on sparse weights → the kernels of
 * firmware/include/tp_sparse.h. The weights arrive encoded (src/sparse); this lowering maps the
 * interpreter's prepared parameters to the sparse params structs, embeds the encoded arrays
 * (flash, reported as weights) and, for int8, folds the input offset into the bias:
 *   bias'[o] = bias[o] + input_offset * sum_c w[o][c]     (exact in wrap-around int32)
 * so the kernels multiply raw int8 inputs.
 */
import { TinypruneError } from '../../errors.js';
import type { Conv2DParams } from '../../interp/kernels/conv_2d.js';
import type { DepthwiseConv2DParams } from '../../interp/kernels/depthwise_conv_2d.js';
import type { FullyConnectedParams } from '../../interp/kernels/fully_connected.js';
import { FORMATS, sparseKernelName } from '../../sparse/formats/index.js';
import { layerWeights } from '../../sparse/matrix.js';
import { ELEM_BYTES, type EncodedArray, type EncodedMatrix, type FormatName } from '../../sparse/types.js';
import type { CExpr, CInit, CType } from '../types.js';
import { dims4, f32, i32, type LowerContext, type LoweredCall } from './context.js';

/** The sparse lowerings register their encoded arrays as weights (LowerContext.weights). */
export type SparseLowerContext = LowerContext;

const FORMAT_ENUM: Readonly<Record<Exclude<FormatName, 'dense'>, string>> = {
  bitmask: 'TP_SPARSE_BITMASK',
  csr8: 'TP_SPARSE_CSR8',
  csr16: 'TP_SPARSE_CSR16',
  rel4: 'TP_SPARSE_REL4',
  block1x4: 'TP_SPARSE_BLOCK1X4',
  block4x1: 'TP_SPARSE_BLOCK4X1',
  block4x2: 'TP_SPARSE_BLOCK4X2',
  block1x16: 'TP_SPARSE_BLOCK1X16',
  nm2_4: 'TP_SPARSE_NM',
  nm1_4: 'TP_SPARSE_NM',
  nm1_8: 'TP_SPARSE_NM',
  pattern: 'TP_SPARSE_PATTERN',
  filterlet: 'TP_SPARSE_FILTERLET',
  channel: 'TP_SPARSE_CHANNEL',
};

function fail(ctx: LowerContext, why: string): never {
  throw new TinypruneError('E_CODEGEN', `operator ${ctx.op.index} (${ctx.op.opcode}): ${why}`, {
    where: `operator ${ctx.op.index} (${ctx.op.opcode})`,
    hint: 'build this layer dense (the format chooser only offers formats a layer can take)',
  });
}

/** The tp_sparse_matrix initializer, with the encoded arrays registered as weights. */
function matrixInit(ctx: SparseLowerContext, e: EncodedMatrix): CInit {
  const arr = (name: string, a: EncodedArray | undefined): CExpr =>
    a ? ctx.weights(`w_${name}`, a.ctype, a.values, `${e.format} ${name} (${e.rows}x${e.cols}, ${e.nnz} non-zeros)`, 'weights') : 'NULL';
  if (e.format === 'dense') fail(ctx, 'dense weights take the dense kernel');
  return {
    format: FORMAT_ENUM[e.format],
    rows: i32(e.rows),
    cols: i32(e.cols),
    taps: i32(e.taps),
    aux: i32(e.aux),
    aux2: i32(e.aux2),
    index_bytes: i32(e.indexBytes),
    ptr_bytes: i32(e.ptrBytes),
    values: arr('values', e.values),
    index: arr('index', e.index),
    ptr: arr('ptr', e.ptr),
    table: arr('table', e.table),
  };
}

/** bias[o] + inputOffset * sum_c w[o][c], wrapped to int32 like the kernels' sums. */
export function foldedBias(ctx: LowerContext, inputOffset: number, rows: number): number[] {
  const lw = layerWeights(ctx.graph, ctx.graph.ops[ctx.op.index]!);
  if (!lw || lw.matrix.dtype !== 'int8') fail(ctx, 'int8 weights expected');
  const m = lw.matrix;
  const bi = ctx.op.inputs[2];
  const bt = bi !== undefined && bi >= 0 ? ctx.graph.tensors[bi] : undefined;
  const dv = bt?.data ? new DataView(bt.data.buffer, bt.data.byteOffset, bt.data.byteLength) : undefined;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < m.cols; c++) sum += m.values[r * m.cols + c]!;
    const b = dv ? dv.getInt32(r * 4, true) : 0;
    out.push(Number(BigInt.asIntN(32, BigInt(b) + BigInt(inputOffset) * BigInt(sum))));
  }
  return out;
}

function floatBias(ctx: LowerContext): CExpr {
  const bi = ctx.op.inputs[2];
  return bi !== undefined && bi >= 0 ? ctx.ptr(bi, 'float') : 'NULL';
}

/** Scratch bytes of a sparse call (tp_sparse_*_scratch in tp_sparse.h). */
export function sparseScratchBytes(op: 'fc' | 'conv' | 'dw', e: EncodedMatrix, inputChannels: number): number {
  const elem = ELEM_BYTES[e.dtype];
  if (op === 'fc') return e.format === 'channel' ? e.aux2 * elem : 0;
  if (op === 'conv') return (e.format === 'channel' ? e.taps * e.aux2 : e.cols) * elem;
  return inputChannels * elem;
}

export function lowerSparse(ctx: SparseLowerContext, e: EncodedMatrix): LoweredCall {
  const [input] = ctx.op.inputs;
  const out = ctx.op.outputs[0]!;
  const opKind = ctx.op.opcode === 'FULLY_CONNECTED' ? 'fc' : ctx.op.opcode === 'CONV_2D' ? 'conv' : ctx.op.opcode === 'DEPTHWISE_CONV_2D' ? 'dw' : undefined;
  if (!opKind) fail(ctx, 'no sparse kernel for this operator');
  if (!FORMATS[e.format].supports(opKind, e.dtype)) fail(ctx, `no ${e.dtype} ${opKind} kernel for the ${e.format} format`);
  const kernel = sparseKernelName(opKind, e.dtype, e.format);
  const s8 = e.dtype === 'int8';
  const T: CType = s8 ? 'int8_t' : 'float';
  const quant = (p: { outputOffset: number; outputMultiplier: number[]; outputShift: number[]; activationMin: number; activationMax: number }): Record<string, CInit> => ({
    output_offset: i32(p.outputOffset),
    output_multiplier: ctx.array('multiplier', 'int32_t', p.outputMultiplier, 'per-channel output multipliers (Q31)'),
    output_shift: ctx.array('shift', 'int32_t', p.outputShift, 'per-channel output shifts'),
    activation_min: i32(p.activationMin),
    activation_max: i32(p.activationMax),
  });
  const biasArg = (inputOffset: number): CExpr =>
    s8 ? ctx.weights('bias_folded', 'int32_t', foldedBias(ctx, inputOffset, e.rows), 'bias + input_offset * row sums of the weights', 'bias') : floatBias(ctx);
  const args = (bias: CExpr): CExpr[] => [ctx.ptr(input!, T), bias, ctx.ptr(out, T, true), 'scratch'];

  if (opKind === 'fc') {
    const p = ctx.op.params as FullyConnectedParams;
    if (p.kind === 'int8' && !p.perChannel && p.weightsOffset !== 0) fail(ctx, 'per-tensor weights with a non-zero zero point');
    if (p.accumDepth !== e.cols || p.outputDepth !== e.rows) fail(ctx, 'weights do not match the operator');
    const params: Record<string, CInit> =
      p.kind === 'int8'
        ? { batches: i32(p.batches), ...quant(p), weights: matrixInit(ctx, e) }
        : { batches: i32(p.batches), activation_min: f32(p.activationMin), activation_max: f32(p.activationMax), weights: matrixInit(ctx, e) };
    return {
      kernel,
      paramsType: `tp_sparse_fc_${s8 ? 's8' : 'f32'}_params`,
      params,
      args: args(biasArg(p.kind === 'int8' ? p.inputOffset : 0)),
      scratchBytes: sparseScratchBytes('fc', e, 0),
    };
  }

  if (opKind === 'conv') {
    const p = ctx.op.params as Conv2DParams;
    if (p.filterInputDepth !== p.inputDepth) fail(ctx, 'grouped convolution');
    const geometry: Record<string, CInit> = {
      input: dims4([p.batches, p.inputHeight, p.inputWidth, p.inputDepth]),
      output: dims4([p.batches, p.outputHeight, p.outputWidth, p.outputDepth]),
      kernel_h: i32(p.filterHeight),
      kernel_w: i32(p.filterWidth),
      stride_h: i32(p.strideH),
      stride_w: i32(p.strideW),
      dilation_h: i32(p.dilationH),
      dilation_w: i32(p.dilationW),
      pad_h: i32(p.padH),
      pad_w: i32(p.padW),
    };
    const params: Record<string, CInit> =
      p.kind === 'int8'
        ? { ...geometry, input_zero_point: i32(-p.inputOffset), ...quant(p), weights: matrixInit(ctx, e) }
        : { ...geometry, activation_min: f32(p.activationMin), activation_max: f32(p.activationMax), weights: matrixInit(ctx, e) };
    return {
      kernel,
      paramsType: `tp_sparse_conv_${s8 ? 's8' : 'f32'}_params`,
      params,
      args: args(biasArg(p.kind === 'int8' ? p.inputOffset : 0)),
      scratchBytes: sparseScratchBytes('conv', e, p.inputDepth),
    };
  }

  const p = ctx.op.params as DepthwiseConv2DParams;
  if (p.filterHeight * p.filterWidth > 64) fail(ctx, 'more than 64 taps (TP_SPARSE_MAX_TAPS)');
  const geometry: Record<string, CInit> = {
    input: dims4([p.batches, p.inputHeight, p.inputWidth, p.inputDepth]),
    output: dims4([p.batches, p.outputHeight, p.outputWidth, p.outputDepth]),
    kernel_h: i32(p.filterHeight),
    kernel_w: i32(p.filterWidth),
    depth_multiplier: i32(p.depthMultiplier),
    stride_h: i32(p.strideH),
    stride_w: i32(p.strideW),
    dilation_h: i32(p.dilationH),
    dilation_w: i32(p.dilationW),
    pad_h: i32(p.padH),
    pad_w: i32(p.padW),
  };
  const params: Record<string, CInit> =
    p.kind === 'int8'
      ? { ...geometry, input_zero_point: i32(-p.inputOffset), ...quant(p), weights: matrixInit(ctx, e) }
      : { ...geometry, activation_min: f32(p.activationMin), activation_max: f32(p.activationMax), weights: matrixInit(ctx, e) };
  return {
    kernel,
    paramsType: `tp_sparse_dwconv_${s8 ? 's8' : 'f32'}_params`,
    params,
    args: args(biasArg(p.kind === 'int8' ? p.inputOffset : 0)),
    scratchBytes: sparseScratchBytes('dw', e, p.inputDepth),
  };
}
