/**
 * Post-training int8 quantization of a float ModelGraph, TFLite conventions:
 *  - weights: symmetric per-channel int8 in [-127, 127] (axis 0 for CONV_2D/FULLY_CONNECTED,
 *    axis 3 for DEPTHWISE_CONV_2D), zero point 0 — a pruned zero stays exactly 0;
 *  - biases: int32 with scale input_scale · weight_scale[c];
 *  - activations: asymmetric int8 from calibration ranges (always containing 0, so zero
 *    padding and ReLU are exact); ops that TFLite requires to keep their input's parameters
 *    (RESHAPE, pools, PAD) inherit them; SOFTMAX outputs use scale 1/256, zero point -128.
 * The result has an int8 input and output and runs in the reference interpreter.
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Quantization, Tensor } from '../ir/graph.js';
import { bytesOf, quantizeSymmetricPerChannel } from '../ir/builder.js';
import { cloneGraph, floatData } from '../train/tensor_data.js';
import type { TensorRange } from './calibrate.js';

const INHERIT = new Set(['RESHAPE', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'PAD']);
const VERSIONS: Record<string, number> = { CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, SOFTMAX: 2, ADD: 2, MUL: 2, MAX_POOL_2D: 2, AVERAGE_POOL_2D: 2, PAD: 2, MEAN: 2, CONCATENATION: 2, RESHAPE: 1 };

export function activationQuant(r: TensorRange): Quantization {
  const min = Math.min(0, r.min);
  let max = Math.max(0, r.max);
  if (max - min < 1e-8) max = min + 1e-8;
  const scale = Math.fround((max - min) / 255);
  const zp = Math.max(-128, Math.min(127, Math.round(-128 - min / scale)));
  return { scale: [scale], zeroPoint: [zp], axis: 0 };
}

export interface QuantizeResult {
  graph: ModelGraph;
  /** Input quantization, to turn float samples into the int8 input. */
  inputQuant: Quantization;
  outputQuant: Quantization;
}

export function quantizeGraph(float: ModelGraph, ranges: Map<number, TensorRange>): QuantizeResult {
  const g = cloneGraph(float);
  const q = new Map<number, Quantization>();
  const where = (i: number): string => `tensor ${i} '${g.tensors[i]!.name}'`;
  const rangeQ = (t: number): Quantization => {
    const r = ranges.get(t);
    if (!r) throw new TinypruneError('E_QUANTIZE', 'no calibration range for this activation', { where: where(t), hint: 'calibrate with the same graph' });
    return activationQuant(r);
  };
  for (const t of g.inputs) q.set(t, rangeQ(t));
  for (const op of g.ops) {
    const y = op.outputs[0]!;
    if (INHERIT.has(op.opcode)) q.set(y, q.get(op.inputs[0]!) ?? rangeQ(op.inputs[0]!));
    else if (op.opcode === 'SOFTMAX') q.set(y, { scale: [1 / 256], zeroPoint: [-128], axis: 0 });
    else q.set(y, rangeQ(y));
  }
  const done = new Set<number>();
  for (const op of g.ops) {
    if (op.opcode === 'CONV_2D' || op.opcode === 'DEPTHWISE_CONV_2D' || op.opcode === 'FULLY_CONNECTED') {
      const wi = op.inputs[1]!;
      const bi = op.inputs[2];
      if (done.has(wi)) throw new TinypruneError('E_QUANTIZE', 'a weight tensor shared by several ops is not supported', { where: where(wi) });
      done.add(wi);
      const w = g.tensors[wi]!;
      const axis = op.opcode === 'DEPTHWISE_CONV_2D' ? 3 : 0;
      const wq = quantizeSymmetricPerChannel(floatData(w), w.shape, axis);
      g.tensors[wi] = { ...w, dtype: 'int8', quant: wq.quant, data: new Uint8Array(wq.values.buffer.slice(0)) };
      if (bi !== undefined && bi >= 0) {
        const b = g.tensors[bi]!;
        const inScale = q.get(op.inputs[0]!)!.scale[0]!;
        const bf = floatData(b);
        const scale = wq.quant.scale.map((s) => Math.fround(inScale * s));
        const vals = new Int32Array(bf.length);
        for (let c = 0; c < bf.length; c++) {
          const v = Math.round(bf[c]! / scale[c]!);
          vals[c] = Math.max(-2147483647, Math.min(2147483647, v));
        }
        g.tensors[bi] = { ...b, dtype: 'int32', quant: { scale, zeroPoint: new Array<number>(scale.length).fill(0), axis: 0 }, data: bytesOf(vals) };
      }
    }
    op.version = VERSIONS[op.opcode] ?? op.version;
  }
  g.tensors.forEach((t: Tensor, i) => {
    if (t.data) return;
    const qq = q.get(i);
    if (!qq) return;
    t.dtype = 'int8';
    t.quant = qq;
  });
  g.description = `${float.description} (int8 post-training quantized by tinyprune)`;
  return { graph: g, inputQuant: q.get(g.inputs[0]!)!, outputQuant: q.get(g.outputs[0]!)! };
}

/** Float samples → int8 input bytes. */
export function quantizeInput(x: Float32Array, quant: Quantization): Uint8Array {
  const s = quant.scale[0]!;
  const z = quant.zeroPoint[0]!;
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-128, Math.min(127, Math.round(x[i]! / s) + z));
  return new Uint8Array(out.buffer);
}
