/**
 * int8 models for the pair-packed kernels: FULLY_CONNECTED (src/codegen/ops/fc_pairs.ts), one
 * layer or two in a row, and pointwise CONV_2D (src/codegen/ops/conv_pairs.ts); the extremes of
 * int8 among the weights.
 */
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../../src/ir/builder.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { Prng } from '../../src/util/prng.js';

export interface FcCase {
  rows: number;
  depth: number;
  batches: number;
  inputZeroPoint: number;
  perChannel: boolean;
  activation: 'NONE' | 'RELU' | 'RELU6';
  /** A second FULLY_CONNECTED (rows2 outputs) after the first. */
  rows2?: number;
}

export function fcModel(c: FcCase, seed: number): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder(`fc pairs ${c.rows}x${c.depth}`);
  const x = b.input('x', [c.batches, c.depth], 'int8', perTensor(0.05, c.inputZeroPoint));
  const layer = (input: number, inScale: number, depth: number, rows: number, name: string, act: string, out: [number, number]): number => {
    const wf = Float32Array.from({ length: rows * depth }, () => rng.normal() * 0.3);
    const wq = quantizeSymmetricPerChannel(wf, [rows, depth], 0);
    // The extremes of int8, -128 included (TFLite's quantiser stops at -127; a model may not).
    wq.values[0] = -128;
    wq.values[wq.values.length - 1] = 127;
    if (depth > 1) wq.values[depth + 1] = -128;
    const quant = c.perChannel ? wq.quant : { scale: [Math.max(...wq.quant.scale)], zeroPoint: [0], axis: 0 };
    const bias = quantizeBias(Float32Array.from({ length: rows }, () => rng.normal()), inScale, quant.scale);
    const y = b.tensor(`${name}/y`, [c.batches, rows], 'int8', perTensor(out[0], out[1]));
    b.op('FULLY_CONNECTED', [input, b.constInt8(`${name}/w`, [rows, depth], wq.values, quant), b.constInt32(`${name}/b`, [rows], bias.values, bias.quant)], [y], 'FullyConnectedOptions', { fusedActivationFunction: act, weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false }, 5);
    return y;
  };
  let y = layer(x, 0.05, c.depth, c.rows, 'fc1', c.activation, [0.3, c.activation === 'NONE' ? 3 : -128]);
  if (c.rows2 !== undefined) y = layer(y, 0.3, c.rows, c.rows2, 'fc2', 'NONE', [0.5, -7]);
  b.markOutput(y);
  return b.build();
}


export interface PwCase {
  /** Input [batches, h, w, inC]; a 1x1 convolution to outC channels with this stride. */
  batches: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  stride: number;
  inputZeroPoint: number;
  bias: boolean;
  activation: 'NONE' | 'RELU' | 'RELU6';
}

export function pwModel(c: PwCase, seed: number): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder(`pw pairs ${c.inC}->${c.outC}`);
  const x = b.input('x', [c.batches, c.h, c.w, c.inC], 'int8', perTensor(0.05, c.inputZeroPoint));
  const wq = quantizeSymmetricPerChannel(Float32Array.from({ length: c.outC * c.inC }, () => rng.normal() * 0.3), [c.outC, 1, 1, c.inC], 0);
  wq.values[0] = -128;
  wq.values[wq.values.length - 1] = 127;
  if (c.inC > 1) wq.values[c.inC + 1] = -128;
  const oh = Math.floor((c.h - 1) / c.stride) + 1;
  const ow = Math.floor((c.w - 1) / c.stride) + 1;
  const y = b.tensor('y', [c.batches, oh, ow, c.outC], 'int8', perTensor(0.3, c.activation === 'NONE' ? 3 : -128));
  const inputs = [x, b.constInt8('w', [c.outC, 1, 1, c.inC], wq.values, wq.quant)];
  if (c.bias) {
    const bias = quantizeBias(Float32Array.from({ length: c.outC }, () => rng.normal()), 0.05, wq.quant.scale);
    inputs.push(b.constInt32('b', [c.outC], bias.values, bias.quant));
  } else inputs.push(-1);
  b.op('CONV_2D', inputs, [y], 'Conv2DOptions', { padding: 'VALID', strideW: c.stride, strideH: c.stride, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: c.activation }, 3);
  b.markOutput(y);
  return b.build();
}
