import { describe, expect, it } from 'vitest';
import { TinypruneError } from '../../src/errors.js';
import { solve } from '../../src/solve/index.js';
import type { SolveProblem } from '../../src/solve/types.js';

function threeLayers(): SolveProblem {
  const layer = (name: string): SolveProblem['layers'][number] => ({
    name,
    outChannels: 4,
    choices: [
      { granularity: 'element', sparsity: 0, format: 'dense', flashBytes: 100, instructions: 100, loss: 0 },
      { granularity: 'channel', sparsity: 0.5, format: 'channel', flashBytes: 50, instructions: 50, loss: 0.1, outChannels: 2 },
    ],
  });
  return {
    layers: [layer('a/weights'), layer('b/weights'), layer('c/weights')],
    ram: [{ label: 'operator 1', constant: 10, terms: [{ layer: 0, bytesPerChannel: 8 }, { layer: 1, bytesPerChannel: 8 }] }],
    budget: { flash: 1_000, ram: 1_000 },
    fixed: { flash: 0, ram: 0, instructions: 0 },
  };
}

function solveError(p: SolveProblem): TinypruneError {
  try {
    solve(p);
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('solve did not throw');
}

describe('problem validation', () => {
  it('accepts the well-formed problem', () => {
    expect(solve(threeLayers()).feasible).toBe(true);
  });

  it('rejects a RAM point on layers that are not consecutive (a residual), saying how to model it', () => {
    const p = threeLayers();
    p.ram.push({ label: 'operator 5 (ADD)', constant: 0, terms: [{ layer: 0, bytesPerChannel: 4 }, { layer: 2, bytesPerChannel: 4 }] });
    const e = solveError(p);
    expect(e.code).toBe('E_SOLVE');
    expect(e.where).toBe("ram[1] 'operator 5 (ADD)'");
    expect(e.hint).toContain('constant');
  });

  it.each([
    ['choice 0 not dense', (p: SolveProblem) => (p.layers[0]!.choices[0]!.sparsity = 0.5), "layers[0] 'a/weights'"],
    ['a RAM term on a missing layer', (p: SolveProblem) => p.ram[0]!.terms.push({ layer: 3, bytesPerChannel: 1 }), "ram[0] 'operator 1'"],
    ['more channels kept than the layer has', (p: SolveProblem) => (p.layers[1]!.choices[1]!.outChannels = 5), "layers[1] 'b/weights' choices[1]"],
    ['byPrevious on the first layer', (p: SolveProblem) => (p.layers[0]!.byPrevious = [[]]), "layers[0] 'a/weights'"],
    ['byPrevious with a row missing', (p: SolveProblem) => (p.layers[1]!.byPrevious = [[{ flashBytes: 1, instructions: 1 }, { flashBytes: 1, instructions: 1 }]]), "layers[1] 'b/weights'"],
    ['a negative byte count', (p: SolveProblem) => (p.layers[2]!.choices[1]!.flashBytes = -1), "layers[2] 'c/weights' choices[1]"],
    ['a NaN budget', (p: SolveProblem) => (p.budget.ram = Number.NaN), 'budget'],
  ])('rejects %s', (_, edit, where) => {
    const p = threeLayers();
    edit(p);
    const e = solveError(p);
    expect(e.code).toBe('E_SOLVE');
    expect(e.where).toBe(where);
  });

  it('rejects an unknown granularity with the parser\'s list of allowed ones', () => {
    const p = threeLayers();
    p.layers[1]!.choices[1]!.granularity = 'diagonal';
    expect(solveError(p).allowed).toContain('N:M');
  });
});
