/**
 * BatchMatMul for the WASM backend, wrapping TF.js's own. Its XNNPACK path only covers
 * untransposed operands; with transposeA or transposeB it falls back to a plain loop that was
 * 10-20x slower on training shapes (measured on [64,784]·[300,784]ᵀ: 13.6 ms against 1.1 ms).
 * Every dense layer hits both cases: the forward pass multiplies by Wᵀ (TFLite keeps FC
 * weights as [out, in]) and the weight gradient is dyᵀ·x. So a transposed operand is
 * transposed once by the backend's Transpose kernel (a memory pass, far cheaper than the
 * product) and the product runs on the fast path.
 */
import { getKernel, type BatchMatMulAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { TinypruneError } from '../../errors.js';
import { wrapKernel, type WasmBackendLike } from './common.js';

type MatMulArgs = { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackendLike; attrs: BatchMatMulAttrs };

/** x with its last two axes swapped, as a new tensor (the caller disposes it). */
export function transposeLast2(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const transpose = getKernel('Transpose', 'wasm');
  if (!transpose) throw new TinypruneError('E_BACKEND', 'the WASM backend has no Transpose kernel', { where: 'BatchMatMul' });
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return transpose.kernelFunc({ inputs: { x }, backend: backend as never, attrs: { perm } }) as TensorInfo;
}

/** Our BatchMatMul around the backend's own (`original`), which keeps its setup function. */
export function batchMatMulConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<MatMulArgs>(original, (args, fast) => {
    const { inputs, backend, attrs } = args;
    if (!attrs.transposeA && !attrs.transposeB) return packingPays(inputs.a.shape, inputs.b.shape) ? transposedProduct(args, fast) : fast(args);
    if (!attrs.transposeA && swapPays(inputs.a.shape, inputs.b.shape)) return transposedProduct(args, fast);
    const a = attrs.transposeA ? transposeLast2(backend, inputs.a) : inputs.a;
    const b = attrs.transposeB ? transposeLast2(backend, inputs.b) : inputs.b;
    try {
      return fast({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      if (a !== inputs.a) backend.disposeData(a.dataId);
      if (b !== inputs.b) backend.disposeData(b.dataId);
    }
  });
}

/**
 * a·bᵀ as (b·aᵀ)ᵀ pays when a is the smaller operand: XNNPACK packs its second operand on
 * every call (a new tensor each step), so the plain route moves b twice (transpose, pack) and
 * this one moves a twice and the product once. The forward pass of a dense layer, x[64, 784]
 * by W[300, 784]ᵀ: 470 K values moved against 120 K. Rank 2 only.
 */
function swapPays(a: number[], b: number[]): boolean {
  if (a.length !== 2 || b.length !== 2) return false;
  const [m, k] = a as [number, number];
  const n = b[0]!;
  return 2 * m * k + m * n < 2 * n * k;
}

/**
 * a·b as (bᵀ·aᵀ)ᵀ when b is large and a small: XNNPACK packs b on every call, at 3–4 times the
 * cost of transposing it; this way b is transposed, and the small aᵀ packed. A dense layer's
 * input gradient dy·W: LeNet-5's fc1, [64,500]·[500,800], 3.25 → 1.96 ms (40 calls each with a
 * new b, alternated in one run); [64,256]·[256,1568] 3.08 → 2.99; [64,100]·[100,300] 0.18 →
 * 0.31, so only for large b. Rank 2 only.
 */
function packingPays(a: number[], b: number[]): boolean {
  if (a.length !== 2 || b.length !== 2) return false;
  const [m, k] = a as [number, number];
  const n = b[1]!;
  return k * n >= 200_000 && k * n >= 4 * (m * k + m * n);
}

/** The product as the transpose of b'·aᵀ, with b' = b where the product is a·bᵀ, else bᵀ. */
function transposedProduct(args: MatMulArgs, fast: (args: MatMulArgs) => TensorInfo): TensorInfo {
  const { inputs, backend, attrs } = args;
  const bt = attrs.transposeB ? inputs.b : transposeLast2(backend, inputs.b);
  const at = transposeLast2(backend, inputs.a);
  let product: TensorInfo | undefined;
  try {
    product = fast({ inputs: { a: bt, b: at }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    return transposeLast2(backend, product);
  } finally {
    backend.disposeData(at.dataId);
    if (bt !== inputs.b) backend.disposeData(bt.dataId);
    if (product) backend.disposeData(product.dataId);
  }
}

/** a·b with untransposed operands on the backend's BatchMatMul (rank ≥ 2, batch dims broadcast). */
export function matMul(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo): TensorInfo {
  const k = getKernel('BatchMatMul', 'wasm');
  if (!k) throw new TinypruneError('E_BACKEND', 'the WASM backend has no BatchMatMul kernel', { where: 'WASM training kernel' });
  return k.kernelFunc({ inputs: { a, b }, backend: backend as never, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
}
