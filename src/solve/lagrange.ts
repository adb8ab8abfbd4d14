/**
 * Lagrangian bounds that let the exact DP drop partial assignments early (branch and bound).
 *
 * For multipliers λ, μ ≥ 0 and any completion of a partial assignment (layers 0…i chosen,
 * x and y of the two capped sums used so far, caps X and Y):
 *   rest objective ≥ rest objective + λ(rest x − (X − x)) + μ(rest y − (Y − y))   (when it fits)
 *                  ≥ G_{i+1}(state) − λ(X − x) − μ(Y − y)
 * where G is the cost-to-go of the relaxed problem min Σ(objective + λ·x + μ·y), computed by
 * a backward pass over the chain (RAM points still filter transitions, so G = ∞ also says
 * "no completion fits in RAM"). If the bound plus what is spent exceeds a limit, no
 * completion of the partial reaches an objective within that limit; pareto.ts sets the limit
 * from the best lower bound (the dual) and a known feasible objective (the incumbent, taken
 * from the relaxed solutions that happen to fit), so the DP stays exact.
 *
 * Multipliers: μ = 0 and the smallest μ whose relaxed optimum fits the second cap (found by
 * doubling, then bisecting); for each, λ the same way for the first cap. Every multiplier
 * visited gives a valid bound; the KEPT with the best duals are tried on each partial.
 */
import type { Chain, Step } from './model.js';

export type Sum = 'flash' | 'instructions' | 'loss';

export interface Orientation {
  objective: Sum;
  /** The two capped sums and their caps (Infinity = not capped). */
  x: Sum;
  capX: number;
  y: Sum;
  capY: number;
  capRam: number;
  /** A bound on the objective itself (e.g. --latency when minimising instructions); Infinity = none. */
  capObjective: number;
}

interface Relaxation {
  lx: number;
  ly: number;
  /** costToGo[i][row]: best relaxed cost of steps i… from row `row` of step i. */
  costToGo: Float64Array[];
  dual: number;
}

export interface Bounds {
  relaxations: Relaxation[];
  /** Best objective of a complete assignment found within the caps (Infinity when none). */
  incumbent: number;
}

/** Row of step i+1 that choice c of step i leads to. */
function nextRow(chain: Chain, i: number, c: number): number {
  return chain.steps[i + 1]?.coupled === true ? c : 0;
}

function relax(chain: Chain, o: Orientation, lx: number, ly: number): { r: Relaxation; sums: Record<Sum, number> } {
  const n = chain.steps.length;
  const costToGo: Float64Array[] = new Array<Float64Array>(n + 1);
  costToGo[n] = Float64Array.of(0);
  const choice: Int32Array[] = new Array<Int32Array>(n);
  for (let i = n - 1; i >= 0; i--) {
    const s = chain.steps[i]!;
    const [obj, xs, ys, ram] = [s[o.objective], s[o.x], s[o.y], s.ram];
    const after = costToGo[i + 1]!;
    const keyed = chain.steps[i + 1]?.coupled === true;
    const g = new Float64Array(s.rows).fill(Infinity);
    const pick = new Int32Array(s.rows).fill(-1);
    for (let row = 0; row < s.rows; row++) {
      for (let c = 0; c < s.cols; c++) {
        const at = row * s.cols + c;
        if (ram[at]! > o.capRam) continue;
        const v = obj[at]! + lx * xs[at]! + ly * ys[at]! + after[keyed ? c : 0]!;
        if (v < g[row]!) {
          g[row] = v;
          pick[row] = c;
        }
      }
    }
    costToGo[i] = g;
    choice[i] = pick;
  }
  // Walk the relaxed optimum forwards to price it exactly.
  const sums: Record<Sum, number> = { flash: 0, instructions: 0, loss: 0 };
  let row = 0;
  for (let i = 0; i < n && Number.isFinite(costToGo[0]![0]!); i++) {
    const s: Step = chain.steps[i]!;
    const c = choice[i]![row]!;
    const at = row * s.cols + c;
    for (const k of ['flash', 'instructions', 'loss'] as const) sums[k] += s[k][at]!;
    row = nextRow(chain, i, c);
  }
  const dual = costToGo[0]![0]! - (lx === 0 ? 0 : lx * o.capX) - (ly === 0 ? 0 : ly * o.capY);
  return { r: { lx, ly, costToGo, dual }, sums };
}

function spread(chain: Chain, k: Sum): number {
  return chain.steps.reduce((s, st) => s + Math.max(...st[k]) - Math.min(...st[k]), 0);
}

const DOUBLINGS = 60;
const BISECTIONS = 16;
const KEPT = 16;

export function lagrangeBounds(chain: Chain, o: Orientation): Bounds {
  const all: Relaxation[] = [];
  let incumbent = Infinity;
  const run = (lx: number, ly: number): { fitsX: boolean; fitsY: boolean } => {
    const { r, sums } = relax(chain, o, lx, ly);
    if (!Number.isFinite(r.costToGo[0]![0]!)) return { fitsX: true, fitsY: true }; // nothing fits in RAM
    all.push(r);
    const fitsX = sums[o.x] <= o.capX;
    const fitsY = sums[o.y] <= o.capY;
    if (fitsX && fitsY) incumbent = Math.min(incumbent, sums[o.objective]);
    return { fitsX, fitsY };
  };
  const objectiveSpread = spread(chain, o.objective) || 1;
  // Smallest multiplier on one cap (the other fixed) whose relaxed optimum fits that cap.
  const search = (cap: number, sum: Sum, fits: (m: number) => boolean): number[] => {
    if (!Number.isFinite(cap) || fits(0)) return [0];
    let hi = objectiveSpread / (spread(chain, sum) || 1);
    let lo = 0;
    for (let k = 0; k < DOUBLINGS && !fits(hi); k++) [lo, hi] = [hi, hi * 2];
    for (let k = 0; k < BISECTIONS; k++) {
      const mid = lo === 0 ? hi / 2 : Math.sqrt(lo * hi);
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    return [lo, hi];
  };
  // μ: none, and the smallest that makes the relaxed optimum fit the second cap.
  const mus = search(o.capY, o.y, (m) => run(0, m).fitsY);
  for (const ly of new Set([0, mus[mus.length - 1]!])) search(o.capX, o.x, (l) => run(l, ly).fitsX);
  all.sort((a, b) => b.dual - a.dual);
  return { relaxations: all.slice(0, KEPT), incumbent };
}

/**
 * Lower bound on the objective still to come after step i, for a partial that used x and y
 * and sits in row `row` of step i+1. Infinity when no completion fits in RAM.
 */
export function restBound(b: Bounds, o: Orientation, i: number, row: number, x: number, y: number, limit: number): number {
  let lb = -Infinity;
  for (const r of b.relaxations) {
    const g = r.costToGo[i + 1]![row]!;
    const v = g - (r.lx === 0 ? 0 : r.lx * (o.capX - x)) - (r.ly === 0 ? 0 : r.ly * (o.capY - y));
    if (v > lb) {
      lb = v;
      if (lb > limit) break;
    }
  }
  return lb;
}
