/**
 * Issue #13, pair costs: a channel-pruned layer shrinks the input of the layer its channels
 * feed, so the solver prices that layer by the pair (its own choice x its producer's kept
 * channels). Here every combination of choices of a small problem built from a real model is
 * priced twice — by the solver's model (evaluate) and by pruning the graph to the combination
 * and encoding it as the build does — and the two must agree exactly; the solver's fastest plan
 * must be the brute-force fastest.
 */
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { ModelGraph } from '../../src/ir/graph.js';
import { keptChannelCounts, layerCandidates, type CandidateGrid } from '../../src/pipeline/candidates.js';
import type { PipelineContext } from '../../src/pipeline/stages/context.js';
import { makeProblem } from '../../src/pipeline/stages/problem.js';
import { removeWeakestChannels } from '../../src/prune/structured.js';
import { evaluate, solve } from '../../src/solve/index.js';
import type { SolveProblem } from '../../src/solve/types.js';
import { layerWeights, matrixBytes } from '../../src/sparse/matrix.js';
import { chooseFormats } from '../../src/sparse/plan.js';
import { pruneMatrix } from '../../src/sparse/prune.js';
import type { GranularityName } from '../../src/sparse/granularity.js';
import type { FormatName } from '../../src/sparse/types.js';
import { readTfliteFile } from '../../src/tflite/index.js';
import { REPO_ROOT } from '../helpers/shared.js';

const model = (name: string): ModelGraph => readTfliteFile(path.join(REPO_ROOT, `examples/${name}/model.tflite`)).graph;

function problemOf(g: ModelGraph, grid: CandidateGrid, only: string[]): SolveProblem {
  const candidates = layerCandidates(g, 'dsp', grid, { only: new Set(only) });
  const c = {
    candidates,
    sensitivity: [],
    footprint: { flashTotal: 1 << 24, ramFixed: 0, instructions: null, layers: [] },
    baseline: { graph: g, accuracy: null },
    data: undefined,
    req: {},
    target: { flash: { size: 1 << 30 }, ram: { size: 1 << 30 } },
  } as unknown as PipelineContext;
  return makeProblem(c);
}

/** The graph pruned to `choices` as the build prunes it, and the weight bytes and predicted instructions of every weight layer. */
function priceByBuild(g: ModelGraph, p: SolveProblem, choices: number[]): { flash: number; instructions: number } {
  const opOf = (name: string): number => g.ops.findIndex((op) => g.tensors[op.inputs[1] ?? -1]?.name === name);
  const chosen = p.layers.map((l, i) => ({ name: l.name, c: l.choices[choices[i]!]! }));
  let graph = removeWeakestChannels(g, new Map(chosen.filter((x) => x.c.granularity === 'channel').map((x) => [opOf(x.name), x.c.sparsity])));
  const formats = new Map<number, FormatName>();
  for (const { name, c } of chosen) {
    if (c.granularity === 'channel') continue;
    const index = opOf(name);
    formats.set(index, c.format as FormatName);
    if (c.sparsity === 0) continue;
    const lw = layerWeights(graph, graph.ops[index]!)!;
    const tensors = graph.tensors.slice();
    tensors[lw.tensor] = { ...tensors[lw.tensor]!, data: matrixBytes(lw.op, pruneMatrix(lw.matrix, lw.rowScale, c.granularity as GranularityName, c.sparsity)) };
    graph = { ...graph, tensors };
  }
  // The layers the problem prices: its own and their depthwise followers.
  const priced = new Set(graph.ops.flatMap((op, i) => (op.opcode === 'DEPTHWISE_CONV_2D' || p.layers.some((l) => l.name === graph.tensors[op.inputs[1] ?? -1]?.name) ? [i] : [])));
  const all = chooseFormats(graph, { family: 'dsp', objective: 'balanced', perLayer: formats, ops: priced });
  let flash = 0;
  let instructions = 0;
  for (const [index, ch] of all) {
    const best = ch.candidates.find((x) => x.format === (formats.get(index) ?? 'dense'))!;
    flash += best.bytes;
    instructions += best.predictedInstructions!;
  }
  return { flash, instructions };
}

function* combinations(p: SolveProblem): Generator<number[]> {
  const n = p.layers.map((l) => l.choices.length);
  const c = n.map(() => 0);
  for (;;) {
    yield [...c];
    let i = 0;
    while (i < c.length && ++c[i]! === n[i]) c[i++] = 0;
    if (i === c.length) return;
  }
}

describe('pair costs: the solver prices every combination as the build does', () => {
  it.each([
    ['mnist-mlp', ['fc1/weights', 'fc2/weights']],
    ['digits-dscnn', ['conv1/weights', 'pw2/weights']],
  ])('%s: predicted flash and instructions = the pruned build’s for every combination; the fastest plan is brute force’s', (name, only) => {
    const g = model(name);
    const p = problemOf(g, { granularities: ['element', 'channel'], ratios: [0, 0.5, 0.8] }, only);
    expect(p.layers[1]!.byPrevious).toBeDefined();
    let fastest = Infinity;
    let combos = 0;
    for (const choices of combinations(p)) {
      const t = evaluate(p, choices).totals;
      const built = priceByBuild(g, p, choices);
      expect({ choices, flash: t.flash - p.fixed.flash, instructions: t.instructions - p.fixed.instructions }).toEqual({ choices, ...built });
      fastest = Math.min(fastest, built.instructions);
      combos++;
    }
    expect(combos).toBeGreaterThan(10);
    const s = solve({ ...p, objective: 'latency' });
    expect(s.feasible && s.totals.instructions - p.fixed.instructions).toBe(fastest);
  }, 300_000);
});

describe('channel counts in blocks of 4', () => {
  it('keeps multiples of 4 from 8 channels up, the grid’s counts below (and under 4 kept), never all or none of the owned channels', () => {
    const ratios = [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95];
    expect(keptChannelCounts(16, 16, ratios)).toEqual([12, 8, 4, 3, 2, 1]);
    expect(keptChannelCounts(9, 9, ratios)).toEqual([8, 4, 3, 2, 1]);
    expect(keptChannelCounts(6, 6, ratios)).toEqual([4, 3, 2, 1]);
    for (const rows of [8, 10, 33, 100, 300]) {
      for (const k of keptChannelCounts(rows, rows, ratios)) {
        if (k >= 4) expect(k % 4).toBe(0);
        expect(k).toBeGreaterThan(0);
        expect(k).toBeLessThan(rows);
      }
    }
    // Two owned groups, the rest pinned: only one channel can go, whatever the ratio.
    expect(keptChannelCounts(12, 2, ratios)).toEqual([11]);
  });
});
