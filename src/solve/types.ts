/**
 * The board-budget solver's data: one SolveProblem in, one SolveResult out — plain JSON both
 * ways, so `tinyprune inspect --stage solve` can dump them and tests can write them by hand.
 *
 * Model (issue "tinyprune build --board: the board-budget solver"):
 *   choose one Choice per layer to minimise the objective: Σ loss ('fit', the default),
 *   fixed.instructions + Σ instructions ('latency') or fixed.flash + Σ flash ('size')
 *   subject to  fixed.flash + Σ flash ≤ budget.flash
 *               fixed.ram + max over RAM points of (bytes live there) ≤ budget.ram
 *               fixed.instructions + Σ instructions ≤ budget.instructions   (when given)
 *               Σ loss ≤ budget.loss                                         (when given)
 *
 * Assumptions the solver relies on (the caller measures, the solver does not check them):
 * - Loss is additive over layers: the sensitivity curves are measured one layer at a time,
 *   and the loss of a combination is predicted as the sum of the per-layer losses.
 * - Flash and instructions are additive over layers, except that a layer's bytes and
 *   instructions may depend on the previous layer's choice (channel pruning there removes
 *   this layer's input channels): give them in `byPrevious`.
 * - Peak RAM is the largest of the RAM points (the arena's live-set lower bound, which the
 *   greedy planner in src/plan/arena.ts reaches on straight-line graphs); a RAM point may
 *   depend on the choices of at most two consecutive layers.
 */

/** One way to prune and store one layer: a point on its sensitivity curve. */
export interface Choice {
  /** A granularity src/sparse/granularity.ts parses: element, 2:4, block1x4, channel … */
  granularity: string;
  /** Fraction of weights removed, 0 ≤ sparsity < 1. */
  sparsity: number;
  /** Weight storage format (src/sparse FormatName: dense, csr8, bitmask, nm2_4, channel …). */
  format: string;
  /** Exact encoded bytes of this layer's weights (values + indices + row pointers + padding). */
  flashBytes: number;
  /** Predicted instructions of this layer's kernel (the cost model of src/sparse/cost.ts). */
  instructions: number;
  /** Predicted accuracy loss (validation metric drop, ≥ 0) from this layer's sensitivity curve. */
  loss: number;
  /** Output channels kept (channel/filter/neuron pruning); absent = all of LayerOptions.outChannels. */
  outChannels?: number;
}

/** A layer's bytes and instructions when they depend on the previous layer's choice. */
export interface PairCost {
  flashBytes: number;
  instructions: number;
}

export interface LayerOptions {
  /** The weight tensor name: the key of this layer in the PrunePlan. */
  name: string;
  /** Output channels of the dense layer (what RAM points count when a choice keeps them all). */
  outChannels: number;
  /** The menu; choices[0] is the dense, unpruned layer (sparsity 0). */
  choices: Choice[];
  /**
   * Optional: byPrevious[p][c] replaces choices[c].flashBytes/instructions when the previous
   * layer takes choice p (its pruned output channels shrink this layer's input channels).
   * Only on layers after the first; must be complete (one row per previous choice, one entry
   * per own choice).
   */
  byPrevious?: PairCost[][];
}

/** A tensor live at a RAM point whose size follows one layer's output-channel count. */
export interface RamTerm {
  /** Index into SolveProblem.layers of the layer whose kept output channels size the tensor. */
  layer: number;
  /** Bytes per output channel of that layer (e.g. H·W·1 for an int8 NHWC activation). */
  bytesPerChannel: number;
}

/**
 * The bytes live at one operator: `constant` (tensors no pruning resizes: the model input,
 * scratch that does not depend on channels) plus Σ bytesPerChannel · kept channels.
 * Restriction: the terms of one point name at most two layers, and they are consecutive
 * (i and i+1) — true of straight-line models; a residual ADD that keeps a tensor of layer i
 * alive at layer i+3 is rejected with E_SOLVE.
 */
export interface RamPoint {
  /** Shown in explanations: "operator 4 (CONV_2D)". */
  label: string;
  constant: number;
  terms: RamTerm[];
}

export interface Budget {
  flash: number;
  ram: number;
  /** Latency bound in instructions (--latency); absent = unbounded. */
  instructions?: number;
  /** Loss bound (--max-loss, in the choices' loss units); absent = unbounded. */
  loss?: number;
}

/**
 * What the solver minimises within the budget: the predicted loss ('fit'), the predicted
 * instructions ('latency') or the flash bytes ('size').
 */
export type Objective = 'fit' | 'latency' | 'size';

/** What the model costs whatever the solver chooses (biases, other ops, the arena's bookkeeping). */
export interface FixedCost {
  flash: number;
  ram: number;
  instructions: number;
}

/** A board the model could move to; flash and ram in the same terms as Budget (after the firmware). */
export interface BoardCapacity {
  name: string;
  flash: number;
  ram: number;
}

export interface SolveProblem {
  /** Prunable layers in execution order. */
  layers: LayerOptions[];
  ram: RamPoint[];
  budget: Budget;
  fixed: FixedCost;
  /** Boards to suggest when the budget cannot be met (e.g. the boards/ folder); may be empty. */
  boards?: BoardCapacity[];
  /** Absent = 'fit'. */
  objective?: Objective;
}

export interface Totals {
  flash: number;
  /** Peak RAM: fixed.ram + the largest RAM point. */
  ram: number;
  instructions: number;
  loss: number;
}

/** One assignment and what it costs. */
export interface Assignment {
  /** choices[i] = index into layers[i].choices. */
  choices: number[];
  totals: Totals;
  /** Label of the RAM point that sets the peak (undefined when there are no RAM points). */
  peakAt: string | undefined;
}

export interface Feasible extends Assignment {
  feasible: true;
}

export type Resource = 'flash' | 'ram' | 'instructions';

/** The smallest value of one resource any assignment reaches, and one assignment that does. */
export interface Floor {
  value: number;
  assignment: Assignment;
}

/**
 * One of the fewest layers, largest floor first, whose floors together exceed the overshoot
 * of a resource: where a further-reaching menu (sparser, faster choices) could close the gap.
 */
export interface BindingLayer {
  layer: string;
  resource: Resource;
  /** Its smallest contribution (bytes or instructions) over all its choices. */
  smallest: number;
  /** Its dense contribution. */
  dense: number;
}

/** A RAM point that exceeds the budget whatever its layers choose. */
export interface BindingRamPoint {
  label: string;
  /** fixed.ram + the point's smallest size. */
  smallest: number;
  /** The part no channel pruning reduces (fixed.ram + constant). */
  unprunable: number;
  layers: string[];
}

export type Suggestion =
  | { kind: 'board'; board: string; flash: number; ram: number; loss: number }
  | { kind: 'latency'; instructions: number; loss: number }
  /** The least loss that meets flash, RAM and latency: the loss budget to ask for. */
  | { kind: 'loss'; loss: number }
  | { kind: 'choices'; layers: string[]; resource: Resource };

export interface Infeasible {
  feasible: false;
  /** Constraints no assignment meets even alone, or 'combination' when each alone can be met. */
  violated: (Resource | 'loss' | 'combination')[];
  floors: { flash: Floor; ram: Floor; instructions: Floor; loss: Floor };
  /** The smallest flash that also meets the RAM (and latency) budget; undefined when those alone fail. */
  flashWithinOtherBudgets: number | undefined;
  bindingLayers: BindingLayer[];
  bindingRamPoints: BindingRamPoint[];
  suggestions: Suggestion[];
  /** How many boards were offered (SolveProblem.boards); the ones that fit are suggestions. */
  boardsTried: number;
  budget: Budget;
}

export type SolveResult = Feasible | Infeasible;
