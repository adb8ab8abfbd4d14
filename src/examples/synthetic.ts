/**
 * A small int8 CNN generated deterministically from a seed (He-initialised weights,
 * symmetric per-channel weight quantization, RELU6 activations). It exercises the same
 * layer types as the digits example (CONV_2D, a depthwise-separable block, pooling,
 * FULLY_CONNECTED, SOFTMAX) and needs no data or download, so it is the quick-start model
 * until the trained examples exist.
 */
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../ir/builder.js';
import type { ModelGraph, OptionValue, Quantization } from '../ir/graph.js';
import { Prng } from '../util/prng.js';

const RELU6_SCALE = 6 / 255;
const RELU6_ZP = -128;

export function synthDigitsCnn(seed = 1): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder(`tinyprune synthetic digits CNN (seed ${seed})`);
  const layer = (l: Layer): number => weightedLayer(b, rng, l);
  const conv = { padding: 'SAME', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1 };
  const relu6 = perTensor(RELU6_SCALE, RELU6_ZP);

  // 8x8 grey image, pixel values 0..16 (UCI optdigits) mapped to int8.
  const inScale = 16 / 255;
  const x = b.input('image', [1, 8, 8, 1], 'int8', perTensor(inScale, -128));

  // conv1: 3x3, 1 -> 8, SAME, RELU6.
  const c1 = layer({
    opcode: 'CONV_2D', input: x, inputScale: inScale, weights: 'conv1', weightShape: [8, 3, 3, 1], fanIn: 9, axis: 0,
    output: 'conv1', outputShape: [1, 8, 8, 8], outputQuant: relu6,
    optionsType: 'Conv2DOptions', options: { ...conv, fusedActivationFunction: 'RELU6' }, version: 3,
  });

  // dw2: depthwise 3x3 stride 2 (8 channels), RELU6 — the depthwise half of a separable block.
  const c2 = layer({
    opcode: 'DEPTHWISE_CONV_2D', input: c1, inputScale: RELU6_SCALE, weights: 'dw2', weightShape: [1, 3, 3, 8], fanIn: 9, axis: 3,
    output: 'dw2', outputShape: [1, 4, 4, 8], outputQuant: relu6,
    optionsType: 'DepthwiseConv2DOptions', options: { ...conv, strideW: 2, strideH: 2, depthMultiplier: 1, fusedActivationFunction: 'RELU6' }, version: 3,
  });

  // pw3: pointwise 1x1, 8 -> 16, RELU6 — the pointwise half.
  const c3 = layer({
    opcode: 'CONV_2D', input: c2, inputScale: RELU6_SCALE, weights: 'pw3', weightShape: [16, 1, 1, 8], fanIn: 8, axis: 0,
    output: 'pw3', outputShape: [1, 4, 4, 16], outputQuant: relu6,
    optionsType: 'Conv2DOptions', options: { ...conv, fusedActivationFunction: 'RELU6' }, version: 3,
  });

  // pool4: average 2x2 stride 2.
  const c4 = b.tensor('pool4', [1, 2, 2, 16], 'int8', relu6);
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
  const c5 = b.tensor('flatten', [1, 64], 'int8', relu6);
  b.op('RESHAPE', [c4, shape], [c5], 'ReshapeOptions', { newShape: [1, 64] }, 1);
  const logitScale = 0.125;
  const c6 = layer({
    opcode: 'FULLY_CONNECTED', input: c5, inputScale: RELU6_SCALE, weights: 'fc5', weightShape: [10, 64], fanIn: 64, axis: 0,
    output: 'logits', outputShape: [1, 10], outputQuant: perTensor(logitScale, 0),
    optionsType: 'FullyConnectedOptions',
    options: { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false },
    version: 5,
  });

  // softmax: TFLite's int8 softmax output is fixed at scale 1/256, zero point -128.
  const probs = b.tensor('probabilities', [1, 10], 'int8', perTensor(1 / 256, -128));
  b.op('SOFTMAX', [c6], [probs], 'SoftmaxOptions', { beta: 1 }, 2);
  b.markOutput(probs);
  return b.build();
}

/** One layer with int8 weights (quantized per channel along `axis`) and an int32 bias. */
interface Layer {
  opcode: string;
  input: number;
  /** Scale of `input`: the bias scale is inputScale × weight scale. */
  inputScale: number;
  /** Name prefix of the constants: `<weights>/weights`, `<weights>/bias`. */
  weights: string;
  weightShape: number[];
  fanIn: number;
  axis: number;
  output: string;
  outputShape: number[];
  outputQuant: Quantization;
  optionsType: string;
  options: Record<string, OptionValue>;
  version: number;
}

/**
 * Adds the layer with He-initialised weights and small random biases drawn from `rng`
 * (weights first, then biases), and returns its output tensor.
 */
function weightedLayer(b: GraphBuilder, rng: Prng, l: Layer): number {
  const channels = l.weightShape[l.axis]!;
  const count = l.weightShape.reduce((n, d) => n * d, 1);
  const w = quantizeSymmetricPerChannel(heWeights(rng, count, l.fanIn), l.weightShape, l.axis);
  const bq = quantizeBias(smallBiases(rng, channels), Math.fround(l.inputScale), w.quant.scale);
  const out = b.tensor(l.output, l.outputShape, 'int8', l.outputQuant);
  b.op(
    l.opcode,
    [l.input, b.constInt8(`${l.weights}/weights`, l.weightShape, w.values, w.quant), b.constInt32(`${l.weights}/bias`, [channels], bq.values, bq.quant)],
    [out],
    l.optionsType,
    l.options,
    l.version,
  );
  return out;
}

/** He initialisation: normal with variance 2 / fanIn. */
function heWeights(rng: Prng, n: number, fanIn: number): Float32Array {
  const w = new Float32Array(n);
  const s = Math.sqrt(2 / fanIn);
  for (let i = 0; i < n; i++) w[i] = rng.normal() * s;
  return w;
}

function smallBiases(rng: Prng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * 0.05;
  return v;
}
