/**
 * tp_config.h: what a generated library tells the runtime kernels at compile time, so code a
 * model never runs is not compiled (issue #14, flash). Each macro has a default in
 * firmware/kernels/tp_kernel_util.h that keeps every path, for kernels built without a
 * generated library (tests, users calling the kernels directly).
 */
import type { CInit, KernelCall, KernelPlan } from './types.js';
import { assertKernelParams, intOf, kernelChecksOnHost } from './param-checks.js';

export interface ConfigMacro {
  name: string;
  value: 0 | 1;
  /** What 1 and 0 mean, for the comment above the #define. */
  comment: string;
}

function field(p: CInit | undefined, ...path: string[]): number | undefined {
  let v: CInit | undefined = p;
  for (const k of path) v = v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v[k] : undefined;
  return intOf(v);
}

/**
 * Whether an int8 CONV_2D call takes the pointwise path of the dsp kernel: a 1x1 filter over
 * every input channel, no padding, and output pixels that map onto input pixels. The same test
 * as firmware/kernels/dsp/tp_conv_2d_s8.c makes at run time; a call this cannot read counts as
 * not pointwise (the general path stays compiled).
 */
export function isPointwiseConv(c: KernelCall): boolean {
  const p = c.params;
  const [inH, inW, inC] = [field(p, 'input', 'h'), field(p, 'input', 'w'), field(p, 'input', 'c')];
  const [outH, outW] = [field(p, 'output', 'h'), field(p, 'output', 'w')];
  const [sH, sW] = [field(p, 'stride_h'), field(p, 'stride_w')];
  if ([inH, inW, inC, outH, outW, sH, sW].some((v) => v === undefined)) return false;
  return (
    field(p, 'filter', 'h') === 1 &&
    field(p, 'filter', 'w') === 1 &&
    field(p, 'filter', 'c') === inC &&
    field(p, 'pad_h') === 0 &&
    field(p, 'pad_w') === 0 &&
    (outH! - 1) * sH! < inH! &&
    (outW! - 1) * sW! < inW!
  );
}

/**
 * Whether an int8 DEPTHWISE_CONV_2D call takes the 3x3 path of the dsp kernel: 3x3 filter,
 * depth multiplier 1, dilation 1, at least one 4-channel block (the test
 * firmware/kernels/dsp/tp_depthwise_conv_2d_s8.c makes at run time); unreadable counts as not.
 */
export function isDepthwise3x3(c: KernelCall): boolean {
  const p = c.params;
  return (
    field(p, 'depth_multiplier') === 1 &&
    field(p, 'filter', 'h') === 3 &&
    field(p, 'filter', 'w') === 3 &&
    field(p, 'dilation_h') === 1 &&
    field(p, 'dilation_w') === 1 &&
    (field(p, 'input', 'c') ?? 0) >= 4
  );
}

/** The dsp depthwise kernel's 3x3 border patch holds this many channels (TP_DW3_PATCH_C). */
const DW3_PATCH_C = 128;
/** The dsp pointwise kernel expands pixel pairs of up to this many input channels (TP_PW_XMAX). */
const PW_XMAX = 256;

/** The dsp requantisation forms (TP_RQ_ANY, TP_RQ_RIGHT, TP_RQ_FULL in firmware/kernels/dsp/tp_requant_dsp.h). */
type RqMode = 'any' | 'right' | 'full';

/**
 * The form tp_rq_mode (firmware/kernels/dsp/tp_requant_dsp.h) picks at run time for a dsp int8
 * CONV_2D (pointwise path: taps = input channels) or DEPTHWISE_CONV_2D (3x3 path: 9 taps) call,
 * or undefined where a value cannot be read. Only what is compiled depends on it: TP_RQ_ANY is
 * always there and is exact for every call, so a wrong answer here costs speed, never results.
 */
function rqMode(c: KernelCall, consts: ReadonlyMap<string, ArrayLike<number>>): RqMode | undefined {
  const p = c.params;
  const taps = c.kernel === 'tp_depthwise_conv_2d_s8' ? 9 : field(p, 'input', 'c');
  const shiftSym = p !== undefined && typeof p === 'object' && !Array.isArray(p) ? p['output_shift'] : undefined;
  const shifts = typeof shiftSym === 'string' ? consts.get(shiftSym) : undefined;
  const biasSym = c.args[3];
  const bias = biasSym === 'NULL' ? [] : biasSym !== undefined ? consts.get(biasSym) : undefined;
  const [lo, hi] = [field(p, 'activation_min'), field(p, 'activation_max')];
  if (taps === undefined || shifts === undefined || bias === undefined || lo === undefined || hi === undefined) return undefined;
  const limit = 2 ** 30 - taps * 128 * 255;
  if (limit <= 0) return 'any';
  for (let i = 0; i < shifts.length; i++) if (shifts[i]! >= 0) return 'any';
  for (let i = 0; i < bias.length; i++) if (bias[i]! >= limit || bias[i]! <= -limit) return 'any';
  return lo === -128 && hi === 127 ? 'full' : 'right';
}

/** A call whose filter the generator packed in channel pairs (tp_conv_s8_params.pw_pairs). */
const isPacked = (c: KernelCall): boolean => (c.params as Record<string, unknown>)['pw_pairs'] === '1';

/** The macros of a plan's tp_config.h (its calls' parameters are checked first: E_CODEGEN). */
export function kernelConfig(plan: Pick<KernelPlan, 'calls' | 'consts'>): ConfigMacro[] {
  assertKernelParams(plan);
  const convs = plan.calls.filter((c) => c.kernel === 'tp_conv_2d_s8');
  const depthwise = plan.calls.filter((c) => c.kernel === 'tp_depthwise_conv_2d_s8');
  const consts = new Map(plan.consts.map((k) => [k.symbol, k.values] as const));
  const rqModes = [...convs, ...depthwise].map((c) => rqMode(c, consts));
  const rqMay = (m: RqMode): 0 | 1 => (rqModes.some((x) => x === undefined || x === m) ? 1 : 0);
  return [
    {
      name: 'TP_KERNEL_CHECKS',
      value: kernelChecksOnHost(plan) ? 0 : 1,
      comment:
        '0: every kernel call\'s parameters were checked when this code was generated\n * (src/codegen/param-checks.ts), so the kernels do not check them again on the device.\n * 1: some kernel\'s checks are not made on the host; every kernel checks its arguments.',
    },
    {
      name: 'TP_CONV_2D_S8_ALL_POINTWISE',
      value: convs.length > 0 && convs.every(isPointwiseConv) ? 1 : 0,
      comment:
        '1: every int8 CONV_2D of this model is pointwise (1x1, no padding: src/codegen/kernel-config.ts\n * isPointwiseConv), so a kernel may leave its other paths out. 0: keep them.',
    },
    {
      name: 'TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4',
      // A call whose multiplier cannot be read counts as one that needs the blocks.
      value: depthwise.some((c) => (field(c.params, 'depth_multiplier') ?? 4) >= 4) ? 1 : 0,
      comment:
        '1: some int8 DEPTHWISE_CONV_2D of this model has a depth multiplier of 4 or more (the dsp\n * kernel\'s dw_block8/dw_block4 path). 0: none has, a kernel may leave that path out.',
    },
    {
      name: 'TP_DEPTHWISE_CONV_2D_S8_ALL_3X3',
      value: depthwise.length > 0 && depthwise.every(isDepthwise3x3) ? 1 : 0,
      comment:
        '1: every int8 DEPTHWISE_CONV_2D of this model is 3x3, depth multiplier 1, dilation 1, with at\n * least 4 channels (src/codegen/kernel-config.ts isDepthwise3x3): a kernel may leave its other\n * paths out. 0: keep them.',
    },
    {
      name: 'TP_DEPTHWISE_CONV_2D_S8_WIDE',
      // Channels that cannot be read count as wide, and as a tail below.
      value: depthwise.some((c) => (field(c.params, 'input', 'c') ?? Infinity) > DW3_PATCH_C) ? 1 : 0,
      comment: `1: some int8 DEPTHWISE_CONV_2D of this model has more than ${DW3_PATCH_C} channels (the dsp kernel's\n * 3x3 border patch). 0: none has, a kernel may leave its path for wider layers out.`,
    },
    {
      name: 'TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL',
      value: depthwise.some((c) => (field(c.params, 'input', 'c') ?? 1) % 4 !== 0) ? 1 : 0,
      comment: '1: some int8 DEPTHWISE_CONV_2D of this model has a channel count that is not a multiple of 4.\n * 0: none has, a kernel may leave its per-channel tail out.',
    },
    {
      name: 'TP_CONV_2D_S8_DEEP',
      value: convs.some((c) => (field(c.params, 'input', 'c') ?? Infinity) > PW_XMAX) ? 1 : 0,
      comment: `1: some int8 CONV_2D of this model has more than ${PW_XMAX} input channels (the dsp pointwise\n * kernel's expanded pixel pair). 0: none has, a kernel may leave its path for deeper inputs out.`,
    },
    {
      name: 'TP_CONV_2D_S8_CHANNEL_TAIL',
      value: convs.some((c) => (field(c.params, 'input', 'c') ?? 1) % 4 !== 0 || (field(c.params, 'output', 'c') ?? 1) % 2 !== 0) ? 1 : 0,
      comment: '1: some int8 CONV_2D of this model has input channels not a multiple of 4 or an odd number\n * of output channels. 0: none has, a kernel may leave its channel tails out.',
    },
    {
      name: 'TP_CONV_2D_S8_PW_PAIRS',
      value: convs.some(isPacked) ? 1 : 0,
      comment: '1: some int8 CONV_2D of this model has its filter packed in channel pairs (pw_pairs,\n * src/codegen/ops/conv_pairs.ts). 0: none has, the dsp kernel may leave that path out.',
    },
    {
      name: 'TP_CONV_2D_S8_PW_LAST_PAIR',
      // Packed filters go in quads of channels; a last pair (output.c % 4 >= 2) runs a loop of its own.
      value: convs.some((c) => isPacked(c) && (field(c.params, 'output', 'c') ?? 2) % 4 >= 2) ? 1 : 0,
      comment: '1: some int8 CONV_2D of this model with a packed filter has a last pair of channels after its\n * quads (output.c % 4 >= 2). 0: none has, the dsp kernel may leave that loop out.',
    },
    {
      name: 'TP_RQ_FULL_USED',
      value: rqMay('full'),
      comment: '1: some dsp int8 CONV_2D or DEPTHWISE_CONV_2D call of this model may requantise in the TP_RQ_FULL\n * form (tp_requant_dsp.h). 0: none does, its loops may drop out (TP_RQ_ANY stays: exact for all).',
    },
    {
      name: 'TP_RQ_RIGHT_USED',
      value: rqMay('right'),
      comment: '1: some dsp int8 CONV_2D or DEPTHWISE_CONV_2D call of this model may requantise in the TP_RQ_RIGHT\n * form (tp_requant_dsp.h). 0: none does, its loops may drop out (TP_RQ_ANY stays: exact for all).',
    },
    {
      name: 'TP_CONV_2D_S8_PW_ROW_MAJOR',
      value: convs.some((c) => isPointwiseConv(c) && !isPacked(c)) ? 1 : 0,
      comment: '1: some pointwise int8 CONV_2D of this model keeps its filter as the model has it. 0: every one\n * is packed in channel pairs, the dsp kernel may leave its row-major pointwise paths out.',
    },
  ];
}
