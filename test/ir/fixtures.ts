/**
 * Small hand-built graphs for the verifier and the TFLite reader/writer tests.
 * Constant data is deterministic (index-derived), never copied from any model.
 */
import type { DType, ModelGraph, Op, OptionValue, Quantization, Tensor } from '../../src/ir/graph.js';
import { DTYPE_BYTES } from '../../src/ir/graph.js';

export function bytesFor(shape: number[], dtype: DType, seed = 1): Uint8Array {
  let n = DTYPE_BYTES[dtype];
  for (const d of shape) n *= d;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 37 + seed * 11) & 0xff;
  return out;
}

export function int32Data(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setInt32(i * 4, v, true));
  return out;
}

const q8 = (scale = 0.05, zp = -3): Quantization => ({ scale: [scale], zeroPoint: [zp], axis: 0 });

export class GraphBuilder {
  readonly g: ModelGraph = {
    schemaVersion: 3,
    description: 'fixture',
    name: 'main',
    tensors: [],
    ops: [],
    inputs: [],
    outputs: [],
    metadata: [],
  };

  tensor(name: string, shape: number[], dtype: DType = 'int8', extra: Partial<Tensor> = {}): number {
    const t: Tensor = { name, shape, dtype, isVariable: false, ...extra };
    if (dtype === 'int8' && !t.quant) t.quant = q8();
    this.g.tensors.push(t);
    return this.g.tensors.length - 1;
  }

  constant(name: string, shape: number[], dtype: DType = 'int8', extra: Partial<Tensor> = {}): number {
    return this.tensor(name, shape, dtype, { data: bytesFor(shape, dtype, this.g.tensors.length), ...extra });
  }

  op(opcode: string, inputs: number[], outputs: number[], optionsType?: string, options: Record<string, OptionValue> = {}): Op {
    const op: Op = { opcode, version: 1, inputs, outputs, options };
    if (optionsType) op.optionsType = optionsType;
    this.g.ops.push(op);
    return op;
  }
}

const conv = (padding: string, stride: number, act = 'NONE'): Record<string, OptionValue> => ({
  padding,
  strideW: stride,
  strideH: stride,
  fusedActivationFunction: act,
  dilationWFactor: 1,
  dilationHFactor: 1,
  quantizedBiasType: 'FLOAT32',
});

/**
 * input [1,8,8,3] -> CONV_2D 3x3 s2 SAME (per-channel) -> [1,4,4,4] -> DEPTHWISE 3x3 VALID ->
 * [1,2,2,4] -> AVERAGE_POOL 2x2 -> [1,1,1,4] -> RESHAPE [1,4] -> FULLY_CONNECTED -> [1,3] ->
 * SOFTMAX -> [1,3]
 */
export function smallCnn(): ModelGraph {
  const b = new GraphBuilder();
  const x = b.tensor('input', [1, 8, 8, 3]);
  const w1 = b.constant('conv/w', [4, 3, 3, 3], 'int8', {
    quant: { scale: [0.01, 0.02, 0.03, 0.04], zeroPoint: [0, 0, 0, 0], axis: 0 },
  });
  const b1 = b.constant('conv/b', [4], 'int32', {
    quant: { scale: [0.0005, 0.001, 0.0015, 0.002], zeroPoint: [0, 0, 0, 0], axis: 0 },
  });
  const y1 = b.tensor('conv/out', [1, 4, 4, 4]);
  b.op('CONV_2D', [x, w1, b1], [y1], 'Conv2DOptions', conv('SAME', 2, 'RELU6'));
  const w2 = b.constant('dw/w', [1, 3, 3, 4], 'int8', {
    quant: { scale: [0.01, 0.01, 0.02, 0.02], zeroPoint: [0, 0, 0, 0], axis: 3 },
  });
  const y2 = b.tensor('dw/out', [1, 2, 2, 4]);
  b.op('DEPTHWISE_CONV_2D', [y1, w2, -1], [y2], 'DepthwiseConv2DOptions', {
    padding: 'VALID',
    strideW: 1,
    strideH: 1,
    depthMultiplier: 1,
    fusedActivationFunction: 'NONE',
    dilationWFactor: 1,
    dilationHFactor: 1,
  });
  const y3 = b.tensor('pool/out', [1, 1, 1, 4]);
  b.op('AVERAGE_POOL_2D', [y2], [y3], 'Pool2DOptions', {
    padding: 'VALID',
    strideW: 2,
    strideH: 2,
    filterWidth: 2,
    filterHeight: 2,
    fusedActivationFunction: 'NONE',
  });
  const shape = b.constant('reshape/shape', [2], 'int32', { data: int32Data([1, 4]) });
  const y4 = b.tensor('reshape/out', [1, 4]);
  b.op('RESHAPE', [y3, shape], [y4], 'ReshapeOptions', { newShape: [1, 4] });
  const w5 = b.constant('fc/w', [3, 4]);
  const b5 = b.constant('fc/b', [3], 'int32', { quant: { scale: [0.0025], zeroPoint: [0], axis: 0 } });
  const y5 = b.tensor('fc/out', [1, 3]);
  b.op('FULLY_CONNECTED', [y4, w5, b5], [y5], 'FullyConnectedOptions', {
    fusedActivationFunction: 'NONE',
    weightsFormat: 'DEFAULT',
    keepNumDims: false,
    asymmetricQuantizeInputs: false,
    quantizedBiasType: 'FLOAT32',
  });
  const y6 = b.tensor('softmax/out', [1, 3], 'int8', { quant: { scale: [1 / 256], zeroPoint: [-128], axis: 0 } });
  b.op('SOFTMAX', [y5], [y6], 'SoftmaxOptions', { beta: 1 });
  b.g.inputs = [x];
  b.g.outputs = [y6];
  b.g.metadata = [{ name: 'min_runtime_version', data: new TextEncoder().encode('1.5.0\0\0\0') }];
  return f32Scales(b.g);
}

/** input, ADD with broadcast, CONCATENATION, PAD, MEAN, QUANTIZE/DEQUANTIZE in one float graph. */
export function elementwiseGraph(): ModelGraph {
  const b = new GraphBuilder();
  const x = b.tensor('x', [1, 4, 4, 2], 'float32');
  const c = b.constant('c', [2], 'float32');
  const a = b.tensor('add', [1, 4, 4, 2], 'float32');
  b.op('ADD', [x, c], [a], 'AddOptions', { fusedActivationFunction: 'NONE', potScaleInt16: true });
  const cat = b.tensor('cat', [1, 4, 4, 4], 'float32');
  b.op('CONCATENATION', [x, a], [cat], 'ConcatenationOptions', { axis: -1, fusedActivationFunction: 'NONE' });
  const pads = b.constant('pads', [4, 2], 'int32', { data: int32Data([0, 0, 1, 1, 2, 0, 0, 0]) });
  const p = b.tensor('pad', [1, 6, 6, 4], 'float32');
  b.op('PAD', [cat, pads], [p]);
  const axes = b.constant('axes', [2], 'int32', { data: int32Data([1, 2]) });
  const m = b.tensor('mean', [1, 1, 1, 4], 'float32');
  b.op('MEAN', [p, axes], [m], 'ReducerOptions', { keepDims: true });
  const q = b.tensor('q', [1, 1, 1, 4], 'int8');
  b.op('QUANTIZE', [m], [q]);
  const d = b.tensor('dq', [1, 1, 1, 4], 'float32');
  b.op('DEQUANTIZE', [q], [d]);
  b.g.inputs = [x];
  b.g.outputs = [d];
  return f32Scales(b.g);
}

/** TFLite stores scales as float32: make the fixture's scales float32 values, as a file's are. */
export function f32Scales(g: ModelGraph): ModelGraph {
  for (const t of g.tensors) if (t.quant) t.quant.scale = t.quant.scale.map(Math.fround);
  return g;
}

export function clone(g: ModelGraph): ModelGraph {
  return structuredClone(g);
}
