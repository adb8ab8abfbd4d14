import { describe, expect, it } from 'vitest';
import { solve } from '../../src/solve/index.js';
import type { Choice, LayerOptions, RamPoint, SolveProblem } from '../../src/solve/types.js';
import { Prng } from '../../src/util/prng.js';

/**
 * A model-shaped instance: 30 layers, 40 choices each (a sparsity grid × formats, with
 * channel-pruned points), losses rising with sparsity, a RAM point per layer on its input
 * and output. Budgets at about half of the dense flash, RAM below the dense peak.
 */
function large(seed: number, latency: boolean): SolveProblem {
  const r = new Prng(seed);
  const layers: LayerOptions[] = [];
  const ram: RamPoint[] = [];
  let denseFlash = 0;
  let denseInstr = 0;
  for (let i = 0; i < 30; i++) {
    const out = 8 * r.int(2, 16);
    const weights = r.int(2_000, 40_000);
    const macs = weights * r.int(1, 50);
    const sensitivity = 0.05 + r.next() * 0.5;
    const choices: Choice[] = [{ granularity: 'element', sparsity: 0, format: 'dense', flashBytes: weights, instructions: 2 * macs, loss: 0 }];
    for (let k = 1; k < 40; k++) {
      const s = Math.min(0.97, k / 40);
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

describe('solver speed (30 layers × 40 choices)', () => {
  for (const latency of [false, true]) {
    it(`solves ${latency ? 'with' : 'without'} a latency bound`, () => {
      const p = large(7, latency);
      const t0 = performance.now();
      const got = solve(p);
      const ms = performance.now() - t0;
      console.info(`30×40 ${latency ? 'flash+RAM+latency' : 'flash+RAM'}: ${ms.toFixed(0)} ms, feasible ${got.feasible}${got.feasible ? `, loss ${got.totals.loss.toFixed(4)}` : ''}`);
      expect(got.feasible).toBe(true);
      if (got.feasible) {
        expect(got.totals.flash).toBeLessThanOrEqual(p.budget.flash);
        expect(got.totals.ram).toBeLessThanOrEqual(p.budget.ram);
      }
    });
  }
});
