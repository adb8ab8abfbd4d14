/**
 * PrunePlan: what to prune, how and how far — plain JSON a user can write or edit.
 *
 * {
 *   "criterion": "l1" | "l2" | "taylor",       // default l1
 *   "scope": "layer" | "global",               // global: one magnitude threshold (element only)
 *   "granularity": "element",                  // default for every layer
 *   "sparsity": 0.9,                           // default target (fraction of weights removed)
 *   "layers": { "fc1/weights": { "sparsity": 0.95 }, "conv1/weights": { "exclude": true },
 *               "fc3/weights": { "pinned": true, "sparsity": 0.5 } },
 *   "schedule": { "kind": "oneshot" | "agp" | "lth", … },
 *   "fineTune": { "epochs": 5, "learningRateScale": 0.1, "patience": 2 }
 * }
 * Layers are named by their weight tensor name (or "op:<index>"). "exclude" keeps a layer
 * dense; "pinned" fixes its sparsity (a global threshold does not move it).
 */
import { TinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { weightLayers, type WeightLayer } from '../train/view.js';
import { granularityName, parseGranularity, type Granularity } from '../sparse/granularity.js';
import { criterion as criterionByName, type CriterionName } from './criteria.js';
import type { FineTuneInput, LayerPlanInput, PrunePlan, ScheduleInput } from '../contracts/plan.js';

export type { FineTuneInput, LayerPlanInput, PrunePlan, ScheduleInput } from '../contracts/plan.js';

export interface ResolvedLayer extends WeightLayer {
  granularity: Granularity;
  sparsity: number;
  exclude: boolean;
  pinned: boolean;
}

export interface ResolvedPlan {
  criterion: CriterionName;
  scope: 'layer' | 'global';
  layers: ResolvedLayer[];
  schedule: ScheduleInput;
  fineTune: Required<Omit<FineTuneInput, 'learningRate'>> & { learningRate?: number };
}

function checkSparsity(s: number, where: string): number {
  if (!Number.isFinite(s) || s < 0 || s >= 1) throw new TinypruneError('E_USAGE', `sparsity ${s} is out of range`, { where, allowed: '0 ≤ sparsity < 1 (0.9 = remove 90% of the weights)' });
  return s;
}

export function resolvePlan(g: ModelGraph, plan: PrunePlan): ResolvedPlan {
  const crit = plan.criterion ?? 'l1';
  criterionByName(crit);
  const scope = plan.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new TinypruneError('E_USAGE', `unknown scope '${String(scope)}'`, { allowed: 'layer, global' });
  const layers = weightLayers(g);
  const known = new Set(layers.flatMap((l) => [l.name, `op:${l.op}`]));
  for (const name of Object.keys(plan.layers ?? {})) {
    if (!known.has(name)) {
      throw new TinypruneError('E_USAGE', `the plan names layer '${name}', which the model does not have`, {
        allowed: layers.map((l) => l.name).join(', '),
        where: 'plan.layers',
      });
    }
  }
  const resolved = layers.map((l): ResolvedLayer => {
    const p = plan.layers?.[l.name] ?? plan.layers?.[`op:${l.op}`] ?? {};
    const granularity = parseGranularity(p.granularity ?? plan.granularity ?? 'element', p.granularity ? `plan.layers['${l.name}'].granularity` : 'plan.granularity / --granularity');
    let sparsity = checkSparsity(p.sparsity ?? plan.sparsity ?? 0, `layer ${l.name}`);
    if (granularity.kind === 'n:m') sparsity = 1 - granularity.n / granularity.m;
    return { ...l, granularity, sparsity, exclude: p.exclude === true, pinned: p.pinned === true };
  });
  if (scope === 'global' && resolved.some((l) => !l.exclude && !l.pinned && l.granularity.kind !== 'element')) {
    throw new TinypruneError('E_USAGE', 'a global threshold needs element granularity on every layer it ranks', { hint: 'pin or exclude the structured layers, or use scope "layer"' });
  }
  const ft = plan.fineTune ?? {};
  return {
    criterion: crit,
    scope,
    layers: resolved,
    schedule: plan.schedule ?? { kind: 'oneshot' },
    fineTune: {
      epochs: ft.epochs ?? 5,
      learningRateScale: ft.learningRateScale ?? 0.1,
      patience: ft.patience ?? 2,
      batchSize: ft.batchSize ?? 64,
      ...(ft.learningRate !== undefined ? { learningRate: ft.learningRate } : {}),
    },
  };
}

export function describeLayerPlan(l: ResolvedLayer): string {
  return l.exclude ? `${l.name}: excluded` : `${l.name}: ${granularityName(l.granularity)} → ${(l.sparsity * 100).toFixed(1)}%${l.pinned ? ' (pinned)' : ''}`;
}
