/**
 * Our own example models, as float32 ModelGraphs with seeded Glorot-uniform weights and zero
 * biases: LeNet-300-100 and LeNet-5 (the Caffe variant Han et al. 2015 pruned: conv 5x5x20,
 * pool, conv 5x5x50, pool, FC 500, FC 10) for 28x28 MNIST, and a tiny CNN for 8x8 digits.
 */
import { GraphBuilder } from '../ir/builder.js';
import type { ModelGraph } from '../ir/graph.js';
import { Prng } from '../util/prng.js';
import { f32Bytes } from './tensor_data.js';

class Init {
  private readonly rng: Prng;
  constructor(seed: number) {
    this.rng = new Prng(seed);
  }
  glorot(n: number, fanIn: number, fanOut: number): Float32Array {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: n }, () => (this.rng.next() * 2 - 1) * limit);
  }
}

function floatConst(b: GraphBuilder, name: string, shape: number[], v: Float32Array): number {
  return b.tensor(name, shape, 'float32', undefined, f32Bytes(v));
}

function fc(b: GraphBuilder, init: Init, x: number, name: string, inF: number, outF: number, relu: boolean): number {
  const w = floatConst(b, `${name}/weights`, [outF, inF], init.glorot(outF * inF, inF, outF));
  const bias = floatConst(b, `${name}/bias`, [outF], new Float32Array(outF));
  const y = b.tensor(name, [1, outF], 'float32');
  b.op('FULLY_CONNECTED', [x, w, bias], [y], 'FullyConnectedOptions', { fusedActivationFunction: relu ? 'RELU' : 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false }, 1);
  return y;
}

function conv(b: GraphBuilder, init: Init, x: number, name: string, inShape: [number, number, number], k: number, outC: number, padding: 'SAME' | 'VALID'): { y: number; shape: [number, number, number] } {
  const [h, w, c] = inShape;
  const oh = padding === 'SAME' ? h : h - k + 1;
  const ow = padding === 'SAME' ? w : w - k + 1;
  const wt = floatConst(b, `${name}/weights`, [outC, k, k, c], init.glorot(outC * k * k * c, k * k * c, k * k * outC));
  const bias = floatConst(b, `${name}/bias`, [outC], new Float32Array(outC));
  const y = b.tensor(name, [1, oh, ow, outC], 'float32');
  b.op('CONV_2D', [x, wt, bias], [y], 'Conv2DOptions', { padding, strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'RELU' }, 1);
  return { y, shape: [oh, ow, outC] };
}

function maxPool(b: GraphBuilder, x: number, name: string, inShape: [number, number, number]): { y: number; shape: [number, number, number] } {
  const shape: [number, number, number] = [Math.floor(inShape[0] / 2), Math.floor(inShape[1] / 2), inShape[2]];
  const y = b.tensor(name, [1, ...shape], 'float32');
  b.op('MAX_POOL_2D', [x], [y], 'Pool2DOptions', { padding: 'VALID', strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2, fusedActivationFunction: 'NONE' }, 1);
  return { y, shape };
}

function reshape(b: GraphBuilder, x: number, name: string, to: number[]): number {
  const shapeConst = b.constInt32(`${name}/shape`, [to.length], Int32Array.from(to));
  const y = b.tensor(name, to, 'float32');
  b.op('RESHAPE', [x, shapeConst], [y], 'ReshapeOptions', { newShape: to }, 1);
  return y;
}

function softmax(b: GraphBuilder, x: number, classes: number): number {
  const y = b.tensor('probabilities', [1, classes], 'float32');
  b.op('SOFTMAX', [x], [y], 'SoftmaxOptions', { beta: 1 }, 1);
  b.markOutput(y);
  return y;
}

export function lenet300100(seed = 1): ModelGraph {
  const init = new Init(seed);
  const b = new GraphBuilder(`tinyprune LeNet-300-100 (init seed ${seed})`);
  const x = b.input('image', [1, 28, 28, 1], 'float32');
  const flat = reshape(b, x, 'flatten', [1, 784]);
  const h1 = fc(b, init, flat, 'fc1', 784, 300, true);
  const h2 = fc(b, init, h1, 'fc2', 300, 100, true);
  const logits = fc(b, init, h2, 'fc3', 100, 10, false);
  softmax(b, logits, 10);
  return b.build();
}

export function lenet5(seed = 1): ModelGraph {
  const init = new Init(seed);
  const b = new GraphBuilder(`tinyprune LeNet-5 (Caffe variant, init seed ${seed})`);
  const x = b.input('image', [1, 28, 28, 1], 'float32');
  const c1 = conv(b, init, x, 'conv1', [28, 28, 1], 5, 20, 'VALID');
  const p1 = maxPool(b, c1.y, 'pool1', c1.shape);
  const c2 = conv(b, init, p1.y, 'conv2', p1.shape, 5, 50, 'VALID');
  const p2 = maxPool(b, c2.y, 'pool2', c2.shape);
  const flat = reshape(b, p2.y, 'flatten', [1, 4 * 4 * 50]);
  const h = fc(b, init, flat, 'fc1', 800, 500, true);
  const logits = fc(b, init, h, 'fc2', 500, 10, false);
  softmax(b, logits, 10);
  return b.build();
}

/**
 * A tiny CNN for 8x8 digits, with a depthwise-separable block and a residual ADD, so that
 * tests cover every structural case (conv → depthwise → conv chains, channels coupled
 * through ADD) in well under a second.
 */
export function tinyDigitsCnn(seed = 1): ModelGraph {
  const init = new Init(seed);
  const b = new GraphBuilder(`tinyprune tiny digits CNN (init seed ${seed})`);
  const x = b.input('image', [1, 8, 8, 1], 'float32');
  const c1 = conv(b, init, x, 'conv1', [8, 8, 1], 3, 8, 'SAME');
  // depthwise 3x3 (8 channels) then pointwise 8 → 8, added back to conv1's output.
  const dwW = floatConst(b, 'dw2/weights', [1, 3, 3, 8], init.glorot(72, 9, 9));
  const dwB = floatConst(b, 'dw2/bias', [8], new Float32Array(8));
  const dw = b.tensor('dw2', [1, 8, 8, 8], 'float32');
  b.op('DEPTHWISE_CONV_2D', [c1.y, dwW, dwB], [dw], 'DepthwiseConv2DOptions', { padding: 'SAME', strideW: 1, strideH: 1, depthMultiplier: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'RELU' }, 1);
  const pwW = floatConst(b, 'pw3/weights', [8, 1, 1, 8], init.glorot(64, 8, 8));
  const pwB = floatConst(b, 'pw3/bias', [8], new Float32Array(8));
  const pw = b.tensor('pw3', [1, 8, 8, 8], 'float32');
  b.op('CONV_2D', [dw, pwW, pwB], [pw], 'Conv2DOptions', { padding: 'SAME', strideW: 1, strideH: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'NONE' }, 1);
  const sum = b.tensor('add4', [1, 8, 8, 8], 'float32');
  b.op('ADD', [c1.y, pw], [sum], 'AddOptions', { fusedActivationFunction: 'RELU', potScaleInt16: true }, 1);
  const p = maxPool(b, sum, 'pool5', [8, 8, 8]);
  const flat = reshape(b, p.y, 'flatten', [1, 4 * 4 * 8]);
  const h = fc(b, init, flat, 'fc6', 128, 32, true);
  const logits = fc(b, init, h, 'fc7', 32, 10, false);
  softmax(b, logits, 10);
  return b.build();
}

function depthwise(b: GraphBuilder, init: Init, x: number, name: string, inShape: [number, number, number]): number {
  const [h, w, c] = inShape;
  const wt = floatConst(b, `${name}/weights`, [1, 3, 3, c], init.glorot(9 * c, 9, 9));
  const bias = floatConst(b, `${name}/bias`, [c], new Float32Array(c));
  const y = b.tensor(name, [1, h, w, c], 'float32');
  b.op('DEPTHWISE_CONV_2D', [x, wt, bias], [y], 'DepthwiseConv2DOptions', { padding: 'SAME', strideW: 1, strideH: 1, depthMultiplier: 1, dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'RELU' }, 1);
  return y;
}

/**
 * The examples' digits CNN (28x28, LeNet-5 style with a depthwise-separable block): conv 3x3x16,
 * pool, depthwise 3x3 + pointwise 32, pool, FC 1568→256, FC 10. As int8 it needs ~13 KB of
 * activations at its first layer and ~410 KB of weights, so it fits a 512 KB / 128 KB board
 * as it is but a micro:bit (256 KB / 16 KB) only after channel pruning (RAM) and weight
 * pruning (flash): the build pipeline's showcase.
 */
export function digitsDsCnn(seed = 1): ModelGraph {
  const init = new Init(seed);
  const b = new GraphBuilder(`tinyprune digits DS-CNN (init seed ${seed})`);
  const x = b.input('image', [1, 28, 28, 1], 'float32');
  const c1 = conv(b, init, x, 'conv1', [28, 28, 1], 3, 16, 'SAME');
  const p1 = maxPool(b, c1.y, 'pool1', c1.shape);
  const dw = depthwise(b, init, p1.y, 'dw2', p1.shape);
  const pw = conv(b, init, dw, 'pw2', p1.shape, 1, 32, 'SAME');
  const p2 = maxPool(b, pw.y, 'pool2', pw.shape);
  const flat = reshape(b, p2.y, 'flatten', [1, 7 * 7 * 32]);
  const h = fc(b, init, flat, 'fc3', 7 * 7 * 32, 256, true);
  const logits = fc(b, init, h, 'fc4', 256, 10, false);
  softmax(b, logits, 10);
  return b.build();
}

export const EXAMPLE_MODELS = { 'lenet-300-100': lenet300100, lenet5, 'tiny-digits': tinyDigitsCnn, 'digits-dscnn': digitsDsCnn } as const;
