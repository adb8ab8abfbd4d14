/**
 * Sum for the WASM backend, wrapping TF.js's own. A reduction over leading axes (a bias
 * gradient: dy [N, H, W, C] summed to [C]) makes TF.js transpose the tensor so the reduced axes
 * are innermost and then sum each output sequentially: 1.3 ms of a LeNet-5 step for conv1's
 * [64,24,24,20]. Here the rows are added into the outputs in row order, four columns at a time,
 * without the transpose: each output is the same sequence of float32 additions from 0, so the
 * results are bit-identical. Other reductions go to the original kernel.
 */
import { util, type KernelConfig, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, wrapKernel, type WasmBackendLike } from './common.js';
import { I32, addTo, bindModule, channelBytes, f32, forLoop, frame, get, i32, set, v128, type WasmFunction } from './emit.js';

type SumArgs = { inputs: { x: TensorInfo }; backend: WasmBackendLike; attrs: SumAttrs };

const SUM = frame(['x', 'out', 'R', 'C'] as const, { r: I32, c: I32, row: I32, vend: I32, cb: I32 });

/** out[c] = Σ_r x[r, c] (out zeroed here), rows in order. */
function columnSumFunction(): WasmFunction {
  const L = SUM.at;
  const at = (base: number): number[] => [...get(base), ...get(L.c), ...i32.add];
  const body = [
    ...channelBytes(L.C, L.cb, L.vend),
    ...forLoop(L.c, i32.const(0), get(L.cb), 4, [...at(L.out), ...f32.zero, ...f32.store()]),
    ...get(L.x), ...set(L.row),
    ...forLoop(L.r, i32.const(0), get(L.R), 1,
      forLoop(L.c, i32.const(0), get(L.vend), 16, [...at(L.out), ...at(L.out), ...v128.load(), ...at(L.row), ...v128.load(), ...v128.f32x4Add, ...v128.store()]),
      forLoop(L.c, get(L.vend), get(L.cb), 4, [...at(L.out), ...at(L.out), ...f32.load(), ...at(L.row), ...f32.load(), ...f32.add, ...f32.store()]),
      addTo(L.row, get(L.cb)),
    ),
  ];
  return { name: 'columnSum', params: SUM.params, locals: SUM.locals, body };
}

/** Our Sum around the backend's own (`original`). */
export function sumConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<SumArgs>(original, (args, fallback) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading || util.sizeFromShape(x.shape) === 0) return fallback(args);
    const R = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(k);
    const out = backend.makeOutput(attrs.keepDims ? [...Array<number>(k).fill(1), ...rest] : rest, 'float32');
    const C = rest.reduce((a, b) => a * b, 1);
    const { exports } = bindModule(backend, 'columnSum', () => [columnSumFunction()]);
    (exports.columnSum as (...a: number[]) => void)(heapOffset(backend, x, 'Sum'), heapOffset(backend, out, 'Sum'), R, C);
    return out;
  });
}
