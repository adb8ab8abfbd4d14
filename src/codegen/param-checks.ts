/**
 * The value checks of the int8 kernels (firmware/kernels/tp_kernel_checks.h and the TP_CHECKs
 * in the kernel files), made on the host on the parameters code generation emits. A generated
 * library passes them here once, so its kernels are compiled without them (tp_config.h,
 * TP_KERNEL_CHECKS 0): "validation in Prepare (host), Eval runs blindly" (docs STYLE), and
 * 0.5 KB less flash on the bench models (issue #14). Shapes and their relations come from the
 * graph, which the IR checks (E_IR_INVALID) and the interpreter's prepare have already passed.
 */
import { TinypruneError } from '../errors.js';
import type { CInit, ConstArray, KernelCall, KernelPlan } from './types.js';

/** A C integer literal as cgen.ts writes it ("-5", "(-2147483647 - 1)"), or undefined. */
export function intOf(v: CInit | undefined): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\(?(-?\d+)(?: - 1\))?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) - (v.includes(' - 1)') ? 1 : 0);
}

function fail(c: KernelCall, what: string, allowed: string): never {
  throw new TinypruneError('E_CODEGEN', `operator ${c.index} (${c.opcode}): ${what}`, {
    where: `operator ${c.index} (${c.opcode}) -> '${c.name}'`,
    allowed,
    hint: 'the quantisation parameters of this layer are outside what the int8 kernels take; re-quantise the model',
  });
}

function inRange(c: KernelCall, field: string, v: number | undefined, lo: number, hi: number): void {
  if (v !== undefined && (v < lo || v > hi)) fail(c, `${field} = ${v}`, `${field} in [${lo}, ${hi}]`);
}

/** Throws E_CODEGEN when a call's parameters would make its kernel return an error status. */
export function assertKernelParams(plan: Pick<KernelPlan, 'calls' | 'consts'>): void {
  const arrays = new Map<string, ConstArray>(plan.consts.map((a) => [a.symbol, a]));
  for (const c of plan.calls) {
    const p = c.params;
    if (c.alias || !c.paramsType?.endsWith('_s8_params') || p === undefined || typeof p !== 'object' || Array.isArray(p)) continue;
    const lo = intOf(p['activation_min']);
    const hi = intOf(p['activation_max']);
    inRange(c, 'activation_min', lo, -128, 127);
    inRange(c, 'activation_max', hi, lo ?? -128, 127);
    for (const f of ['input_offset', 'filter_offset']) inRange(c, f, intOf(p[f]), -255, 255);
    const mult = typeof p['output_multiplier'] === 'string' ? arrays.get(p['output_multiplier']) : undefined;
    const shift = typeof p['output_shift'] === 'string' ? arrays.get(p['output_shift']) : undefined;
    for (const v of Array.from(mult?.values ?? [])) inRange(c, 'output_multiplier', v, 0, 2147483647);
    for (const v of Array.from(shift?.values ?? [])) inRange(c, 'output_shift', v, -31, 30);
    if (c.paramsType === 'tp_softmax_s8_params') {
      inRange(c, 'depth', intOf(p['depth']), 1, 4095);
      inRange(c, 'input_multiplier', intOf(p['input_multiplier']), 0, 2147483647);
      inRange(c, 'input_left_shift', intOf(p['input_left_shift']), 0, 30);
      inRange(c, 'diff_min', intOf(p['diff_min']), -2147483648, 0);
    }
  }
}

/**
 * Kernels whose every TP_CHECK is a shape check the graph guarantees or a value check
 * assertKernelParams makes. A library that calls only these is generated with
 * TP_KERNEL_CHECKS 0; any other kernel (sparse, float, add, ...) keeps every kernel's checks.
 */
export const HOST_CHECKED_KERNELS: ReadonlySet<string> = new Set([
  'tp_conv_2d_s8',
  'tp_conv_2d_s8_small',
  'tp_depthwise_conv_2d_s8',
  'tp_fully_connected_s8',
  'tp_fully_connected_s8_stream_end',
  'tp_average_pool_2d_s8',
  'tp_max_pool_2d_s8',
  'tp_softmax_s8',
]);

/** Whether the kernels of a plan may skip their own checks (after assertKernelParams). */
export function kernelChecksOnHost(plan: Pick<KernelPlan, 'calls'>): boolean {
  return plan.calls.every((c) => c.alias || (c.kernel !== undefined && HOST_CHECKED_KERNELS.has(c.kernel)));
}
