/**
 * Add for the WASM backend, wrapping TF.js's own: a bias added to every row (x [..., C] + b [C],
 * each layer's forward pass) runs as a WebAssembly SIMD loop, four channels at a time; TF.js's
 * broadcasting add took 0.6–0.9 ms of a LeNet-5 step for conv1's [64,24,24,20]. One float32
 * addition per element either way, so the results are bit-identical. Other adds go to the
 * original kernel.
 */
import { util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, wrapKernel, type WasmBackendLike } from './common.js';
import { I32, addTo, bindModule, channelBytes, f32, forLoop, frame, get, i32, set, v128, type WasmFunction } from './emit.js';

type AddArgs = { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackendLike; attrs: Record<string, never> };

const ADD = frame(['x', 'b', 'out', 'R', 'C'] as const, { r: I32, c: I32, row: I32, dst: I32, vend: I32, cb: I32 });

/** out[r, c] = x[r, c] + b[c]. */
function addRowsFunction(): WasmFunction {
  const L = ADD.at;
  const at = (base: number): number[] => [...get(base), ...get(L.c), ...i32.add];
  const body = [
    ...channelBytes(L.C, L.cb, L.vend),
    ...get(L.x), ...set(L.row),
    ...get(L.out), ...set(L.dst),
    ...forLoop(L.r, i32.const(0), get(L.R), 1,
      forLoop(L.c, i32.const(0), get(L.vend), 16, [...at(L.dst), ...at(L.row), ...v128.load(), ...at(L.b), ...v128.load(), ...v128.f32x4Add, ...v128.store()]),
      forLoop(L.c, get(L.vend), get(L.cb), 4, [...at(L.dst), ...at(L.row), ...f32.load(), ...at(L.b), ...f32.load(), ...f32.add, ...f32.store()]),
      addTo(L.row, get(L.cb)),
      addTo(L.dst, get(L.cb)),
    ),
  ];
  return { name: 'addRows', params: ADD.params, locals: ADD.locals, body };
}

/** Our Add around the backend's own (`original`). */
export function addBiasConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<AddArgs>(original, (args, fallback) => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    const C = a.shape[a.shape.length - 1] ?? 0;
    const bias = a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length === 1 && b.shape[0] === C && C > 0;
    if (!bias) return fallback(args);
    const out = backend.makeOutput([...a.shape], 'float32');
    const { exports } = bindModule(backend, 'addRows', () => [addRowsFunction()]);
    const R = util.sizeFromShape(a.shape) / C;
    (exports.addRows as (...a: number[]) => void)(heapOffset(backend, a, 'Add'), heapOffset(backend, b, 'Add'), heapOffset(backend, out, 'Add'), R, C);
    return out;
  });
}
