import { describe, expect, it } from 'vitest';
import { TinypruneError } from '../../src/errors.js';
import { granularityName } from '../../src/sparse/granularity.js';
import { resolvePlan, type PrunePlan } from '../../src/prune/plan.js';
import { choicesFromPlan, evaluate, solve, toPrunePlan } from '../../src/solve/index.js';
import type { Choice, SolveProblem } from '../../src/solve/types.js';
import { tinyDigitsCnn } from '../../src/train/models.js';
import { weightLayers } from '../../src/train/view.js';

const MENU: Omit<Choice, 'flashBytes' | 'instructions' | 'loss'>[] = [
  { granularity: 'element', sparsity: 0, format: 'dense' },
  { granularity: '2:4', sparsity: 0.5, format: 'nm2_4' },
  { granularity: 'element', sparsity: 0.8, format: 'csr8' },
  { granularity: 'block1x4', sparsity: 0.75, format: 'block1x4' },
  { granularity: 'channel', sparsity: 0.25, format: 'channel' },
];

/** A problem over the real weight layers of the tiny CNN, so the plan meets resolvePlan. */
function problemFor(names: string[]): SolveProblem {
  return {
    layers: names.map((name, i) => ({
      name,
      outChannels: 8,
      choices: MENU.map((m, k) => ({
        ...m,
        flashBytes: Math.round(1_000 * (1 - m.sparsity)) + 10 * i,
        instructions: Math.round(5_000 * (1 - m.sparsity)),
        loss: m.sparsity * (0.01 + 0.01 * ((i + k) % 3)),
        ...(m.granularity === 'channel' ? { outChannels: 6 } : {}),
      })),
    })),
    ram: [],
    budget: { flash: 400 * names.length, ram: 1_000 },
    fixed: { flash: 0, ram: 0, instructions: 0 },
  };
}

describe('PrunePlan from the solver', () => {
  const graph = tinyDigitsCnn(1);
  const names = weightLayers(graph).map((l) => l.name);
  const p = problemFor(names);

  it('is JSON that resolvePlan accepts, with each layer as chosen, and maps back to the same choices', () => {
    const got = solve(p);
    expect(got.feasible).toBe(true);
    if (!got.feasible) return;
    expect(new Set(got.choices).size).toBeGreaterThan(1);
    const plan = JSON.parse(JSON.stringify(toPrunePlan(p, got.choices))) as PrunePlan;
    expect(Object.keys(plan.layers!)).toEqual(names);
    const resolved = resolvePlan(graph, plan);
    for (const [i, l] of resolved.layers.entries()) {
      const c = p.layers[i]!.choices[got.choices[i]!]!;
      expect(l.name).toBe(names[i]);
      expect(granularityName(l.granularity)).toBe(c.granularity);
      expect(l.sparsity).toBe(c.sparsity);
      expect(plan.layers![l.name]!.format).toBe(c.format);
    }
    expect(choicesFromPlan(p, plan)).toEqual(got.choices);
  });

  it('an edited plan is priced from the menu; an edit off the menu is a typed error naming the layer', () => {
    const plan = toPrunePlan(p, p.layers.map(() => 0));
    plan.layers![names[1]!] = { granularity: '2:4', sparsity: 0.5 };
    const choices = choicesFromPlan(p, plan);
    expect(choices[1]).toBe(1);
    expect(evaluate(p, choices).totals.flash).toBe(p.layers.reduce((s, l, i) => s + l.choices[choices[i]!]!.flashBytes, 0));
    delete plan.layers![names[0]!];
    expect(choicesFromPlan(p, plan)[0]).toBe(0);
    plan.layers![names[2]!] = { granularity: 'element', sparsity: 0.85 };
    try {
      choicesFromPlan(p, plan);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TinypruneError);
      expect((e as TinypruneError).code).toBe('E_SOLVE');
      expect((e as TinypruneError).where).toBe(`plan.layers['${names[2]}']`);
    }
  });
});
