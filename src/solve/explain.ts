/**
 * Why a budget cannot be met, and what to change. Everything here is exact (floors by
 * shortest path, board and latency suggestions by solving again), so "the smallest flash
 * reachable is X" is a fact about the menu of choices, not an estimate.
 */
import { chainFloor } from './floor.js';
import { evaluate, ramPointBytes, type Chain, type Step } from './model.js';
import { optimum } from './optimum.js';
import type { BindingLayer, BindingRamPoint, Floor, Infeasible, Resource, SolveProblem, Suggestion } from './types.js';

function floorOf(p: SolveProblem, chain: Chain, cost: (s: Step) => Float64Array, combine: 'sum' | 'max', fixed: number): Floor {
  const f = chainFloor(chain, cost, combine);
  return { value: fixed + f.value, assignment: evaluate(p, f.choices) };
}

/**
 * The layers with the largest floors (their smallest contributions), largest first, until the
 * floors add up to the overshoot: the fewest layers whose menus, if they reached further
 * down, could close the gap.
 */
function bindingLayers(p: SolveProblem, chain: Chain, resource: 'flash' | 'instructions', overshoot: number): BindingLayer[] {
  const rows = p.layers.map((l, i): BindingLayer => {
    const step = chain.steps[i]!;
    const table = resource === 'flash' ? step.flash : step.instructions;
    const dense = resource === 'flash' ? l.choices[0]!.flashBytes : l.choices[0]!.instructions;
    return { layer: l.name, resource, smallest: Math.min(...table), dense };
  });
  rows.sort((a, b) => b.smallest - a.smallest);
  const out: BindingLayer[] = [];
  let covered = 0;
  for (const r of rows) {
    if (covered >= overshoot || r.smallest === 0) break;
    out.push(r);
    covered += r.smallest;
  }
  return out;
}

/**
 * RAM points above the budget at their own minimum. Each grows with kept channels
 * (bytesPerChannel ≥ 0), so its minimum is at the fewest channels of the layers it names —
 * and those minima are reached together, so the RAM floor is the largest of them.
 */
function bindingRamPoints(p: SolveProblem): BindingRamPoint[] {
  const fewest = p.layers.map((l) => {
    let k = 0;
    l.choices.forEach((c, j) => {
      if ((c.outChannels ?? l.outChannels) < (l.choices[k]!.outChannels ?? l.outChannels)) k = j;
    });
    return k;
  });
  const out: BindingRamPoint[] = [];
  p.ram.forEach((r, k) => {
    const smallest = p.fixed.ram + ramPointBytes(p, k, (layer) => fewest[layer]!);
    if (smallest <= p.budget.ram) return;
    const layers = [...new Set(r.terms.filter((t) => t.bytesPerChannel > 0).map((t) => p.layers[t.layer]!.name))];
    out.push({ label: r.label, smallest, unprunable: p.fixed.ram + r.constant, layers });
  });
  return out.sort((a, b) => b.smallest - a.smallest);
}

function boardSuggestions(p: SolveProblem, chain: Chain, floors: Infeasible['floors']): Suggestion[] {
  const fitting = (p.boards ?? [])
    .filter((b) => b.flash >= floors.flash.value && b.ram >= floors.ram.value)
    .map((b) => ({ b, a: optimum(p, { ...p.budget, flash: b.flash, ram: b.ram }, chain) }));
  return fitting
    .filter((x) => x.a !== undefined)
    .sort((x, y) => x.b.flash - y.b.flash || x.b.ram - y.b.ram)
    .map(({ b, a }) => ({ kind: 'board', board: b.name, flash: b.flash, ram: b.ram, loss: a!.totals.loss }));
}

/**
 * The fewest instructions that still meet flash and RAM, when there is a latency bound: the
 * relaxation to ask for, and the least loss at exactly that latency.
 */
function latencySuggestion(p: SolveProblem, chain: Chain): Suggestion | undefined {
  if (p.budget.instructions === undefined) return undefined;
  const { instructions: _, ...memory } = p.budget;
  const fastest = optimum(p, memory, chain, 'instructions');
  if (fastest === undefined) return undefined;
  const instructions = fastest.totals.instructions;
  const a = optimum(p, { ...memory, instructions }, chain) ?? fastest;
  return { kind: 'latency', instructions, loss: a.totals.loss };
}

/** The least loss that meets flash, RAM and latency, when there is a loss bound: the budget to ask for. */
function lossSuggestion(p: SolveProblem, chain: Chain): Suggestion | undefined {
  if (p.budget.loss === undefined) return undefined;
  const { loss: _, ...others } = p.budget;
  const least = optimum(p, others, chain, 'loss');
  return least === undefined ? undefined : { kind: 'loss', loss: least.totals.loss };
}

function flashWithinOtherBudgets(p: SolveProblem, chain: Chain): number | undefined {
  return optimum(p, { ...p.budget, flash: Infinity }, chain, 'flash')?.totals.flash;
}

export function explainInfeasible(p: SolveProblem, chain: Chain): Infeasible {
  const floors = {
    flash: floorOf(p, chain, (s) => s.flash, 'sum', p.fixed.flash),
    ram: floorOf(p, chain, (s) => s.ram, 'max', p.fixed.ram),
    instructions: floorOf(p, chain, (s) => s.instructions, 'sum', p.fixed.instructions),
    loss: floorOf(p, chain, (s) => s.loss, 'sum', 0),
  };
  const violated: Infeasible['violated'] = [];
  if (floors.flash.value > p.budget.flash) violated.push('flash');
  if (floors.ram.value > p.budget.ram) violated.push('ram');
  if (p.budget.instructions !== undefined && floors.instructions.value > p.budget.instructions) violated.push('instructions');
  if (p.budget.loss !== undefined && floors.loss.value > p.budget.loss) violated.push('loss');
  if (violated.length === 0) violated.push('combination');

  const layers: BindingLayer[] = [];
  if (violated.includes('flash')) layers.push(...bindingLayers(p, chain, 'flash', floors.flash.value - p.budget.flash));
  if (violated.includes('instructions')) layers.push(...bindingLayers(p, chain, 'instructions', floors.instructions.value - p.budget.instructions!));
  const points = bindingRamPoints(p);

  const suggestions: Suggestion[] = boardSuggestions(p, chain, floors);
  const latency = latencySuggestion(p, chain);
  if (latency !== undefined) suggestions.push(latency);
  const loss = lossSuggestion(p, chain);
  if (loss !== undefined) suggestions.push(loss);
  for (const resource of ['flash', 'instructions'] as Resource[]) {
    const names = layers.filter((l) => l.resource === resource).map((l) => l.layer);
    if (names.length > 0) suggestions.push({ kind: 'choices', layers: names, resource });
  }
  const ramLayers = [...new Set(points.flatMap((r) => r.layers))];
  if (ramLayers.length > 0) suggestions.push({ kind: 'choices', layers: ramLayers, resource: 'ram' });

  return {
    feasible: false,
    violated,
    floors,
    flashWithinOtherBudgets: flashWithinOtherBudgets(p, chain),
    bindingLayers: layers,
    bindingRamPoints: points,
    suggestions,
    boardsTried: p.boards?.length ?? 0,
    budget: p.budget,
  };
}
