/**
 * Solver choices ⇄ PrunePlan. The plan names every layer explicitly (granularity, sparsity,
 * format) so a user can edit one line and pass it back with --plan; choicesFromPlan maps an
 * edited plan back onto the menu to predict what it costs.
 */
import { TinypruneError } from '../errors.js';
import { granularityName, parseGranularity } from '../sparse/granularity.js';
import type { LayerPlanInput, PrunePlan } from '../contracts/plan.js';
import type { SolveProblem } from './types.js';

export function toPrunePlan(p: SolveProblem, choices: readonly number[]): PrunePlan {
  const layers: Record<string, LayerPlanInput> = {};
  p.layers.forEach((l, i) => {
    const c = l.choices[choices[i]!];
    if (c === undefined) throw new TinypruneError('E_SOLVE', `choice ${choices[i]} does not exist`, { where: `layer '${l.name}'`, allowed: `0…${l.choices.length - 1}` });
    layers[l.name] = { granularity: c.granularity, sparsity: c.sparsity, format: c.format };
  });
  return { granularity: 'element', sparsity: 0, layers };
}

const SPARSITY_TOLERANCE = 1e-9;

/** The menu index of each layer's entry in `plan` (a layer the plan leaves out is dense). */
export function choicesFromPlan(p: SolveProblem, plan: PrunePlan): number[] {
  return p.layers.map((l) => {
    const entry = plan.layers?.[l.name];
    const granularity = granularityName(parseGranularity(entry?.granularity ?? plan.granularity ?? 'element'));
    const sparsity = entry?.sparsity ?? plan.sparsity ?? 0;
    const format = entry?.format;
    const k = l.choices.findIndex(
      (c) =>
        (sparsity === 0 && c.sparsity === 0 && format === undefined) ||
        (granularityName(parseGranularity(c.granularity)) === granularity && Math.abs(c.sparsity - sparsity) <= SPARSITY_TOLERANCE && (format === undefined || c.format === format)),
    );
    // A layer whose output channels are tied to a group another layer owns (a residual ADD,
    // a depthwise follower) has no channel choices: it loses the channels its group's owner
    // loses, and its own entry is the dense one.
    if (k < 0 && granularity === 'channel' && !l.choices.some((c) => granularityName(parseGranularity(c.granularity)) === 'channel')) return 0;
    if (k < 0) {
      throw new TinypruneError('E_SOLVE', `the plan's ${granularity} ${sparsity}${format === undefined ? '' : ` ${format}`} is not among the measured choices`, {
        where: `plan.layers['${l.name}']`,
        allowed: l.choices.map((c) => `${c.granularity} ${c.sparsity} ${c.format}`).join('; '),
        hint: 'pick one of the measured points, or re-run the sensitivity analysis with this point on the grid',
      });
    }
    return k;
  });
}
