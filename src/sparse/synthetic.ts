/**
 * Seeded single-layer graphs for the sparse kernels' tests, benchmarks and cost-model fits:
 * FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D with random weights (pruned by a callback
 * before they are stored), random int8 quantisation or float32, any stride, padding,
 * dilation and fused activation. Several layers can share one graph (each with its own input
 * and output), so one firmware image measures or checks many cases at once.
 */
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../ir/builder.js';
import type { ModelGraph } from '../ir/graph.js';
import { computeOutSize } from '../interp/common.js';
import { Prng } from '../util/prng.js';
import { layerWeights, matrixBytes } from './matrix.js';
import type { SparseOp } from './formats/index.js';
import type { WeightMatrix } from './types.js';

export interface LayerSpec {
  op: SparseOp;
  dtype: 'int8' | 'float32';
  /** FULLY_CONNECTED: batches x inputs -> outputs. */
  batches?: number;
  inputs?: number;
  outputs?: number;
  /** CONV_2D / DEPTHWISE_CONV_2D. */
  height?: number;
  width?: number;
  cin?: number;
  cout?: number;
  kh?: number;
  kw?: number;
  stride?: [number, number];
  dilation?: [number, number];
  padding?: 'SAME' | 'VALID';
  depthMultiplier?: number;
  activation?: 'NONE' | 'RELU' | 'RELU6';
  bias?: boolean;
  /** Applied to the weight matrix before it is stored (pruning). */
  prune?: (m: WeightMatrix, rowScale: number[]) => WeightMatrix;
  name?: string;
  /** The layer's own random stream (same weights in whatever graph it is added to). */
  seed?: number;
}

export interface SyntheticLayer {
  spec: LayerSpec;
  /** Operator index in the graph. */
  op: number;
  input: number;
  output: number;
}

export class LayerGraph {
  private readonly b = new GraphBuilder('tinyprune sparse kernel cases');
  readonly layers: SyntheticLayer[] = [];
  private opCount = 0;
  private readonly pending: { op: number; spec: LayerSpec; weights: number }[] = [];

  /** Inputs by shape and dtype, when layers share them (benchmarks: less to feed the board). */
  private readonly sharedInputs = new Map<string, { tensor: number; scale: number; zp: number }>();

  /** shareInputs: layers whose input has the same shape and dtype read one graph input. */
  constructor(
    private readonly rng: Prng,
    private readonly shareInputs = false,
  ) {}

  add(spec: LayerSpec): SyntheticLayer {
    const rng = spec.seed !== undefined ? new Prng(spec.seed) : this.rng;
    const b = this.b;
    const k = this.layers.length;
    const name = spec.name ?? `l${k}_${spec.op}_${spec.dtype}`;
    const int8 = spec.dtype === 'int8';
    let inScale = Math.fround(0.02 + rng.next() * 0.05);
    let inZp = int8 ? rng.int(-20, 20) : 0;
    const act = spec.activation ?? 'NONE';
    const q = (scale: number, zp: number) => (int8 ? perTensor(scale, zp) : undefined);
    let inShape: number[];
    let wShape: number[];
    let outShape: number[];
    let axis: number;
    let rows: number;
    let cols: number;
    if (spec.op === 'fc') {
      rows = spec.outputs ?? 8;
      cols = spec.inputs ?? 16;
      inShape = [spec.batches ?? 1, cols];
      wShape = [rows, cols];
      outShape = [spec.batches ?? 1, rows];
      axis = 0;
    } else {
      const h = spec.height ?? 6;
      const w = spec.width ?? 6;
      const cin = spec.cin ?? 4;
      const kh = spec.kh ?? 3;
      const kw = spec.kw ?? 3;
      const [sh, sw] = spec.stride ?? [1, 1];
      const [dh, dw] = spec.dilation ?? [1, 1];
      const pad = spec.padding ?? 'SAME';
      const oh = computeOutSize(pad, h, kh, sh, dh);
      const ow = computeOutSize(pad, w, kw, sw, dw);
      inShape = [spec.batches ?? 1, h, w, cin];
      if (spec.op === 'conv') {
        rows = spec.cout ?? 4;
        wShape = [rows, kh, kw, cin];
        axis = 0;
        cols = kh * kw * cin;
      } else {
        rows = cin * (spec.depthMultiplier ?? 1);
        wShape = [1, kh, kw, rows];
        axis = 3;
        cols = kh * kw;
      }
      outShape = [spec.batches ?? 1, oh, ow, rows];
    }
    const wf = new Float32Array(rows * cols);
    for (let i = 0; i < wf.length; i++) wf[i] = Math.fround(rng.normal() * 0.5);
    const key = `${spec.dtype} ${inShape.join('x')}`;
    const shared = this.shareInputs ? this.sharedInputs.get(key) : undefined;
    let input: number;
    if (shared) {
      input = shared.tensor;
      inScale = shared.scale;
      inZp = shared.zp;
    } else {
      input = b.input(`${name}/input`, inShape, spec.dtype, q(inScale, inZp));
      if (this.shareInputs) this.sharedInputs.set(key, { tensor: input, scale: inScale, zp: inZp });
    }
    let weights: number;
    let wScales: number[] = [1];
    if (int8) {
      const wq = quantizeSymmetricPerChannel(wf, wShape, axis);
      wScales = wq.quant.scale;
      weights = b.constInt8(`${name}/weights`, wShape, wq.values, wq.quant);
    } else {
      weights = b.constFloat32(`${name}/weights`, wShape, wf);
    }
    const inputs = [input, weights];
    if (spec.bias !== false) {
      const bf = new Float32Array(rows);
      for (let i = 0; i < rows; i++) bf[i] = Math.fround(rng.normal() * 0.3);
      if (int8) {
        const bq = quantizeBias(bf, inScale, wScales);
        inputs.push(b.constInt32(`${name}/bias`, [rows], bq.values, bq.quant));
      } else {
        inputs.push(b.constFloat32(`${name}/bias`, [rows], bf));
      }
    }
    // Output scale: about the spread of the accumulator, so outputs use the int8 range.
    const avgW = wScales.reduce((s, x) => s + x, 0) / wScales.length;
    const outScale = Math.fround(inScale * avgW * Math.sqrt(cols) * (40 + rng.next() * 60));
    const output = b.tensor(`${name}/output`, outShape, spec.dtype, q(outScale, int8 ? rng.int(-10, 10) : 0));
    if (spec.op === 'fc') {
      b.op('FULLY_CONNECTED', inputs, [output], 'FullyConnectedOptions', { fusedActivationFunction: act, weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false }, 5);
    } else {
      const [sh, sw] = spec.stride ?? [1, 1];
      const [dh, dw] = spec.dilation ?? [1, 1];
      const common = { padding: spec.padding ?? 'SAME', strideW: sw, strideH: sh, dilationWFactor: dw, dilationHFactor: dh, fusedActivationFunction: act };
      if (spec.op === 'conv') b.op('CONV_2D', inputs, [output], 'Conv2DOptions', common, 3);
      else b.op('DEPTHWISE_CONV_2D', inputs, [output], 'DepthwiseConv2DOptions', { ...common, depthMultiplier: spec.depthMultiplier ?? 1 }, 3);
    }
    b.markOutput(output);
    const layer = { spec, op: this.opCount++, input, output };
    this.pending.push({ op: layer.op, spec, weights });
    this.layers.push(layer);
    return layer;
  }

  /** The graph, with every layer's weights pruned by its spec's callback. */
  build(): ModelGraph {
    const g = this.b.build();
    for (const { op, spec } of this.pending) {
      if (!spec.prune) continue;
      const lw = layerWeights(g, g.ops[op]!)!;
      const pruned = spec.prune(lw.matrix, lw.rowScale);
      g.tensors[lw.tensor]!.data = matrixBytes(lw.op, pruned);
    }
    return g;
  }

  /** Random input bytes for every graph input, in order. */
  randomInputs(graph: ModelGraph, seed: number): Uint8Array[] {
    const rng = new Prng(seed);
    return graph.inputs.map((t) => {
      const tensor = graph.tensors[t]!;
      const n = tensor.shape.reduce((a, d) => a * d, 1);
      if (tensor.dtype === 'int8') return Uint8Array.from({ length: n }, () => rng.int(0, 255));
      const out = new Uint8Array(n * 4);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < n; i++) dv.setFloat32(i * 4, Math.fround(rng.normal()), true);
      return out;
    });
  }
}
