import { describe, expect, it } from 'vitest';
import { formatAssignment, formatInfeasible, solve } from '../../src/solve/index.js';
import type { Infeasible, LayerOptions, SolveProblem } from '../../src/solve/types.js';

/**
 * conv1 (8 channels, 28×28 output) → pool (14×14) → conv2 (12 channels, 14×14) → fc (10).
 * The dense arena peaks at the pool, where conv1's output and the pooled copy are both live;
 * only channel pruning of conv1 lowers it (then conv1 itself, with the model input, sets it).
 */
type Row = [granularity: string, sparsity: number, format: string, flashBytes: number, instructions: number, loss: number, outChannels?: number];

function layer(name: string, outChannels: number, rows: Row[]): LayerOptions {
  const choices = rows.map(([granularity, sparsity, format, flashBytes, instructions, loss, kept]) => ({
    granularity,
    sparsity,
    format,
    flashBytes,
    instructions,
    loss,
    ...(kept === undefined ? {} : { outChannels: kept }),
  }));
  return { name, outChannels, choices };
}

function lenetLike(budget: SolveProblem['budget']): SolveProblem {
  return {
    layers: [
      layer('conv1/weights', 8, [
        ['element', 0, 'dense', 200, 60_000, 0],
        ['element', 0.5, 'csr8', 160, 50_000, 0.01],
        ['channel', 0.625, 'channel', 100, 30_000, 0.04, 3],
      ]),
      layer('conv2/weights', 12, [
        ['element', 0, 'dense', 3_200, 250_000, 0],
        ['2:4', 0.5, 'nm2_4', 2_000, 160_000, 0.005],
        ['element', 0.9, 'csr8', 700, 60_000, 0.03],
      ]),
      layer('fc/weights', 10, [
        ['element', 0, 'dense', 31_360, 65_000, 0],
        ['element', 0.9, 'csr8', 6_400, 15_000, 0.002],
        ['block1x4', 0.75, 'block1x4', 8_000, 9_000, 0.003],
      ]),
    ],
    ram: [
      { label: 'operator 0 (CONV_2D)', constant: 784, terms: [{ layer: 0, bytesPerChannel: 784 }] },
      { label: 'operator 1 (MAX_POOL_2D)', constant: 0, terms: [{ layer: 0, bytesPerChannel: 784 + 196 }] },
      { label: 'operator 2 (CONV_2D)', constant: 0, terms: [{ layer: 0, bytesPerChannel: 196 }, { layer: 1, bytesPerChannel: 196 }] },
      { label: 'operator 3 (FULLY_CONNECTED)', constant: 0, terms: [{ layer: 1, bytesPerChannel: 196 }, { layer: 2, bytesPerChannel: 1 }] },
    ],
    budget,
    fixed: { flash: 4_000, ram: 512, instructions: 10_000 },
    boards: [
      { name: 'big-m7', flash: 2_000_000, ram: 512_000 },
      { name: 'tiny-m0', flash: 16_000, ram: 4_000 },
      { name: 'mid-m4', flash: 64_000, ram: 9_000 },
    ],
  };
}

describe('solver on a LeNet-shaped model', () => {
  it('prunes flash with any granularity and RAM by removing channels of the layer that sets the peak', () => {
    const roomy = solve(lenetLike({ flash: 100_000, ram: 100_000 }));
    expect(roomy.feasible && roomy.choices).toEqual([0, 0, 0]);
    if (roomy.feasible) expect(roomy.peakAt).toBe('operator 1 (MAX_POOL_2D)');

    const p = lenetLike({ flash: 13_000, ram: 5_000 });
    const got = solve(p);
    expect(got.feasible).toBe(true);
    if (!got.feasible) return;
    expect(got.choices).toEqual([2, 1, 1]);
    expect(got.totals).toEqual({ flash: 4_000 + 100 + 2_000 + 6_400, ram: 512 + 784 + 3 * 784, instructions: 10_000 + 30_000 + 160_000 + 15_000, loss: 0.04 + 0.005 + 0.002 });
    const text = formatAssignment(p, got);
    expect(text).toContain('conv1/weights: channel 62.5% as channel, 3/8 channels');
    expect(text).toContain('peak RAM 3648 B at operator 0 (CONV_2D)');
  });

  it('meets a latency bound at the least loss', () => {
    const got = solve(lenetLike({ flash: 100_000, ram: 100_000, instructions: 250_000 }));
    expect(got.feasible).toBe(true);
    if (got.feasible) {
      // Dense conv1 still fits (245 000 with conv2 at 2:4 and fc sparse) and loses least.
      expect(got.totals.instructions).toBe(245_000);
      expect(got.choices).toEqual([0, 1, 1]);
    }
  });
});

describe('infeasible budgets', () => {
  it('RAM: the floor, the point that sets it, what no pruning removes, and the boards that fit', () => {
    const got = solve(lenetLike({ flash: 12_000, ram: 3_000 })) as Infeasible;
    expect(got.feasible).toBe(false);
    expect(got.violated).toEqual(['ram']);
    expect(got.floors.ram.value).toBe(512 + 784 + 3 * 784);
    expect(got.floors.ram.assignment.peakAt).toBe('operator 0 (CONV_2D)');
    // The FC point (2 874 B at its smallest) fits; the other three cannot.
    expect(got.bindingRamPoints.map((r) => r.label)).toEqual(['operator 0 (CONV_2D)', 'operator 1 (MAX_POOL_2D)', 'operator 2 (CONV_2D)']);
    expect(got.bindingRamPoints[0]).toEqual({ label: 'operator 0 (CONV_2D)', smallest: 3_648, unprunable: 512 + 784, layers: ['conv1/weights'] });
    expect(got.bindingRamPoints[2]!.layers).toEqual(['conv1/weights', 'conv2/weights']);
    expect(got.suggestions.filter((s) => s.kind === 'board').map((s) => s.kind === 'board' && s.board)).toEqual(['tiny-m0', 'mid-m4', 'big-m7']);
    const lines = formatInfeasible(got).split('\n');
    for (const line of [
      'no pruning plan fits flash 12000 B, RAM 3000 B',
      '  RAM:     the smallest peak is 3648 B at operator 0 (CONV_2D) (budget 3000 B)  ← over budget',
      '  RAM at operator 0 (CONV_2D): at least 3648 B, 1296 B of it fixed; channel pruning of conv1/weights can shrink the rest',
      '  - a larger board: tiny-m0 (flash 16000 B, RAM 4000 B): fits with predicted loss 0.0420',
    ]) {
      expect(lines).toContain(line);
    }
    expect(lines.at(-1)).toMatch(/^ {2}- offer channel-pruned choices \(fewer output channels\) for conv1\/weights, conv2\/weights:/);
  });

  it('flash: the layers whose smallest choice is still too big', () => {
    const got = solve(lenetLike({ flash: 8_000, ram: 100_000 })) as Infeasible;
    expect(got.violated).toEqual(['flash']);
    expect(got.floors.flash.value).toBe(4_000 + 100 + 700 + 6_400);
    expect(got.floors.flash.assignment.choices).toEqual([2, 2, 1]);
    // 3 200 B over: fc alone (6 400 B at its smallest) covers it.
    expect(got.bindingLayers).toEqual([{ layer: 'fc/weights', resource: 'flash', smallest: 6_400, dense: 31_360 }]);
    expect(got.suggestions.map((s) => s.kind)).toEqual(['board', 'board', 'board', 'choices']);
    expect(formatInfeasible(got)).toContain('fc/weights: at least 6400 B of flash on its smallest choice (dense 31360 B)');
  });

  it('latency: the relaxation that would fit, with its loss', () => {
    // Each budget alone can be met (the fastest plan, fc as block1x4, takes 109 000), but the
    // flash budget forces fc to csr8 and RAM forces conv1 to lose channels: 115 000 at best.
    const got = solve(lenetLike({ flash: 12_000, ram: 5_000, instructions: 112_000 })) as Infeasible;
    expect(got.violated).toEqual(['combination']);
    expect(got.floors.instructions.value).toBe(109_000);
    expect(got.suggestions).toContainEqual({ kind: 'latency', instructions: 115_000, loss: 0.04 + 0.03 + 0.002 });
    expect(got.flashWithinOtherBudgets).toBe(4_000 + 100 + 700 + 8_000);
    const text = formatInfeasible(got);
    expect(text).toContain('each budget can be met alone, but within the RAM and latency budget the smallest flash is 12800 B');
    expect(text).toContain('relax --latency to 115000 instructions: fits with predicted loss 0.0720');
  });

  it('a latency bound below the fastest choices', () => {
    const got = solve(lenetLike({ flash: 100_000, ram: 100_000, instructions: 100_000 })) as Infeasible;
    expect(got.violated).toEqual(['instructions']);
    expect(got.suggestions).toContainEqual({ kind: 'latency', instructions: 109_000, loss: 0.04 + 0.03 + 0.003 });
    const text = formatInfeasible(got);
    expect(text).toContain('the fewest instructions are 109000 (budget 100000)  ← over budget');
    // A bigger board does not make the layers faster.
    expect(got.suggestions.some((s) => s.kind === 'board')).toBe(false);
    expect(text).toContain('(none of the 3 boards given fits either)');
  });
});
