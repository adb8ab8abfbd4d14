/**
 * Check a SolveProblem before solving: every number finite and in range, every index in
 * bounds, choice 0 dense, byPrevious complete, and RAM points within the model the solver
 * handles exactly (terms on at most two consecutive layers). Throws E_SOLVE naming the field.
 */
import { TinypruneError } from '../errors.js';
import { parseGranularity } from '../sparse/granularity.js';
import type { LayerOptions, RamPoint, SolveProblem } from './types.js';

function fail(message: string, where: string, allowed: string, hint?: string): never {
  throw new TinypruneError('E_SOLVE', message, hint === undefined ? { where, allowed } : { where, allowed, hint });
}

function checkCount(v: number, where: string, what: string): void {
  if (!Number.isFinite(v) || v < 0) fail(`${what} is ${v}`, where, 'a finite number ≥ 0');
}

function validateLayer(l: LayerOptions, i: number, previous: LayerOptions | undefined): void {
  const at = `layers[${i}] '${l.name}'`;
  if (typeof l.name !== 'string' || l.name === '') fail('a layer has no name', `layers[${i}]`, 'the weight tensor name, e.g. "conv1/weights"');
  if (!Number.isInteger(l.outChannels) || l.outChannels < 1) fail(`outChannels is ${l.outChannels}`, at, 'an integer ≥ 1');
  if (l.choices.length === 0) fail('the layer has no choices', at, 'at least the dense choice (choices[0], sparsity 0)');
  l.choices.forEach((c, j) => {
    const cat = `${at} choices[${j}]`;
    parseGranularity(c.granularity);
    if (!Number.isFinite(c.sparsity) || c.sparsity < 0 || c.sparsity >= 1) fail(`sparsity ${c.sparsity} is out of range`, cat, '0 ≤ sparsity < 1');
    if (typeof c.format !== 'string' || c.format === '') fail('the choice has no format', cat, 'a weight format name: dense, csr8, bitmask, nm2_4, channel …');
    checkCount(c.flashBytes, cat, 'flashBytes');
    checkCount(c.instructions, cat, 'instructions');
    if (!Number.isFinite(c.loss)) fail(`loss is ${c.loss}`, cat, 'a finite number (the predicted accuracy drop)');
    if (c.outChannels !== undefined && (!Number.isInteger(c.outChannels) || c.outChannels < 1 || c.outChannels > l.outChannels)) {
      fail(`outChannels ${c.outChannels} is out of range`, cat, `an integer in 1…${l.outChannels} (the layer's dense output channels)`);
    }
  });
  if (l.choices[0]!.sparsity !== 0) fail('choices[0] is not the dense layer', at, 'choices[0] with sparsity 0', 'put the unpruned option first');
  if (l.byPrevious === undefined) return;
  if (previous === undefined) fail('the first layer has byPrevious', at, 'byPrevious only on layers after the first');
  if (l.byPrevious.length !== previous.choices.length) {
    fail(`byPrevious has ${l.byPrevious.length} rows`, at, `one row per choice of '${previous.name}' (${previous.choices.length})`);
  }
  l.byPrevious.forEach((row, p) => {
    if (row.length !== l.choices.length) fail(`byPrevious[${p}] has ${row.length} entries`, at, `one entry per choice of this layer (${l.choices.length})`);
    row.forEach((pc, c) => {
      checkCount(pc.flashBytes, `${at} byPrevious[${p}][${c}]`, 'flashBytes');
      checkCount(pc.instructions, `${at} byPrevious[${p}][${c}]`, 'instructions');
    });
  });
}

function validateRamPoint(r: RamPoint, k: number, layers: number): void {
  const at = `ram[${k}] '${r.label}'`;
  checkCount(r.constant, at, 'constant');
  for (const t of r.terms) {
    if (!Number.isInteger(t.layer) || t.layer < 0 || t.layer >= layers) fail(`a term names layer ${t.layer}`, at, `a layer index in 0…${layers - 1}`);
    checkCount(t.bytesPerChannel, at, 'bytesPerChannel');
  }
  const idx = r.terms.map((t) => t.layer);
  if (idx.length > 0 && Math.max(...idx) - Math.min(...idx) > 1) {
    fail(
      `the point depends on layers ${[...new Set(idx)].join(', ')}, which are not consecutive`,
      at,
      'terms on one layer or on two consecutive layers (i, i+1)',
      'the exact solver carries only the previous layer\'s choice; a tensor kept alive across several layers (a residual ADD) is not supported yet — count it in `constant` at its dense size (a safe over-estimate)',
    );
  }
}

export function validateProblem(p: SolveProblem): void {
  if (p.layers.length === 0) fail('there are no layers to choose for', 'layers', 'at least one prunable layer');
  p.layers.forEach((l, i) => validateLayer(l, i, p.layers[i - 1]));
  p.ram.forEach((r, k) => validateRamPoint(r, k, p.layers.length));
  checkCount(p.budget.flash, 'budget', 'flash');
  checkCount(p.budget.ram, 'budget', 'ram');
  if (p.budget.instructions !== undefined) checkCount(p.budget.instructions, 'budget', 'instructions');
  if (p.budget.loss !== undefined && !Number.isFinite(p.budget.loss)) fail(`loss is ${p.budget.loss}`, 'budget', 'a finite number (the largest predicted loss allowed)');
  if (p.objective !== undefined && !(['fit', 'latency', 'size'] as const).includes(p.objective)) fail(`objective is ${String(p.objective)}`, 'objective', 'fit, latency or size');
  checkCount(p.fixed.flash, 'fixed', 'flash');
  checkCount(p.fixed.ram, 'fixed', 'ram');
  checkCount(p.fixed.instructions, 'fixed', 'instructions');
  for (const b of p.boards ?? []) {
    checkCount(b.flash, `boards '${b.name}'`, 'flash');
    checkCount(b.ram, `boards '${b.name}'`, 'ram');
  }
}
