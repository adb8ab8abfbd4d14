/**
 * The AGP cubic schedule (Zhu & Gupta 2017): s_t = s_f + (s_i − s_f)·(1 − (t − t0)/(n·Δt))³,
 * pruning fast while the network has many redundant weights and slowing down near the target.
 */
export function agpSparsity(step: number, opts: { initial: number; final: number; startStep: number; endStep: number }): number {
  if (step <= opts.startStep) return opts.initial;
  if (step >= opts.endStep) return opts.final;
  const frac = (step - opts.startStep) / (opts.endStep - opts.startStep);
  return opts.final + (opts.initial - opts.final) * (1 - frac) ** 3;
}

/** The steps at which AGP prunes: `count` evenly spaced steps from start to end. */
export function agpSteps(startStep: number, endStep: number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(Math.round(startStep + ((endStep - startStep) * k) / Math.max(1, count - 1)));
  return [...new Set(out)];
}
