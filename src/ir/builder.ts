/**
 * A small helper to assemble ModelGraphs in code (examples, tests). It only appends plain
 * data; the result is an ordinary ModelGraph that verifyGraph() checks like any other.
 */
import type { DType, ModelGraph, Op, OptionValue, Quantization, Tensor } from './graph.js';

export class GraphBuilder {
  private readonly tensors: Tensor[] = [];
  private readonly ops: Op[] = [];
  private readonly inputs: number[] = [];
  private readonly outputs: number[] = [];

  constructor(private readonly description = '') {}

  tensor(name: string, shape: number[], dtype: DType, quant?: Quantization, data?: Uint8Array): number {
    const t: Tensor = { name, shape: [...shape], dtype, isVariable: false };
    if (quant) t.quant = quant;
    if (data) t.data = data;
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  input(name: string, shape: number[], dtype: DType, quant?: Quantization): number {
    const i = this.tensor(name, shape, dtype, quant);
    this.inputs.push(i);
    return i;
  }

  markOutput(i: number): void {
    this.outputs.push(i);
  }

  constInt8(name: string, shape: number[], values: Int8Array, quant: Quantization): number {
    return this.tensor(name, shape, 'int8', quant, new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice());
  }

  constInt32(name: string, shape: number[], values: Int32Array, quant?: Quantization): number {
    return this.tensor(name, shape, 'int32', quant, bytesOf(values));
  }

  constFloat32(name: string, shape: number[], values: Float32Array): number {
    return this.tensor(name, shape, 'float32', undefined, bytesOf(values));
  }

  op(opcode: string, inputs: number[], outputs: number[], optionsType?: string, options: Record<string, OptionValue> = {}, version = 1): void {
    const op: Op = { opcode, version, inputs: [...inputs], outputs: [...outputs], options: { ...options } };
    if (optionsType) op.optionsType = optionsType;
    this.ops.push(op);
  }

  build(): ModelGraph {
    return {
      schemaVersion: 3,
      description: this.description,
      name: 'main',
      tensors: this.tensors,
      ops: this.ops,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      metadata: [],
    };
  }
}

/** Little-endian bytes of a typed array (copy). */
export function bytesOf(a: Int32Array | Float32Array | Int16Array): Uint8Array {
  const out = new Uint8Array(a.length * a.BYTES_PER_ELEMENT);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i]!, true);
    else if (a instanceof Int32Array) dv.setInt32(i * 4, a[i]!, true);
    else dv.setInt16(i * 2, a[i]!, true);
  }
  return out;
}

export function perTensor(scale: number, zeroPoint: number): Quantization {
  return { scale: [Math.fround(scale)], zeroPoint: [zeroPoint], axis: 0 };
}

/**
 * Symmetric per-channel int8 quantization of float weights along `axis`
 * (the layout's output-channel axis): scale_c = max|w_c| / 127, zero point 0.
 */
export function quantizeSymmetricPerChannel(
  w: Float32Array,
  shape: number[],
  axis: number,
): { values: Int8Array; quant: Quantization } {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
  }
  const scale = Array.from(maxAbs, (m) => Math.fround(m > 0 ? m / 127 : 1));
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scale[c]!)));
  }
  return { values, quant: { scale, zeroPoint: new Array<number>(channels).fill(0), axis } };
}

/** int32 bias quantized with scale = inputScale * weightScale[c], zero point 0. */
export function quantizeBias(b: Float32Array, inputScale: number, weightScales: number[]): { values: Int32Array; quant: Quantization } {
  const scale = b.length === weightScales.length ? weightScales.map((s) => Math.fround(inputScale * s)) : [Math.fround(inputScale * weightScales[0]!)];
  const values = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) values[i] = Math.round(b[i]! / scale[scale.length === 1 ? 0 : i]!);
  return { values, quant: { scale, zeroPoint: new Array<number>(scale.length).fill(0), axis: 0 } };
}
