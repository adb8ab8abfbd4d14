/**
 * The reader against facts recorded independently by TFLite Micro (../shared/golden/<model>/
 * index.json): operator list (opcode, version, tensor indices) and every non-constant tensor's
 * shape, dtype and quantization, with the scales compared as float32 bit patterns.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTfliteFile } from '../../src/tflite/read.js';
import { hasShared, sharedDir } from './shared-models.js';

interface GoldenTensor {
  tensor_index: number;
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { scale: number[]; zero_point: number[]; quantized_dimension: number; scale_f32_hex: string[] };
}
interface GoldenIndex {
  model: { shared_path: string };
  operators?: { index: number; op: string; version: number; inputs: number[]; outputs: number[] }[];
  input_tensors?: GoldenTensor[];
  output_tensors?: GoldenTensor[];
  intermediates?: GoldenTensor[];
}

const goldenDir = path.join(sharedDir, 'golden');
const goldens = hasShared
  ? readdirSync(goldenDir)
      .filter((d) => existsSync(path.join(goldenDir, d, 'index.json')))
      .sort()
  : [];

function f32hex(x: number): string {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x);
  return b.getUint32(0).toString(16).padStart(8, '0');
}

describe.skipIf(!hasShared)('readTflite vs TFLM golden index.json', () => {
  it.each(goldens)('%s', (name) => {
    const index = JSON.parse(readFileSync(path.join(goldenDir, name, 'index.json'), 'utf8')) as GoldenIndex;
    const { graph } = readTfliteFile(path.join(sharedDir, index.model.shared_path));
    if (index.operators) {
      expect(graph.ops.map((o) => ({ op: o.opcode, version: o.version, inputs: o.inputs, outputs: o.outputs }))).toEqual(
        index.operators.map((o) => ({ op: o.op, version: o.version, inputs: o.inputs, outputs: o.outputs })),
      );
    }
    const tensors = [...(index.input_tensors ?? []), ...(index.output_tensors ?? []), ...(index.intermediates ?? [])];
    for (const g of tensors) {
      const t = graph.tensors[g.tensor_index];
      expect(t, `tensor ${g.tensor_index}`).toBeDefined();
      if (!t) continue;
      expect(t.name).toBe(g.name);
      expect(t.shape).toEqual(g.shape);
      expect(t.dtype).toBe(g.dtype.toLowerCase());
      const q = g.quantization;
      if (q && q.scale.length > 0) {
        expect(t.quant?.scale.map(f32hex)).toEqual(q.scale_f32_hex);
        expect(t.quant?.zeroPoint).toEqual(q.zero_point);
        expect(t.quant?.axis).toBe(q.quantized_dimension);
      } else {
        expect(t.quant?.scale ?? []).toEqual([]);
      }
    }
  });
});
