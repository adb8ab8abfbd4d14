/**
 * Exact weight bytes of a graph once its weights are encoded: for every prunable layer the
 * smallest of dense and each sparse format that has a kernel (src/sparse: values + indices +
 * row pointers + fillers, 4-byte aligned arrays). This is what the pruning benchmarks report.
 */
import type { ModelGraph } from '../ir/graph.js';
import { layerWeights } from '../sparse/matrix.js';
import { FORMATS, applicableFormats } from '../sparse/formats/index.js';

export interface EncodedLayerBytes {
  name: string;
  format: string;
  bytes: number;
  nnz: number;
  total: number;
}

export function encodedWeightBytes(g: ModelGraph): { bytes: number; layers: EncodedLayerBytes[] } {
  const layers: EncodedLayerBytes[] = [];
  for (const op of g.ops) {
    const lw = layerWeights(g, op);
    if (!lw) continue;
    let best = FORMATS.dense.encode(lw.matrix);
    for (const f of applicableFormats(lw.op, lw.matrix)) {
      const e = FORMATS[f].encode(lw.matrix);
      if (e.bytes < best.bytes) best = e;
    }
    layers.push({ name: g.tensors[lw.tensor]!.name, format: best.format, bytes: best.bytes, nnz: best.nnz, total: lw.matrix.values.length });
  }
  return { bytes: layers.reduce((a, l) => a + l.bytes, 0), layers };
}
