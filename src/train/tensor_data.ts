/** Constant tensor data ⇄ typed arrays (little-endian, copies). */
import { TinypruneError } from '../errors.js';
import type { ModelGraph, Tensor } from '../ir/graph.js';

export function floatData(t: Tensor, where = `tensor '${t.name}'`): Float32Array {
  if (!t.data) throw new TinypruneError('E_TRAIN', 'tensor has no constant data', { where });
  const n = t.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  const q = t.quant;
  const perChannel = q && q.scale.length > 1;
  const inner = perChannel ? t.shape.slice(q.axis + 1).reduce((a, b) => a * b, 1) : 1;
  const channels = perChannel ? t.shape[q.axis]! : 1;
  const scaleOf = (i: number): [number, number] => {
    if (!q) return [1, 0];
    const c = perChannel ? Math.floor(i / inner) % channels : 0;
    return [q.scale[c]!, q.zeroPoint[c] ?? 0];
  };
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case 'float32':
        out[i] = dv.getFloat32(i * 4, true);
        break;
      case 'int8': {
        const [s, z] = scaleOf(i);
        out[i] = s * (dv.getInt8(i) - z);
        break;
      }
      case 'uint8': {
        const [s, z] = scaleOf(i);
        out[i] = s * (dv.getUint8(i) - z);
        break;
      }
      case 'int32': {
        const [s, z] = scaleOf(i);
        out[i] = q ? s * (dv.getInt32(i * 4, true) - z) : dv.getInt32(i * 4, true);
        break;
      }
      case 'int16': {
        const [s, z] = scaleOf(i);
        out[i] = s * (dv.getInt16(i * 2, true) - z);
        break;
      }
      default:
        throw new TinypruneError('E_UNSUPPORTED_TYPE', `cannot read ${t.dtype} constants as float`, { where });
    }
  }
  return out;
}

/** Raw int32 values (shape/axis/padding constants). */
export function intData(t: Tensor): number[] {
  if (!t.data) return [];
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out: number[] = [];
  if (t.dtype === 'int64') for (let i = 0; i + 7 < t.data.length; i += 8) out.push(Number(dv.getBigInt64(i, true)));
  else for (let i = 0; i + 3 < t.data.length; i += 4) out.push(dv.getInt32(i, true));
  return out;
}

export function f32Bytes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i]!, true);
  return out;
}

export function cloneGraph(g: ModelGraph): ModelGraph {
  return {
    ...g,
    tensors: g.tensors.map((t) => ({
      ...t,
      shape: [...t.shape],
      ...(t.shapeSignature ? { shapeSignature: [...t.shapeSignature] } : {}),
      ...(t.quant ? { quant: { ...t.quant, scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint] } } : {}),
      ...(t.data ? { data: t.data.slice() } : {}),
    })),
    ops: g.ops.map((o) => ({ ...o, inputs: [...o.inputs], outputs: [...o.outputs], options: { ...o.options } })),
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    metadata: [...g.metadata],
  };
}
