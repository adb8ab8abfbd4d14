/**
 * The solver's problem from what the earlier stages measured: per layer the choices with exact
 * bytes, predicted instructions and predicted loss; the fixed flash/RAM/instructions of the
 * firmware; the board's limits; and every board's room (for "what would fit" suggestions).
 */
import { listBoards, loadBoard, resolveTarget } from '../../boards/index.js';
import type { SolveProblem } from '../../solve/index.js';
import type { PairCost } from '../../solve/types.js';
import type { Cost, EncodedOption, LayerCandidates } from '../candidates.js';
import { ramPoints } from '../ram.js';
import { dataLoss, noDataLoss } from '../accuracy.js';
import type { PipelineContext } from './context.js';

const FLASH_SLACK = 0; // bytes: the build must fit exactly; the solve stage corrects overshoot.

export function makeProblem(c: PipelineContext): SolveProblem {
  const { candidates, sensitivity: sens, footprint } = c;
  const g0 = c.baseline.graph;
  const withData = c.data !== undefined;
  const baseAccuracy = c.baseline.accuracy;
  // Depthwise layers follow their producer's channels and stay dense: they are priced with it
  // (each option's `followers`).
  const solverLayers = candidates.filter((l) => l.opcode !== 'DEPTHWISE_CONV_2D');
  const layerOf = new Map(solverLayers.map((l, i) => [l.op, i]));
  const ordered = solverLayers.map((l) => {
    const dense = l.options.find((o) => o.sparsity === 0 && o.format === 'dense')!;
    return [dense, ...l.options.filter((o) => o !== dense && o.outChannels > 0)];
  });
  const layers = solverLayers.map((l, i) => {
    const options = ordered[i]!;
    const pairs = pairCosts(l, i > 0 ? { layer: solverLayers[i - 1]!, options: ordered[i - 1]! } : undefined, options);
    return {
      name: l.name,
      outChannels: l.outChannels,
      choices: options.map((o) => ({
        granularity: o.granularity,
        sparsity: o.sparsity,
        format: o.format,
        ...withFollowers(o, o),
        loss: withData ? dataLoss(sens, l.name, o, baseAccuracy) : noDataLoss(o),
        ...(o.granularity === 'channel' ? { outChannels: o.outChannels } : {}),
      })),
      ...(pairs ? { byPrevious: pairs } : {}),
    };
  });
  const denseSum = layers.reduce((s, l) => s + l.choices[0]!.flashBytes, 0);
  const priced = solverLayers.flatMap((l) => [l.op, ...l.followers]);
  const measuredSum = priced.reduce((s, op) => s + (footprint.layers.find((f) => f.index === op)?.measured ?? 0), 0);
  // The limits the linker enforces (the build's own "fits"): the board's regions, capped to the
  // emulator's when emulating.
  const { latency } = c.req;
  return {
    layers,
    ram: ramPoints(g0, layerOf),
    budget: { flash: c.target.flash.size - FLASH_SLACK, ram: c.target.ram.size, ...(latency !== undefined ? { instructions: latency } : {}) },
    fixed: {
      flash: footprint.flashTotal - denseSum,
      ram: footprint.ramFixed,
      instructions: footprint.instructions !== null ? Math.max(0, footprint.instructions - measuredSum) : 0,
    },
    boards: boardCapacities(),
  };
}

/** A choice's solver cost: the layer's own (`own`, maybe re-priced on a smaller input) and its depthwise followers'. */
function withFollowers(o: EncodedOption, own: Cost): PairCost {
  return { flashBytes: own.bytes + (o.followers?.bytes ?? 0), instructions: (own.instructions ?? 0) + (o.followers?.instructions ?? 0) };
}

/**
 * byPrevious of layer `l` when the previous solver layer owns its input channels: for each
 * previous choice that removes channels, each own choice priced on that smaller input
 * (candidates' byInputChannels); other previous choices leave the own costs.
 */
function pairCosts(l: LayerCandidates, prev: { layer: LayerCandidates; options: EncodedOption[] } | undefined, options: EncodedOption[]): PairCost[][] | undefined {
  if (!prev || l.inputOwner !== prev.layer.op || !l.byInputChannels) return undefined;
  const index = options.map((o) => l.options.indexOf(o));
  return prev.options.map((p) => {
    const row = p.granularity === 'channel' ? l.byInputChannels!.find((r) => r.kept === p.outChannels) : undefined;
    return options.map((o, c) => withFollowers(o, row?.costs[index[c]!] ?? o));
  });
}

/** Every board profile's room for weights and arena, in the solver's terms. */
function boardCapacities(): { name: string; flash: number; ram: number }[] {
  const out: { name: string; flash: number; ram: number }[] = [];
  for (const name of listBoards()) {
    try {
      const b = loadBoard(name);
      const t = resolveTarget(b, {});
      out.push({ name: b.name, flash: t.flash.size, ram: t.ram.size });
    } catch {
      // a board that cannot be resolved on its own (needs --emulate) is still a suggestion
    }
  }
  return out;
}
