/**
 * Per-kernel time of a backend (bench:pruning:speed --profile; issue #15): every registered
 * kernel of the backend is wrapped with a timer, and each call's time is charged to its kernel
 * and input shapes *exclusive* of the kernels it calls itself (our WASM training kernels call
 * BatchMatMul, Conv2D and Transpose). Kernels run synchronously on WASM and CPU, so wall time
 * per call is the kernel's time.
 */
import { getKernelsForBackend, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

export interface KernelProfile {
  /** Forget the times so far. */
  reset(): void;
  /** The `top` most expensive kernel × shapes, as "ms per step" lines for `steps` steps. */
  report(steps: number, top?: number): string[];
  /** Put the original kernels back. */
  stop(): void;
}

export function profileKernels(backendName: string): KernelProfile {
  const times = new Map<string, { ms: number; calls: number }>();
  /** Time spent in nested kernel calls, per open call. */
  const nested: number[] = [];
  const originals = getKernelsForBackend(backendName);
  for (const k of originals) {
    const run = k.kernelFunc;
    const timed = (args: { inputs: Record<string, TensorInfo | undefined> }): unknown => {
      const t0 = performance.now();
      nested.push(0);
      try {
        return run(args as never);
      } finally {
        const ms = performance.now() - t0;
        const inner = nested.pop()!;
        if (nested.length > 0) nested[nested.length - 1]! += ms;
        const key = `${k.kernelName} ${Object.values(args.inputs)
          .map((i) => (i ? `[${i.shape.join(',')}]` : '-'))
          .join(' ')}`;
        const e = times.get(key) ?? { ms: 0, calls: 0 };
        e.ms += ms - inner;
        e.calls++;
        times.set(key, e);
      }
    };
    unregisterKernel(k.kernelName, backendName);
    registerKernel({ ...k, kernelFunc: timed as unknown as KernelFunc });
  }
  return {
    reset: () => times.clear(),
    report: (steps, top = 15) => {
      const total = [...times.values()].reduce((a, e) => a + e.ms, 0);
      return [
        `kernels ${(total / steps).toFixed(1)} ms per step in all`,
        ...[...times]
          .sort((a, b) => b[1].ms - a[1].ms)
          .slice(0, top)
          .map(([key, e]) => `${(e.ms / steps).toFixed(2).padStart(7)} ms  ${(e.calls / steps).toFixed(0).padStart(3)}x  ${key}`),
      ];
    },
    stop: () => {
      for (const k of originals) {
        unregisterKernel(k.kernelName, backendName);
        registerKernel(k as KernelConfig);
      }
    },
  };
}
