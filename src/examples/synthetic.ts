/**
 * A small int8 CNN generated deterministically from a seed (He-initialised weights,
 * symmetric per-channel weight quantization, RELU6 activations). It exercises the same
 * layer types as the digits example (CONV_2D, a depthwise-separable block, pooling,
 * FULLY_CONNECTED, SOFTMAX) and needs no data or download, so it is the quick-start model
 * until the trained examples exist.
 */
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../ir/builder.js';
import type { ModelGraph } from '../ir/graph.js';
import { Prng } from '../util/prng.js';

const RELU6_SCALE = 6 / 255;
const RELU6_ZP = -128;

export function synthDigitsCnn(seed = 1): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder(`tinyprune synthetic digits CNN (seed ${seed})`);
  const he = (n: number, fanIn: number): Float32Array => {
    const w = new Float32Array(n);
    const s = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) w[i] = rng.normal() * s;
    return w;
  };
  const bias = (n: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal() * 0.05;
    return v;
  };
  const conv = { padding: 'SAME', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1 };

  // 8x8 grey image, pixel values 0..16 (UCI optdigits) mapped to int8.
  const inScale = 16 / 255;
  const x = b.input('image', [1, 8, 8, 1], 'int8', perTensor(inScale, -128));

  // conv1: 3x3, 1 -> 8, SAME, RELU6.
  const w1 = quantizeSymmetricPerChannel(he(8 * 9, 9), [8, 3, 3, 1], 0);
  const b1 = quantizeBias(bias(8), Math.fround(inScale), w1.quant.scale);
  const c1 = b.tensor('conv1', [1, 8, 8, 8], 'int8', perTensor(RELU6_SCALE, RELU6_ZP));
  b.op(
    'CONV_2D',
    [x, b.constInt8('conv1/weights', [8, 3, 3, 1], w1.values, w1.quant), b.constInt32('conv1/bias', [8], b1.values, b1.quant)],
    [c1],
    'Conv2DOptions',
    { ...conv, fusedActivationFunction: 'RELU6' },
    3,
  );

  // dw2: depthwise 3x3 stride 2 (8 channels), RELU6 — the depthwise half of a separable block.
  const w2 = quantizeSymmetricPerChannel(he(9 * 8, 9), [1, 3, 3, 8], 3);
  const b2 = quantizeBias(bias(8), Math.fround(RELU6_SCALE), w2.quant.scale);
  const c2 = b.tensor('dw2', [1, 4, 4, 8], 'int8', perTensor(RELU6_SCALE, RELU6_ZP));
  b.op(
    'DEPTHWISE_CONV_2D',
    [c1, b.constInt8('dw2/weights', [1, 3, 3, 8], w2.values, w2.quant), b.constInt32('dw2/bias', [8], b2.values, b2.quant)],
    [c2],
    'DepthwiseConv2DOptions',
    { ...conv, strideW: 2, strideH: 2, depthMultiplier: 1, fusedActivationFunction: 'RELU6' },
    3,
  );

  // pw3: pointwise 1x1, 8 -> 16, RELU6 — the pointwise half.
  const w3 = quantizeSymmetricPerChannel(he(16 * 8, 8), [16, 1, 1, 8], 0);
  const b3 = quantizeBias(bias(16), Math.fround(RELU6_SCALE), w3.quant.scale);
  const c3 = b.tensor('pw3', [1, 4, 4, 16], 'int8', perTensor(RELU6_SCALE, RELU6_ZP));
  b.op(
    'CONV_2D',
    [c2, b.constInt8('pw3/weights', [16, 1, 1, 8], w3.values, w3.quant), b.constInt32('pw3/bias', [16], b3.values, b3.quant)],
    [c3],
    'Conv2DOptions',
    { ...conv, fusedActivationFunction: 'RELU6' },
    3,
  );

  // pool4: average 2x2 stride 2.
  const c4 = b.tensor('pool4', [1, 2, 2, 16], 'int8', perTensor(RELU6_SCALE, RELU6_ZP));
  b.op('AVERAGE_POOL_2D', [c3], [c4], 'Pool2DOptions', {
    padding: 'VALID',
    strideW: 2,
    strideH: 2,
    filterWidth: 2,
    filterHeight: 2,
    fusedActivationFunction: 'NONE',
  }, 2);

  // flatten + fc5: 64 -> 10 logits.
  const shape = b.constInt32('flatten/shape', [2], Int32Array.from([1, 64]));
  const c5 = b.tensor('flatten', [1, 64], 'int8', perTensor(RELU6_SCALE, RELU6_ZP));
  b.op('RESHAPE', [c4, shape], [c5], 'ReshapeOptions', { newShape: [1, 64] }, 1);
  const w6 = quantizeSymmetricPerChannel(he(10 * 64, 64), [10, 64], 0);
  const b6 = quantizeBias(bias(10), Math.fround(RELU6_SCALE), w6.quant.scale);
  const logitScale = 0.125;
  const c6 = b.tensor('logits', [1, 10], 'int8', perTensor(logitScale, 0));
  b.op(
    'FULLY_CONNECTED',
    [c5, b.constInt8('fc5/weights', [10, 64], w6.values, w6.quant), b.constInt32('fc5/bias', [10], b6.values, b6.quant)],
    [c6],
    'FullyConnectedOptions',
    { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false },
    5,
  );

  // softmax: TFLite's int8 softmax output is fixed at scale 1/256, zero point -128.
  const probs = b.tensor('probabilities', [1, 10], 'int8', perTensor(1 / 256, -128));
  b.op('SOFTMAX', [c6], [probs], 'SoftmaxOptions', { beta: 1 }, 2);
  b.markOutput(probs);
  return b.build();
}
