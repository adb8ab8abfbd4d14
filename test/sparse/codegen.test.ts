/**
 * Generated C for sparse layers: a snapshot of model.c for the synthetic digits CNN pruned to
 * 70% with one format per layer kind (so a change in the lowering or the encoders shows up as
 * a diff), deterministic output, only the kernels used, and the folded int8 bias.
 */
import { describe, expect, it } from 'vitest';

import { generateSources } from '../../src/codegen/generate.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { FORMATS } from '../../src/sparse/formats/index.js';
import { layerWeights } from '../../src/sparse/matrix.js';
import { pruneGraph } from '../../src/sparse/plan.js';
import type { EncodedMatrix, FormatName } from '../../src/sparse/types.js';

function sparseDigits(): { gen: ReturnType<typeof generateSources>; sparse: Map<number, EncodedMatrix> } {
  const graph = pruneGraph(synthDigitsCnn(1), 0.7).graph;
  const pick: Record<string, FormatName> = { fc: 'csr8', conv: 'block4x1', dw: 'bitmask' };
  const sparse = new Map<number, EncodedMatrix>();
  graph.ops.forEach((op, i) => {
    const lw = layerWeights(graph, op);
    if (lw) sparse.set(i, FORMATS[pick[lw.op]!].encode(lw.matrix));
  });
  return { gen: generateSources(graph, { source: 'digits_cnn_synth.tflite', toolVersion: 'snapshot', sparse }), sparse };
}

describe('sparse code generation', () => {
  it('snapshot of model.c', async () => {
    const { gen } = sparseDigits();
    const c = gen.files.find((f) => f.name.endsWith('.c') && f.name !== 'tp_app_model.h')!;
    await expect(c.content).toMatchFileSnapshot('./__snapshots__/sparse_digits_tp_model.c');
  });

  it('is deterministic and compiles only the kernels it calls', () => {
    const a = sparseDigits().gen;
    const b = sparseDigits().gen;
    expect(a.files.map((f) => f.content)).toEqual(b.files.map((f) => f.content));
    expect(a.plan.kernels).toEqual([
      'tp_average_pool_2d_s8',
      'tp_conv_2d_s8_block4x1',
      'tp_depthwise_conv_2d_s8_bitmask',
      'tp_fully_connected_s8_csr8',
      'tp_softmax_s8',
    ]);
    expect(a.plan.includes).toEqual(['tp_sparse.h']);
    // Sparse arrays and folded biases count as weights; no dense weight tensor is emitted.
    const roles = new Map(a.plan.consts.map((c) => [c.symbol, c.role]));
    expect([...roles].filter(([s]) => /_w_|bias_folded/.test(s)).every(([, r]) => r === 'weights' || r === 'bias')).toBe(true);
    expect(a.plan.consts.some((c) => /weights/.test(c.comment) && c.role === 'weights' && !/_w_/.test(c.symbol))).toBe(false);
  });
});
