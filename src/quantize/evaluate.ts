/** Accuracy of an int8 graph in the bit-exact reference interpreter (the oracle for the C). */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import type { ModelGraph } from '../ir/graph.js';
import { prepare, runPlan } from '../interp/index.js';
import { quantizeInput } from './ptq.js';

export function evaluateInt8(g: ModelGraph, data: Dataset, limit = data.y.length): number {
  const plan = prepare(g);
  const inQ = g.tensors[g.inputs[0]!]!.quant!;
  const per = sampleSize(data);
  const n = Math.min(limit, data.y.length);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const out = runPlan(plan, [quantizeInput(data.x.subarray(i * per, (i + 1) * per), inQ)]).outputs[0]!;
    const v = new Int8Array(out.buffer, out.byteOffset, out.length);
    let best = 0;
    for (let k = 1; k < v.length; k++) if (v[k]! > v[best]!) best = k;
    if (best === data.y[i]) correct++;
  }
  return correct / n;
}
