/**
 * Importance criteria behind one interface: a score per weight (higher = more important).
 * Group granularities sum the element scores of a group (so L1 ranks groups by Σ|w|, L2 by
 * Σw², which orders like the L2 norm). More criteria can be added to CRITERIA.
 */
import { TinypruneError } from '../errors.js';
import type { CriterionName } from '../contracts/plan.js';

export interface CriterionInput {
  weights: Float32Array;
  /** ∂L/∂w summed over a few batches (Taylor needs it). */
  grad?: Float32Array;
}

export interface Criterion {
  name: string;
  needsGradients: boolean;
  score(input: CriterionInput): Float32Array;
}

export const l1: Criterion = {
  name: 'l1',
  needsGradients: false,
  score: ({ weights }) => weights.map(Math.abs),
};

export const l2: Criterion = {
  name: 'l2',
  needsGradients: false,
  score: ({ weights }) => weights.map((w) => w * w),
};

/** First-order Taylor: |w · ∂L/∂w|, the loss change from zeroing w (Molchanov et al. 2017). */
export const taylor: Criterion = {
  name: 'taylor',
  needsGradients: true,
  score: ({ weights, grad }) => {
    if (!grad || grad.length !== weights.length) {
      throw new TinypruneError('E_PRUNE', 'the Taylor criterion needs the gradients of the weights', { hint: 'pass data so that a few batches can be run' });
    }
    return weights.map((w, i) => Math.abs(w * grad[i]!));
  },
};

export const CRITERIA = { l1, l2, taylor } as const satisfies Record<CriterionName, Criterion>;
export type { CriterionName } from '../contracts/plan.js';

export function criterion(name: string): Criterion {
  const c = (CRITERIA as Record<string, Criterion>)[name];
  if (!c) throw new TinypruneError('E_USAGE', `unknown pruning criterion '${name}'`, { allowed: Object.keys(CRITERIA).join(', ') });
  return c;
}
