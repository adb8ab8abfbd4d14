/**
 * PrunePlan: what to prune, how and how far — plain JSON a user can write or edit, written by
 * the solver (src/solve) and read by prune (src/prune/plan.ts resolves it against a model).
 * The format is documented in src/prune/plan.ts. Types only.
 */
/** Weight-importance criteria (src/prune/criteria.ts implements each). */
export type CriterionName = 'l1' | 'l2' | 'taylor';

export interface LayerPlanInput {
  granularity?: string;
  sparsity?: number;
  /** Weight storage format the budget solver chose (a FormatName: dense, csr8, nm2_4 …). */
  format?: string;
  exclude?: boolean;
  pinned?: boolean;
}

export interface ScheduleInput {
  kind: 'oneshot' | 'agp' | 'lth';
  /** AGP: pruning steps spread over the first `pruneFraction` of training. */
  pruneSteps?: number;
  pruneFraction?: number;
  initialSparsity?: number;
  /** LTH: rewind to the initial weights (0) or to the weights after this many steps. */
  rewindStep?: number;
  /** LTH: prune in this many rounds (each removes the same fraction of what is left). */
  rounds?: number;
}

export interface FineTuneInput {
  epochs?: number;
  /** Fraction of the training learning rate (1/10 … 1/100). */
  learningRateScale?: number;
  learningRate?: number;
  patience?: number;
  batchSize?: number;
}

export interface PrunePlan {
  criterion?: CriterionName;
  scope?: 'layer' | 'global';
  granularity?: string;
  sparsity?: number;
  layers?: Record<string, LayerPlanInput>;
  schedule?: ScheduleInput;
  fineTune?: FineTuneInput;
}
