/**
 * The smallest flash, instructions or peak RAM any assignment reaches, ignoring the other
 * budgets: a shortest path along the chain (Viterbi), with + for the additive resources and
 * max for RAM. Used to explain an infeasible budget ("the smallest flash reachable is …").
 */
import type { Chain, Step } from './model.js';

export interface ChainFloor {
  /** Without the fixed part. */
  value: number;
  choices: number[];
}

function argmin(xs: Float64Array): number {
  let k = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[k]!) k = i;
  return k;
}

export function chainFloor(chain: Chain, cost: (s: Step) => Float64Array, combine: 'sum' | 'max'): ChainFloor {
  const join = combine === 'sum' ? (a: number, b: number) => a + b : Math.max;
  let score = Float64Array.of(combine === 'sum' ? 0 : chain.constantRam);
  const back: Int32Array[] = [];
  for (const step of chain.steps) {
    const w = cost(step);
    const next = new Float64Array(step.cols).fill(Infinity);
    const from = new Int32Array(step.cols);
    const anyPrev = argmin(score);
    for (let c = 0; c < step.cols; c++) {
      for (let row = 0; row < step.rows; row++) {
        const prev = step.coupled ? row : anyPrev;
        const v = join(score[prev]!, w[row * step.cols + c]!);
        if (v < next[c]!) {
          next[c] = v;
          from[c] = prev;
        }
      }
    }
    back.push(from);
    score = next;
  }
  let c = argmin(score);
  const value = score[c]!;
  const choices: number[] = [];
  for (let i = back.length - 1; i >= 0; i--) {
    choices.push(c);
    c = back[i]![c]!;
  }
  return { value, choices: choices.reverse() };
}
