/**
 * The exact solver: a DP over the layers in order. Its state after layer i is the choice of
 * layer i when layer i+1 depends on it (a coupled step), else nothing; for each state it
 * keeps the Pareto front of partial assignments over the objective and the capped sums
 * (flash; instructions under a latency bound). RAM is a max, not a sum: every RAM point is
 * checked when the layer that closes it is chosen, so RAM filters transitions and needs no
 * dimension of its own.
 *
 * Why exact: two partial assignments that reach the same state differ only in what they have
 * summed so far, and one that is no better in any sum can be replaced by the other in every
 * completion. Nothing is bucketed or rounded. Partials are dropped early only when they
 * provably cannot fit (suffix minima of the capped sums) or cannot reach an objective within
 * the pass's limit (the Lagrangian bound of lagrange.ts; see paretoFront for the limits, and
 * a relative tolerance for rounding).
 *
 * The same DP answers every objective and the explanation's questions by changing the
 * orientation: least loss under flash and latency caps ('fit'), fewest instructions under
 * flash and loss caps ('latency'), least flash under latency and loss caps ('size'); a cap on
 * the objective's own sum (--latency with 'latency') is one more limit on the passes.
 */
import type { Chain } from './model.js';
import { lagrangeBounds, restBound, type Bounds, type Orientation, type Sum } from './lagrange.js';

export type { Orientation, Sum } from './lagrange.js';

/** A partial assignment: layers 0…k chosen, `choice` the last, `parent` the rest. */
export interface PathNode {
  flash: number;
  instructions: number;
  loss: number;
  choice: number;
  parent: PathNode | null;
}

function suffixMinima(chain: Chain, k: Sum): Float64Array {
  const out = new Float64Array(chain.steps.length + 1);
  for (let i = chain.steps.length - 1; i >= 0; i--) out[i] = out[i + 1]! + Math.min(...chain.steps[i]![k]);
  return out;
}

/** Keep the nodes no other node matches or beats in every key (the last key is the objective). */
function front(nodes: PathNode[], keys: Sum[]): PathNode[] {
  const [a, b, c] = keys as [Sum, Sum | undefined, Sum | undefined];
  // Equal in every key: the first kept is the one with less loss, then flash, then instructions
  // (the tie-break optimum() promises, also for sums that are not keys).
  nodes.sort((m, n) => m[a] - n[a] || (b === undefined ? 0 : m[b] - n[b]) || (c === undefined ? 0 : m[c] - n[c]) || m.loss - n.loss || m.flash - n.flash || m.instructions - n.instructions);
  if (b === undefined) return nodes.slice(0, 1);
  const kept: PathNode[] = [];
  if (c === undefined) {
    let least = Infinity;
    for (const n of nodes) {
      if (n[b] < least) {
        kept.push(n);
        least = n[b];
      }
    }
    return kept;
  }
  // Sweep by a; a staircase of the kept (b ascending, c strictly descending) answers "is
  // there a kept node with no more b and no more c" with one binary search.
  const stair: PathNode[] = [];
  for (const n of nodes) {
    let lo = 0;
    let hi = stair.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (stair[mid]![b] <= n[b]) lo = mid + 1;
      else hi = mid;
    }
    const below = stair[lo - 1];
    if (below !== undefined && below[c] <= n[c]) continue;
    kept.push(n);
    let end = lo;
    while (end < stair.length && stair[end]![c] >= n[c]) end++;
    stair.splice(lo, end - lo, n);
  }
  return kept;
}

interface Pass {
  chain: Chain;
  o: Orientation;
  bounds: Bounds;
  /** Drop partials whose objective plus bound exceeds this. */
  limit: number;
  restX: Float64Array;
  restY: Float64Array;
  keys: Sum[];
}

function pass({ chain, o, bounds, limit, restX, restY, keys }: Pass): PathNode[] {
  let states: PathNode[][] = [[{ flash: 0, instructions: 0, loss: 0, choice: -1, parent: null }]];
  chain.steps.forEach((step, i) => {
    const keyed = chain.steps[i + 1]?.coupled === true;
    const next: PathNode[][] = Array.from({ length: keyed ? step.cols : 1 }, () => []);
    const xLeft = o.capX - restX[i + 1]!;
    const yLeft = o.capY - restY[i + 1]!;
    for (let row = 0; row < step.rows; row++) {
      // An uncoupled step has one row and the DP has one merged state.
      const from = states[step.coupled ? row : 0] ?? [];
      for (let c = 0; c < step.cols; c++) {
        const at = row * step.cols + c;
        if (step.ram[at]! > o.capRam) continue;
        const to = keyed ? c : 0;
        const add = { flash: step.flash[at]!, instructions: step.instructions[at]!, loss: step.loss[at]! };
        for (const n of from) {
          const x = n[o.x] + add[o.x];
          const y = n[o.y] + add[o.y];
          if (x > xLeft || y > yLeft) continue;
          const objective = n[o.objective] + add[o.objective];
          const rest = restBound(bounds, o, i, to, x, y, limit - objective);
          if (rest === Infinity || objective + rest > limit) continue;
          next[to]!.push({ flash: n.flash + add.flash, instructions: n.instructions + add.instructions, loss: n.loss + add.loss, choice: c, parent: n });
        }
      }
    }
    states = next.map((ns) => front(ns, keys));
  });
  return states[0] ?? [];
}

/** A limit a little above `v`, so that rounding in the bounds never drops an optimum. */
function slack(v: number): number {
  return v + 1e-9 * Math.max(1, Math.abs(v));
}

/**
 * The final Pareto front of complete assignments within the caps (empty when none fits);
 * it holds an optimum of the objective.
 *
 * The passes tighten the limit first: with the best Lagrangian lower bound D and the
 * incumbent U, a pass with limit D + (U − D)/16 keeps every partial of any assignment whose
 * objective is at most that limit — so if it finds one, the least it finds is optimal; if
 * not, the optimum lies above and the next pass (a wider limit, at last U itself) looks again.
 * A close limit drops most partials, which is where the time goes on large menus.
 */
export function paretoFront(chain: Chain, o: Orientation, opts: { bound?: boolean } = {}): PathNode[] {
  if (chain.constantRam > o.capRam) return [];
  const restX = suffixMinima(chain, o.x);
  const restY = suffixMinima(chain, o.y);
  if (restX[0]! > o.capX || restY[0]! > o.capY) return [];
  const keys: Sum[] = [...(Number.isFinite(o.capX) ? [o.x] : []), ...(Number.isFinite(o.capY) ? [o.y] : []), o.objective];
  // `bound: false` is the plain DP, kept as the reference the bounded one is tested against.
  const bounds: Bounds = opts.bound === false ? { relaxations: [], incumbent: Infinity } : lagrangeBounds(chain, o);
  const base = { chain, o, bounds, restX, restY, keys };
  const dual = bounds.relaxations[0]?.dual;
  // A bound on the objective itself is one more limit; the final front keeps what meets it exactly.
  const within = (nodes: PathNode[]): PathNode[] => nodes.filter((n) => n[o.objective] <= o.capObjective);
  if (dual !== undefined && Number.isFinite(bounds.incumbent)) {
    const gap = bounds.incumbent - dual;
    for (const share of [1 / 16, 1 / 4]) {
      const limit = Math.min(slack(dual + gap * share), slack(o.capObjective));
      const found = pass({ ...base, limit });
      if (found.some((n) => n[o.objective] <= limit)) return within(found);
    }
  }
  return within(pass({ ...base, limit: Math.min(slack(bounds.incumbent), slack(o.capObjective)) }));
}

export function choicesOf(n: PathNode): number[] {
  const out: number[] = [];
  for (let p: PathNode | null = n; p !== null && p.choice >= 0; p = p.parent) out.push(p.choice);
  return out.reverse();
}

/** The node minimising `key` lexicographically (undefined for an empty front). */
export function best(nodes: readonly PathNode[], key: (n: PathNode) => number[]): PathNode | undefined {
  let pick: PathNode | undefined;
  let pickKey: number[] = [];
  for (const n of nodes) {
    const k = key(n);
    const i = k.findIndex((v, j) => v !== pickKey[j]);
    if (pick === undefined || (i >= 0 && k[i]! < pickKey[i]!)) {
      pick = n;
      pickKey = k;
    }
  }
  return pick;
}
