import type { Tensor } from '../ir/graph.js';

/**
 * Decode raw little-endian tensor bytes into numbers, and dequantize per-tensor quantized ones.
 */
export function decodeTensor(t: Pick<Tensor, 'dtype' | 'quant'>, bytes: Uint8Array): { values: number[]; real?: number[] } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  switch (t.dtype) {
    case 'int8':
      for (let i = 0; i < bytes.length; i++) values.push(dv.getInt8(i));
      break;
    case 'uint8':
    case 'bool':
      for (let i = 0; i < bytes.length; i++) values.push(dv.getUint8(i));
      break;
    case 'int16':
      for (let i = 0; i + 1 < bytes.length; i += 2) values.push(dv.getInt16(i, true));
      break;
    case 'int32':
      for (let i = 0; i + 3 < bytes.length; i += 4) values.push(dv.getInt32(i, true));
      break;
    case 'float32':
      for (let i = 0; i + 3 < bytes.length; i += 4) values.push(dv.getFloat32(i, true));
      break;
    default:
      return { values: Array.from(bytes) };
  }
  const q = t.quant;
  if (q && q.scale.length === 1 && t.dtype !== 'float32') {
    const s = q.scale[0]!;
    const zp = q.zeroPoint[0] ?? 0;
    return { values, real: values.map((v) => s * (v - zp)) };
  }
  return { values };
}
