/**
 * Small int8 models for patch-based execution (src/codegen/stream.ts): one windowed layer
 * whose output, the largest tensor, goes whole into a FULLY_CONNECTED or into a windowed
 * layer whose windows share no row.
 */
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../../src/ir/builder.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { Prng } from '../../src/util/prng.js';

/** The producers a band loop can run, each feeding a FULLY_CONNECTED of 10 outputs. */
export type Producer = 'conv3x3' | 'conv-dilated' | 'small' | 'dw3x3' | 'dw-mult2' | 'max' | 'avg';

/** What reads the producer's output: a FULLY_CONNECTED(10) after a RESHAPE, a 2x2 max pool of
 * stride 2 (VALID), a 3x3 average pool of stride 3 (SAME: padded, uneven bands) or a 1x1
 * convolution to 6 channels. */
export type Consumer = 'fc' | 'maxpool2' | 'avgpool3' | 'pointwise';

/** input [1, H, W, C] → producer → consumer: the producer's output is the largest tensor. */
export function producerIntoFc(kind: Producer, seed: number, consumer: Consumer = 'fc'): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder(`stream ${kind}`);
  const q = perTensor(0.05, 3);
  const weights = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * 0.3);
  const inShape: Record<Producer, number[]> = {
    conv3x3: [1, 7, 6, 3],
    'conv-dilated': [1, 9, 5, 2],
    small: [1, 15, 8, 1],
    dw3x3: [1, 11, 6, 8],
    'dw-mult2': [1, 9, 5, 2],
    max: [1, 9, 8, 8],
    avg: [1, 9, 8, 8],
  };
  const shape = inShape[kind];
  const x = b.input('x', shape, 'int8', q);
  const [, h, w, c] = shape as [number, number, number, number];
  let out: number[] = [];
  let yT = -1;
  const same = (stride: number, dil = 1): Record<string, string | number> => ({ padding: 'SAME', strideW: stride, strideH: stride, dilationWFactor: dil, dilationHFactor: dil, fusedActivationFunction: 'RELU' });
  const y = (o: number[]): number => {
    out = o;
    yT = b.tensor('y', o, 'int8', perTensor(0.08, -128));
    return yT;
  };
  const conv = (cout: number, k: number, stride: number, dil: number): void => {
    const wq = quantizeSymmetricPerChannel(weights(cout * k * k * c), [cout, k, k, c], 0);
    const bias = quantizeBias(weights(cout), 0.05, wq.quant.scale);
    const oh = Math.ceil(h / stride);
    const ow = Math.ceil(w / stride);
    b.op('CONV_2D', [x, b.constInt8('w', [cout, k, k, c], wq.values, wq.quant), b.constInt32('b', [cout], bias.values, bias.quant)], [y([1, oh, ow, cout])], 'Conv2DOptions', same(stride, dil), 3);
  };
  const dw = (mult: number, k: number, stride: number): void => {
    const cout = c * mult;
    const wq = quantizeSymmetricPerChannel(weights(k * k * cout), [1, k, k, cout], 3);
    const bias = quantizeBias(weights(cout), 0.05, wq.quant.scale);
    b.op('DEPTHWISE_CONV_2D', [x, b.constInt8('w', [1, k, k, cout], wq.values, wq.quant), b.constInt32('b', [cout], bias.values, bias.quant)], [y([1, Math.ceil(h / stride), Math.ceil(w / stride), cout])], 'DepthwiseConv2DOptions', { ...same(stride), depthMultiplier: mult }, 3);
  };
  const pool = (opcode: string): void => {
    b.op(opcode, [x], [y([1, h - 2, w - 2, c])], 'Pool2DOptions', { padding: 'VALID', strideW: 1, strideH: 1, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' }, 2);
  };
  switch (kind) {
    case 'conv3x3': conv(12, 3, 1, 1); break;
    case 'conv-dilated': conv(8, 3, 1, 2); break;
    case 'small': dw(8, 5, 2); break;
    case 'dw3x3': dw(1, 3, 2); break;
    case 'dw-mult2': dw(2, 3, 1); break;
    case 'max': pool('MAX_POOL_2D'); break;
    case 'avg': pool('AVERAGE_POOL_2D'); break;
  }
  if (consumer !== 'fc') {
    const [, oh, ow, oc] = out as [number, number, number, number];
    if (consumer === 'pointwise') {
      const wq = quantizeSymmetricPerChannel(weights(6 * oc), [6, 1, 1, oc], 0);
      const bias = quantizeBias(weights(6), 0.08, wq.quant.scale);
      const o = b.tensor('out', [1, oh, ow, 6], 'int8', perTensor(0.1, -3));
      b.op('CONV_2D', [yT, b.constInt8('pw/w', [6, 1, 1, oc], wq.values, wq.quant), b.constInt32('pw/b', [6], bias.values, bias.quant)], [o], 'Conv2DOptions', { ...same(1), fusedActivationFunction: 'NONE' }, 3);
      b.markOutput(o);
    } else {
      const f = consumer === 'maxpool2' ? 2 : 3;
      const valid = consumer === 'maxpool2';
      const o = b.tensor('out', [1, valid ? Math.floor(oh / f) : Math.ceil(oh / f), valid ? Math.floor(ow / f) : Math.ceil(ow / f), oc], 'int8', perTensor(0.08, -128));
      b.op(valid ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [yT], [o], 'Pool2DOptions', { padding: valid ? 'VALID' : 'SAME', strideW: f, strideH: f, filterWidth: f, filterHeight: f, fusedActivationFunction: 'NONE' }, 2);
      b.markOutput(o);
    }
    return b.build();
  }
  const depth = out.reduce((a, v) => a * v, 1);
  const flat = b.tensor('flat', [1, depth], 'int8', perTensor(0.08, -128));
  b.op('RESHAPE', [yT, b.constInt32('shape', [2], Int32Array.from([1, depth]))], [flat], 'ReshapeOptions', { newShape: [1, depth] });
  const wq = quantizeSymmetricPerChannel(weights(10 * depth), [10, depth], 0);
  const fcW = b.constInt8('fc/w', [10, depth], wq.values, { scale: [wq.quant.scale[0]!], zeroPoint: [0], axis: 0 });
  const fcB = b.constInt32('fc/b', [10], quantizeBias(weights(10), 0.08, [wq.quant.scale[0]!]).values, { scale: [0.08 * wq.quant.scale[0]!], zeroPoint: [0], axis: 0 });
  const o = b.tensor('out', [1, 10], 'int8', perTensor(0.2, 5));
  b.op('FULLY_CONNECTED', [flat, fcW, fcB], [o], 'FullyConnectedOptions', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false }, 5);
  b.markOutput(o);
  return b.build();
}
