/**
 * Element-wise binary operators (ADD, MUL): shape checks and numpy-style broadcasting. TFLM
 * computes every output element from one element of each input (BroadcastBinaryFunction6DSlow),
 * so the iteration order does not change any result; only the index mapping matters.
 */
import { opError, sameShape, stridesOf, type PrepareContext, type TensorRef } from '../common.js';

export interface BroadcastPlan {
  /** Output shape (the model's output tensor shape). */
  outputShape: number[];
  /** False when both inputs have the output's shape: a flat loop is enough. */
  requiresBroadcast: boolean;
  /** Per output dim, the element stride into each input (0 on broadcast dims). */
  input1Strides: number[];
  input2Strides: number[];
}

export function broadcastPlan(ctx: PrepareContext, in1: TensorRef, in2: TensorRef, out: TensorRef): BroadcastPlan {
  const a = in1.tensor.shape;
  const b = in2.tensor.shape;
  const o = out.tensor.shape;
  const rank = Math.max(a.length, b.length);
  const expected: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw opError(ctx, 'E_IR_INVALID', `input shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    expected.push(da === 1 ? db : da);
  }
  if (!elementsEqual(expected, o)) {
    throw opError(ctx, 'E_IR_INVALID', `output shape [${o.join(', ')}] is not the broadcast shape [${expected.join(', ')}]`, {
      tensor: out.index,
    });
  }
  const strides = (shape: readonly number[]): number[] => {
    const s = stridesOf(shape);
    const res: number[] = [];
    for (let i = 0; i < o.length; i++) {
      const k = shape.length - o.length + i;
      const d = k >= 0 ? (shape[k] as number) : 1;
      res.push(d === 1 ? 0 : (s[k] as number));
    }
    return res;
  };
  return {
    outputShape: [...o],
    requiresBroadcast: !(sameShape(a, o) && sameShape(b, o)),
    input1Strides: strides(a),
    input2Strides: strides(b),
  };
}

function elementsEqual(a: readonly number[], b: readonly number[]): boolean {
  // Leading 1s may be dropped or added: [1, 4] and [4] describe the same elements.
  const strip = (s: readonly number[]): number[] => {
    let i = 0;
    while (i < s.length - 1 && s[i] === 1) i++;
    return s.slice(i);
  };
  return sameShape(strip(a), strip(b));
}

/**
 * Calls f(outIndex, in1Index, in2Index) for every output element in row-major order.
 */
export function forEachBroadcast(p: BroadcastPlan, f: (o: number, i1: number, i2: number) => void): void {
  const shape = p.outputShape;
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (!p.requiresBroadcast) {
    for (let i = 0; i < total; i++) f(i, i, i);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let i1 = 0;
  let i2 = 0;
  for (let o = 0; o < total; o++) {
    f(o, i1, i2);
    // Increment the multi-index (last dim fastest), keeping the input offsets in step.
    for (let d = rank - 1; d >= 0; d--) {
      const cur = (idx[d] as number) + 1;
      if (cur < (shape[d] as number)) {
        idx[d] = cur;
        i1 += p.input1Strides[d] as number;
        i2 += p.input2Strides[d] as number;
        break;
      }
      idx[d] = 0;
      i1 -= (p.input1Strides[d] as number) * ((shape[d] as number) - 1);
      i2 -= (p.input2Strides[d] as number) * ((shape[d] as number) - 1);
    }
  }
}
