/**
 * The problem as a chain of steps, one per layer: step i holds, for each (previous choice p,
 * own choice c), the flash bytes and instructions layer i adds and the largest RAM point
 * layer i closes. A RAM point belongs to the last layer it names, so once layer i is chosen
 * every point it owns is known — which is what lets the DP check RAM as it goes and carry
 * only the previous choice in its state.
 *
 * A step is `coupled` when something in it depends on the previous choice (a RAM point on
 * layers i-1 and i, or byPrevious); otherwise it has one row and the DP merges its states.
 */
import type { Assignment, SolveProblem } from './types.js';

export interface Step {
  coupled: boolean;
  /** Number of rows: the previous layer's choice count when coupled, else 1. */
  rows: number;
  cols: number;
  /** [row * cols + c] */
  flash: Float64Array;
  instructions: Float64Array;
  /** Largest RAM point this layer closes (0 when it closes none); without fixed.ram. */
  ram: Float64Array;
  /** The choice's loss, repeated on every row so that all three sums index alike. */
  loss: Float64Array;
}

export interface Chain {
  steps: Step[];
  /** Largest RAM point that names no layer (0 when none). */
  constantRam: number;
}

function channels(p: SolveProblem, layer: number, choice: number): number {
  const l = p.layers[layer]!;
  return l.choices[choice]!.outChannels ?? l.outChannels;
}

/** Bytes live at RAM point k for the given choices (choiceOf(layer) → choice index). */
export function ramPointBytes(p: SolveProblem, k: number, choiceOf: (layer: number) => number): number {
  const r = p.ram[k]!;
  let bytes = r.constant;
  for (const t of r.terms) bytes += t.bytesPerChannel * channels(p, t.layer, choiceOf(t.layer));
  return bytes;
}

/** The layer that owns RAM point k (the last it names), or -1 when it names none. */
function owner(p: SolveProblem, k: number): number {
  return p.ram[k]!.terms.reduce((m, t) => Math.max(m, t.layer), -1);
}

export function buildChain(p: SolveProblem): Chain {
  const owned: number[][] = p.layers.map(() => []);
  let constantRam = 0;
  p.ram.forEach((_, k) => {
    const o = owner(p, k);
    if (o < 0) constantRam = Math.max(constantRam, ramPointBytes(p, k, () => 0));
    else owned[o]!.push(k);
  });
  const steps = p.layers.map((l, i): Step => {
    const mine = owned[i]!;
    const coupled = i > 0 && (l.byPrevious !== undefined || mine.some((k) => p.ram[k]!.terms.some((t) => t.layer === i - 1)));
    const rows = coupled ? p.layers[i - 1]!.choices.length : 1;
    const cols = l.choices.length;
    const step: Step = {
      coupled,
      rows,
      cols,
      flash: new Float64Array(rows * cols),
      instructions: new Float64Array(rows * cols),
      ram: new Float64Array(rows * cols),
      loss: new Float64Array(rows * cols),
    };
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const cost = l.byPrevious?.[r]?.[c] ?? l.choices[c]!;
        step.flash[r * cols + c] = cost.flashBytes;
        step.instructions[r * cols + c] = cost.instructions;
        step.loss[r * cols + c] = l.choices[c]!.loss;
        let peak = 0;
        for (const k of mine) peak = Math.max(peak, ramPointBytes(p, k, (layer) => (layer === i ? c : r)));
        step.ram[r * cols + c] = peak;
      }
    }
    return step;
  });
  return { steps, constantRam };
}

/**
 * What an assignment costs, computed directly from the problem (not from the chain), so the
 * tests and the solver's own result check do not share the DP's bookkeeping.
 */
export function evaluate(p: SolveProblem, choices: readonly number[]): Assignment {
  let flash = p.fixed.flash;
  let instructions = p.fixed.instructions;
  let loss = 0;
  p.layers.forEach((l, i) => {
    const c = choices[i]!;
    const prev = choices[i - 1];
    const cost = prev !== undefined ? (l.byPrevious?.[prev]?.[c] ?? l.choices[c]!) : l.choices[c]!;
    flash += cost.flashBytes;
    instructions += cost.instructions;
    loss += l.choices[c]!.loss;
  });
  let peak = 0;
  let peakAt: string | undefined;
  p.ram.forEach((r, k) => {
    const bytes = ramPointBytes(p, k, (layer) => choices[layer]!);
    if (peakAt === undefined || bytes > peak) {
      peak = bytes;
      peakAt = r.label;
    }
  });
  return { choices: [...choices], totals: { flash, ram: p.fixed.ram + peak, instructions, loss }, peakAt };
}
