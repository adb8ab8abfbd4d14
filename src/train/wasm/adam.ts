/**
 * Adam as one pass per parameter on the WASM backend, bit-identical to tf.train.adam.
 *
 * TF.js's Adam runs a dozen element-wise kernels per variable and step (two multiplies and an
 * add per moment, a square, two divisions by the bias corrections, a square root, an add of
 * epsilon, a division, a multiply and an add), each a pass over memory: on LeNet-300-100 they
 * took ≈1.3 ms of a 7 ms step. Here one small WASM module, sharing the backend's memory, does
 * the same float32 operations in the same order on four lanes at a time (WASM SIMD), in one
 * pass: IEEE float32 multiply, add, divide and square root are exact to the rounding, so every
 * value equals TF.js's. Elements past the last multiple of 4 are done in JavaScript with
 * Math.fround after each operation (double then float rounding is exact for +, ×, ÷, √).
 *
 * The moments are the optimizer's own tensors, updated in place; the new weights go to a new
 * tensor that the variable is assigned (as TF.js does), since a variable's data may be shared.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, type WasmBackendLike } from './common.js';
import { F32, I32, V128, bindModule, forLoop, get, i32, set, tee, v128, type WasmFunction, type WasmMemory } from './emit.js';

/** The arguments of the module's `adam` function, in order (pointers are byte offsets). */
interface AdamScalars {
  b1: number;
  omb1: number;
  b2: number;
  omb2: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ (float32, as TF.js computes them). */
  omab1: number;
  omab2: number;
  eps: number;
  negLr: number;
}

// --- The module (WebAssembly core spec 1.0 + fixed-width SIMD). ------------------------------
const { f32x4Splat: splat, f32x4Sqrt: sqrt, f32x4Add: add, f32x4Mul: mul, f32x4Div: div } = v128;
const load = v128.load();
const store = v128.store();

// Parameters: wIn, wOut, g, m, v (byte offsets), n4 (elements, a multiple of 4), then the
// AdamScalars in declaration order. Locals: i, end (bytes), the splatted scalars, g, m', v'.
const P = { wIn: 0, wOut: 1, g: 2, m: 3, v: 4, n4: 5, b1: 6, omb1: 7, b2: 8, omb2: 9, omab1: 10, omab2: 11, eps: 12, negLr: 13 };
const L = { i: 14, end: 15, b1: 16, omb1: 17, b2: 18, omb2: 19, omab1: 20, omab2: 21, eps: 22, negLr: 23, g: 24, m: 25, v: 26 };
const at = (ptr: number): number[] => [...get(ptr), ...get(L.i), ...i32.add];

function adamFunction(): WasmFunction {
  const splats = (['b1', 'omb1', 'b2', 'omb2', 'omab1', 'omab2', 'eps', 'negLr'] as const).flatMap((k) => [...get(P[k]), ...splat, ...set(L[k])]);
  const body = [
    ...splats,
    ...get(P.n4), ...i32.const(2), ...i32.shl, ...set(L.end), // end = n4 << 2
    ...forLoop(L.i, i32.const(0), get(L.end), 16,
      [...at(P.g), ...load, ...set(L.g)],
      // m' = m·β₁ + g·(1−β₁)
      [...at(P.m), ...at(P.m), ...load, ...get(L.b1), ...mul, ...get(L.g), ...get(L.omb1), ...mul, ...add, ...tee(L.m), ...store],
      // v' = v·β₂ + g²·(1−β₂)
      [...at(P.v), ...at(P.v), ...load, ...get(L.b2), ...mul, ...get(L.g), ...get(L.g), ...mul, ...get(L.omb2), ...mul, ...add, ...tee(L.v), ...store],
      // w' = (m'/(1−β₁ᵗ)) / (√(v'/(1−β₂ᵗ)) + ε) · (−lr) + w
      [
        ...at(P.wOut),
        ...get(L.m), ...get(L.omab1), ...div,
        ...get(L.v), ...get(L.omab2), ...div, ...sqrt, ...get(L.eps), ...add,
        ...div, ...get(L.negLr), ...mul,
        ...at(P.wIn), ...load, ...add, ...store,
      ],
    ),
  ];
  return { name: 'adam', params: [...Array<number>(6).fill(I32), ...Array<number>(8).fill(F32)], locals: [I32, I32, ...Array<number>(11).fill(V128)], body };
}

type AdamFn = (wIn: number, wOut: number, g: number, m: number, v: number, n4: number, ...s: number[]) => void;

function instance(backend: WasmBackendLike): { memory: WasmMemory; adam: AdamFn } {
  const b = bindModule(backend, 'adam', () => [adamFunction()]);
  return { memory: b.memory, adam: b.exports.adam as AdamFn };
}

const fr = Math.fround;

/** Adam (β₁ 0.9, β₂ 0.999, ε = the backend's epsilon, as tf.train.adam) in one pass per parameter. */
export class FusedAdam {
  private readonly m = new Map<string, tf.Tensor>();
  private readonly v = new Map<string, tf.Tensor>();
  /** β₁ᵗ and β₂ᵗ as float32 (TF.js's accBeta variables). */
  private acc1: number;
  private acc2: number;
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;

  constructor(
    private readonly learningRate: number,
    private readonly backend: WasmBackendLike = tf.backend() as unknown as WasmBackendLike,
  ) {
    this.acc1 = fr(this.beta1);
    this.acc2 = fr(this.beta2);
    instance(backend);
  }

  /** One step: each variable moves by its gradient (grads by variable name; missing ones stay). */
  applyGradients(vars: tf.Variable[], grads: tf.NamedTensorMap): void {
    const s: AdamScalars = {
      b1: fr(this.beta1),
      omb1: fr(1 - this.beta1),
      b2: fr(this.beta2),
      omb2: fr(1 - this.beta2),
      omab1: fr(1 - this.acc1),
      omab2: fr(1 - this.acc2),
      eps: fr(tf.backend().epsilon()),
      negLr: fr(-this.learningRate),
    };
    for (const w of vars) {
      const g = grads[w.name];
      if (!g) continue;
      if (!this.m.has(w.name)) {
        this.m.set(w.name, tf.zeros(w.shape));
        this.v.set(w.name, tf.zeros(w.shape));
      }
      const out = this.step(w, g, this.m.get(w.name)!, this.v.get(w.name)!, s);
      w.assign(out);
      out.dispose();
    }
    this.acc1 = fr(this.acc1 * fr(this.beta1));
    this.acc2 = fr(this.acc2 * fr(this.beta2));
  }

  private step(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamScalars): tf.Tensor {
    const b = this.backend;
    const info = b.makeOutput(w.shape, 'float32');
    const out = tf.engine().makeTensorFromTensorInfo(info, b as never);
    const [pw, po, pg, pm, pv] = [w, out, g, m, v].map((t) => heapOffset(b, t, 'Adam')) as [number, number, number, number, number];
    const n = w.size;
    const n4 = n & ~3;
    const { memory, adam } = instance(b);
    adam(pw, po, pg, pm, pv, n4, s.b1, s.omb1, s.b2, s.omb2, s.omab1, s.omab2, s.eps, s.negLr);
    if (n4 < n) {
      const f = (p: number): Float32Array => new Float32Array(memory.buffer, p, n);
      const [W, O, G, M, V] = [f(pw), f(po), f(pg), f(pm), f(pv)];
      for (let i = n4; i < n; i++) {
        const gi = G[i]!;
        const mi = fr(fr(M[i]! * s.b1) + fr(gi * s.omb1));
        const vi = fr(fr(V[i]! * s.b2) + fr(fr(gi * gi) * s.omb2));
        M[i] = mi;
        V[i] = vi;
        const den = fr(fr(Math.sqrt(fr(vi / s.omab2))) + s.eps);
        O[i] = fr(fr(fr(fr(mi / s.omab1) / den) * s.negLr) + W[i]!);
      }
    }
    return out;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
