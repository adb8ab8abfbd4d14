/**
 * The contract between the planner and a kernel file. A kernel's prepare() validates the
 * operator (shapes, types, quantization, options) and computes every per-op constant; the
 * returned run() then executes blindly, TFLM-style (Prepare on the host, Eval on the device).
 */
import type { PrepareContext } from './common.js';
import type { TensorStore } from './tensor_store.js';

export interface PreparedOp<P = unknown> {
  /**
   * Plain data (JSON-serialisable) describing exactly what the kernel computes with: dtype
   * variant, shapes, offsets, multipliers/shifts, activation bounds. C code generation must
   * emit these same numbers.
   */
  params: P;
  /** Executes the operator on the current run's tensors. */
  run(store: TensorStore): void;
}

export interface OpKernel {
  /** TFLite BuiltinOperator name, e.g. 'CONV_2D'. */
  opcode: string;
  prepare(ctx: PrepareContext): PreparedOp;
}
