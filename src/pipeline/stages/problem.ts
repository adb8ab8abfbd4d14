/**
 * The solver's problem from what the earlier stages measured: per layer the choices with exact
 * bytes, predicted instructions and predicted loss; the fixed flash/RAM/instructions of the
 * firmware; the board's limits; and every board's room (for "what would fit" suggestions).
 */
import { listBoards, loadBoard, resolveTarget } from '../../boards/index.js';
import type { SolveProblem } from '../../solve/index.js';
import { ramPoints } from '../ram.js';
import { dataLoss, noDataLoss } from '../accuracy.js';
import type { PipelineContext } from './context.js';

const FLASH_SLACK = 0; // bytes: the build must fit exactly; the solve stage corrects overshoot.

export function makeProblem(c: PipelineContext): SolveProblem {
  const { candidates, sensitivity: sens, footprint } = c;
  const g0 = c.baseline.graph;
  const withData = c.data !== undefined;
  const baseAccuracy = c.baseline.accuracy;
  // Depthwise layers follow their producer's channels and stay dense (a few hundred bytes).
  const solverLayers = candidates.filter((l) => l.opcode !== 'DEPTHWISE_CONV_2D');
  const layerOf = new Map(solverLayers.map((l, i) => [l.op, i]));
  const layers = solverLayers.map((l) => {
    const dense = l.options.find((o) => o.sparsity === 0 && o.format === 'dense')!;
    const rest = l.options.filter((o) => o !== dense && o.outChannels > 0);
    return {
      name: l.name,
      outChannels: l.outChannels,
      choices: [dense, ...rest].map((o) => ({
        granularity: o.granularity === 'block4x1' ? 'block4x1' : o.granularity,
        sparsity: o.sparsity,
        format: o.format,
        flashBytes: o.bytes,
        instructions: o.instructions ?? 0,
        loss: withData ? dataLoss(sens, l.name, o, baseAccuracy) : noDataLoss(o),
        ...(o.granularity === 'channel' ? { outChannels: o.outChannels } : {}),
      })),
    };
  });
  const denseSum = layers.reduce((s, l) => s + l.choices[0]!.flashBytes, 0);
  const measuredSum = solverLayers.reduce((s, l) => s + (footprint.layers.find((f) => f.index === l.op)?.measured ?? 0), 0);
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
