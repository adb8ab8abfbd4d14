/**
 * Seeded random solver instances and a brute-force oracle that tries every combination.
 * The oracle prices an assignment with its own few lines (not src/solve/model.ts's evaluate),
 * so a bookkeeping mistake in the solver cannot hide behind a shared helper.
 */
import { Prng } from '../../src/util/prng.js';
import type { Choice, LayerOptions, RamPoint, SolveProblem } from '../../src/solve/types.js';

const GRANULARITIES = ['element', '2:4', 'block1x4', 'kernel'];
const FORMATS = ['csr8', 'bitmask', 'rel4', 'nm2_4'];

function randomChoice(r: Prng, denseFlash: number, denseInstr: number, outChannels: number): Choice {
  const sparsity = Math.round((0.1 + 0.85 * r.next()) * 100) / 100;
  const c: Choice = {
    granularity: GRANULARITIES[r.int(0, GRANULARITIES.length - 1)]!,
    sparsity,
    format: FORMATS[r.int(0, FORMATS.length - 1)]!,
    flashBytes: r.int(Math.floor(denseFlash / 10), denseFlash + 50),
    instructions: r.int(Math.floor(denseInstr / 5), denseInstr + 100),
    // Not monotone on purpose, and sometimes negative (pruning can regularise): the solver may
    // not assume that sparser means worse.
    loss: Math.round((r.next() - 0.1) * 1000) / 1000,
  };
  if (r.next() < 0.4) {
    c.granularity = 'channel';
    c.format = 'channel';
    c.outChannels = r.int(1, outChannels);
  }
  return c;
}

function randomLayer(r: Prng, i: number, previous: LayerOptions | undefined): LayerOptions {
  const outChannels = r.int(2, 16);
  const denseFlash = r.int(100, 2000);
  const denseInstr = r.int(500, 5000);
  const choices: Choice[] = [{ granularity: 'element', sparsity: 0, format: 'dense', flashBytes: denseFlash, instructions: denseInstr, loss: 0 }];
  const n = r.int(2, 5);
  while (choices.length < n) choices.push(randomChoice(r, denseFlash, denseInstr, outChannels));
  const layer: LayerOptions = { name: `layer${i}/weights`, outChannels, choices };
  if (previous !== undefined && r.next() < 0.3) {
    layer.byPrevious = previous.choices.map(() => choices.map((c) => ({ flashBytes: r.int(0, c.flashBytes), instructions: r.int(0, c.instructions) })));
  }
  return layer;
}

function randomRamPoint(r: Prng, k: number, layers: number): RamPoint {
  const point: RamPoint = { label: `operator ${k}`, constant: r.int(0, 300), terms: [] };
  const kind = r.int(0, 3);
  const i = r.int(0, layers - 1);
  if (kind >= 1) point.terms.push({ layer: i, bytesPerChannel: r.int(1, 40) });
  if (kind >= 2 && i + 1 < layers) point.terms.push({ layer: i + 1, bytesPerChannel: r.int(1, 40) });
  if (kind === 3) point.terms.push({ layer: i, bytesPerChannel: r.int(1, 10) }); // scratch on the same layer
  return point;
}

/** Every assignment in lexicographic order. */
export function* allAssignments(p: SolveProblem): Generator<number[]> {
  const sizes = p.layers.map((l) => l.choices.length);
  const cur = sizes.map(() => 0);
  for (;;) {
    yield [...cur];
    let i = sizes.length - 1;
    while (i >= 0 && cur[i] === sizes[i]! - 1) cur[i--] = 0;
    if (i < 0) return;
    cur[i]!++;
  }
}

export interface Priced {
  choices: number[];
  flash: number;
  ram: number;
  instructions: number;
  loss: number;
}

export function price(p: SolveProblem, choices: number[]): Priced {
  let flash = p.fixed.flash;
  let instructions = p.fixed.instructions;
  let loss = 0;
  for (let i = 0; i < p.layers.length; i++) {
    const layer = p.layers[i]!;
    const own = layer.choices[choices[i]!]!;
    const pair = i > 0 ? layer.byPrevious?.[choices[i - 1]!]?.[choices[i]!] : undefined;
    flash += (pair ?? own).flashBytes;
    instructions += (pair ?? own).instructions;
    loss += own.loss;
  }
  const live = p.ram.map((pt) => pt.terms.reduce((s, t) => s + t.bytesPerChannel * (p.layers[t.layer]!.choices[choices[t.layer]!]!.outChannels ?? p.layers[t.layer]!.outChannels), pt.constant));
  return { choices, flash, ram: p.fixed.ram + Math.max(0, ...live), instructions, loss };
}

export function fits(x: Priced, b: SolveProblem['budget']): boolean {
  return x.flash <= b.flash && x.ram <= b.ram && (b.instructions === undefined || x.instructions <= b.instructions) && (b.loss === undefined || x.loss <= b.loss);
}

/** The least loss over every assignment within the budget, or undefined when none fits. */
export function bruteForce(p: SolveProblem, budget = p.budget): number | undefined {
  let bestLoss: number | undefined;
  for (const c of allAssignments(p)) {
    const x = price(p, c);
    if (fits(x, budget) && (bestLoss === undefined || x.loss < bestLoss)) bestLoss = x.loss;
  }
  return bestLoss;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/**
 * A random instance whose budgets fall inside the range its assignments span (some fit, some
 * do not), with a latency bound on about half of them.
 */
export function randomInstance(seed: number): SolveProblem {
  const r = new Prng(seed);
  const layers: LayerOptions[] = [];
  const n = r.int(3, 6);
  for (let i = 0; i < n; i++) layers.push(randomLayer(r, i, layers[i - 1]));
  const ram = Array.from({ length: r.int(1, n + 2) }, (_, k) => randomRamPoint(r, k, n));
  const p: SolveProblem = { layers, ram, budget: { flash: 0, ram: 0 }, fixed: { flash: r.int(0, 500), ram: r.int(0, 200), instructions: r.int(0, 1000) } };
  const all = [...allAssignments(p)].map((c) => price(p, c));
  // Mostly inside the range the assignments span; sometimes below its floor.
  const pick = (xs: number[]): number => (r.next() < 0.15 ? quantile(xs, 0) - r.int(1, 100) : quantile(xs, r.next() * 0.5));
  p.budget.flash = pick(all.map((x) => x.flash));
  p.budget.ram = pick(all.map((x) => x.ram));
  if (r.next() < 0.5) p.budget.instructions = pick(all.map((x) => x.instructions));
  return p;
}

/**
 * A model-shaped instance: 30 layers, 40 choices each (a sparsity grid × formats, with
 * channel-pruned points), losses rising with sparsity, a RAM point per layer on its input
 * and output. Budgets at about half of the dense flash, RAM below the dense peak.
 */
export function modelShaped(seed: number, latency: boolean, size = { layers: 30, choices: 40 }): SolveProblem {
  const r = new Prng(seed);
  const layers: LayerOptions[] = [];
  const ram: RamPoint[] = [];
  let denseFlash = 0;
  let denseInstr = 0;
  for (let i = 0; i < size.layers; i++) {
    const out = 8 * r.int(2, 16);
    const weights = r.int(2_000, 40_000);
    const macs = weights * r.int(1, 50);
    const sensitivity = 0.05 + r.next() * 0.5;
    const choices: Choice[] = [{ granularity: 'element', sparsity: 0, format: 'dense', flashBytes: weights, instructions: 2 * macs, loss: 0 }];
    for (let k = 1; k < size.choices; k++) {
      const s = Math.min(0.97, k / size.choices);
      const channel = k % 4 === 0;
      const kept = Math.max(1, Math.round(out * (1 - s)));
      const nonzeros = Math.round(weights * (1 - s));
      choices.push({
        granularity: channel ? 'channel' : 'element',
        sparsity: s,
        format: channel ? 'channel' : k % 2 === 0 ? 'csr8' : 'bitmask',
        flashBytes: channel ? nonzeros : nonzeros + (k % 2 === 0 ? nonzeros + 2 * out : Math.ceil(weights / 8)),
        instructions: channel ? 2 * Math.round(macs * (1 - s)) : 3 * Math.round(macs * (1 - s)) + 10 * out,
        loss: sensitivity * s ** 3 * (channel ? 1.6 : 1) + r.next() * 1e-4,
        ...(channel ? { outChannels: kept } : {}),
      });
    }
    layers.push({ name: `l${i}/weights`, outChannels: out, choices });
    const hw = r.int(1, 32) ** 2;
    ram.push({ label: `operator ${i}`, constant: r.int(0, 512), terms: i === 0 ? [{ layer: 0, bytesPerChannel: hw }] : [{ layer: i - 1, bytesPerChannel: hw }, { layer: i, bytesPerChannel: hw }] });
    denseFlash += weights;
    denseInstr += 2 * macs;
  }
  const p: SolveProblem = { layers, ram, budget: { flash: Math.round(denseFlash * 0.5), ram: 0 }, fixed: { flash: 20_000, ram: 2_048, instructions: 50_000 } };
  p.budget.flash += p.fixed.flash;
  // RAM: 80% of the dense peak, so the layers that set it must lose channels.
  const densePeak = Math.max(...ram.map((pt) => pt.constant + pt.terms.reduce((s, t) => s + t.bytesPerChannel * layers[t.layer]!.outChannels, 0)));
  p.budget.ram = p.fixed.ram + Math.round(densePeak * 0.8);
  if (latency) p.budget.instructions = p.fixed.instructions + Math.round(denseInstr * 0.6);
  return p;
}
