/**
 * Host-side kernel parameter checks (src/codegen/param-checks.ts): what makes a generated
 * library compile its kernels without their own checks (tp_config.h, TP_KERNEL_CHECKS 0).
 */
import { describe, expect, it } from 'vitest';
import { assertKernelParams, kernelChecksOnHost } from '../../src/codegen/param-checks.js';
import { isPointwiseConv, kernelConfig } from '../../src/codegen/kernel-config.js';
import type { ConstArray, KernelCall } from '../../src/codegen/types.js';
import { isTinypruneError } from '../../src/errors.js';

const conv = (shift: number, act: [string, string] = ['-128', '127']): { calls: KernelCall[]; consts: ConstArray[] } => ({
  calls: [
    {
      index: 2,
      opcode: 'CONV_2D',
      kernel: 'tp_conv_2d_s8',
      paramsType: 'tp_conv_s8_params',
      paramsSymbol: 'tp_model_op2_params',
      params: { input_offset: '128', output_multiplier: 'm', output_shift: 's', activation_min: act[0], activation_max: act[1] },
      args: [],
      scratchBytes: 0,
      alias: false,
      name: 'out',
    },
  ],
  consts: [
    { symbol: 'm', ctype: 'int32_t', values: [1 << 30], comment: '', bytes: 4, role: 'quant' },
    { symbol: 's', ctype: 'int32_t', values: [shift], comment: '', bytes: 4, role: 'quant' },
  ],
});

describe('assertKernelParams', () => {
  it('passes parameters the kernels accept', () => {
    expect(() => assertKernelParams(conv(-31))).not.toThrow();
    expect(() => assertKernelParams(conv(0, ['(-2147483647 - 1)', '127']))).toThrow(/activation_min = -2147483648/);
  });

  it('rejects a shift the kernels would reject, naming the operator and the range', () => {
    try {
      assertKernelParams(conv(31));
      expect.unreachable();
    } catch (e) {
      expect(isTinypruneError(e) && e.code).toBe('E_CODEGEN');
      expect(String((e as Error).message)).toMatch(/operator 2 \(CONV_2D\): output_shift = 31/);
    }
  });
});

describe('kernelChecksOnHost', () => {
  it('only when every kernel is one whose checks the host makes', () => {
    expect(kernelChecksOnHost(conv(0))).toBe(true);
    const add: KernelCall = { index: 3, opcode: 'ADD', kernel: 'tp_add_s8', args: [], scratchBytes: 0, alias: false, name: 'a' };
    expect(kernelChecksOnHost({ calls: [...conv(0).calls, add] })).toBe(false);
  });
});

describe('kernelConfig: TP_CONV_2D_S8_ALL_POINTWISE', () => {
  const dims = (n: number, h: number, w: number, c: number) => ({ n: `${n}`, h: `${h}`, w: `${w}`, c: `${c}` });
  const convCall = (k: number, pad: number): KernelCall => ({
    ...conv(0).calls[0]!,
    params: { ...(conv(0).calls[0]!.params as object), input: dims(1, 8, 8, 16), filter: dims(32, k, k, 16), output: dims(1, 8, 8, 32), stride_h: '1', stride_w: '1', pad_h: `${pad}`, pad_w: `${pad}` },
  });
  const value = (calls: KernelCall[]): number => kernelConfig({ calls, consts: conv(0).consts }).find((m) => m.name === 'TP_CONV_2D_S8_ALL_POINTWISE')!.value;

  it('is 1 only when every int8 conv is 1x1 without padding', () => {
    expect(isPointwiseConv(convCall(1, 0))).toBe(true);
    expect(value([convCall(1, 0), convCall(1, 0)])).toBe(1);
    expect(value([convCall(1, 0), convCall(3, 1)])).toBe(0);
    expect(value([])).toBe(0);
  });
});

describe('kernelConfig: TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4', () => {
  const dw = (m: string | undefined): KernelCall => ({
    index: 1,
    opcode: 'DEPTHWISE_CONV_2D',
    kernel: 'tp_depthwise_conv_2d_s8',
    paramsType: 'tp_dwconv_s8_params',
    params: m === undefined ? {} : { depth_multiplier: m },
    args: [],
    scratchBytes: 0,
    alias: false,
    name: 'd',
  });
  const value = (calls: KernelCall[]): number => kernelConfig({ calls, consts: [] }).find((x) => x.name === 'TP_DEPTHWISE_CONV_2D_S8_MULTIPLIER_GE4')!.value;

  it('is 0 only when every depthwise multiplier is known and below 4', () => {
    expect(value([dw('1'), dw('2')])).toBe(0);
    expect(value([dw('1'), dw('8')])).toBe(1);
    expect(value([dw(undefined)])).toBe(1);
    expect(value([])).toBe(0);
  });
});

describe('kernelConfig: the dsp kernels\' shape macros', () => {
  const dims = (c: number | undefined): Record<string, string> => (c === undefined ? {} : { n: '1', h: '6', w: '6', c: `${c}` });
  const dw = (c: number | undefined, k = 3, mult = 1, dil = 1): KernelCall => ({
    index: 1,
    opcode: 'DEPTHWISE_CONV_2D',
    kernel: 'tp_depthwise_conv_2d_s8',
    paramsType: 'tp_dwconv_s8_params',
    params: { input: dims(c), filter: { n: '1', h: `${k}`, w: `${k}`, c: `${c ?? 8}` }, depth_multiplier: `${mult}`, dilation_h: `${dil}`, dilation_w: `${dil}` },
    args: [],
    scratchBytes: 0,
    alias: false,
    name: 'd',
  });
  const pw = (inC: number | undefined, outC: number): KernelCall => ({
    ...conv(0).calls[0]!,
    params: { ...(conv(0).calls[0]!.params as object), input: dims(inC), output: dims(outC) },
  });
  const value = (name: string, calls: KernelCall[]): number => kernelConfig({ calls, consts: conv(0).consts }).find((x) => x.name === name)!.value;

  it('TP_DEPTHWISE_CONV_2D_S8_ALL_3X3: every depthwise call 3x3, multiplier 1, dilation 1, >= 4 channels', () => {
    const v = (calls: KernelCall[]): number => value('TP_DEPTHWISE_CONV_2D_S8_ALL_3X3', calls);
    expect(v([dw(8), dw(256)])).toBe(1);
    expect(v([dw(8), dw(8, 5)])).toBe(0);
    expect(v([dw(8), dw(8, 3, 2)])).toBe(0);
    expect(v([dw(8), dw(8, 3, 1, 2)])).toBe(0);
    expect(v([dw(3)])).toBe(0);
    expect(v([dw(undefined)])).toBe(0);
    expect(v([])).toBe(0);
  });

  it('TP_DEPTHWISE_CONV_2D_S8_WIDE and _CHANNEL_TAIL: channels above 128, not a multiple of 4, or unknown', () => {
    expect(value('TP_DEPTHWISE_CONV_2D_S8_WIDE', [dw(64), dw(128)])).toBe(0);
    expect(value('TP_DEPTHWISE_CONV_2D_S8_WIDE', [dw(64), dw(256)])).toBe(1);
    expect(value('TP_DEPTHWISE_CONV_2D_S8_WIDE', [dw(undefined)])).toBe(1);
    expect(value('TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL', [dw(64), dw(256)])).toBe(0);
    expect(value('TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL', [dw(64), dw(6)])).toBe(1);
    expect(value('TP_DEPTHWISE_CONV_2D_S8_CHANNEL_TAIL', [dw(undefined)])).toBe(1);
  });

  it('TP_CONV_2D_S8_DEEP and _CHANNEL_TAIL: input channels above 256 or not a multiple of 4, odd outputs, or unknown', () => {
    expect(value('TP_CONV_2D_S8_DEEP', [pw(256, 8)])).toBe(0);
    expect(value('TP_CONV_2D_S8_DEEP', [pw(256, 8), pw(512, 8)])).toBe(1);
    expect(value('TP_CONV_2D_S8_DEEP', [pw(undefined, 8)])).toBe(1);
    expect(value('TP_CONV_2D_S8_CHANNEL_TAIL', [pw(16, 8), pw(256, 2)])).toBe(0);
    expect(value('TP_CONV_2D_S8_CHANNEL_TAIL', [pw(16, 8), pw(18, 8)])).toBe(1);
    expect(value('TP_CONV_2D_S8_CHANNEL_TAIL', [pw(16, 7)])).toBe(1);
    expect(value('TP_CONV_2D_S8_CHANNEL_TAIL', [pw(undefined, 8)])).toBe(1);
  });
  it('TP_CONV_2D_S8_PW_LAST_PAIR: a packed call whose channels leave a pair after the quads', () => {
    const packed = (outC: number): KernelCall => ({ ...pw(64, outC), params: { ...(pw(64, outC).params as object), pw_pairs: '1' } });
    expect(value('TP_CONV_2D_S8_PW_LAST_PAIR', [packed(8), packed(13), pw(64, 6)])).toBe(0);
    expect(value('TP_CONV_2D_S8_PW_LAST_PAIR', [packed(8), packed(6)])).toBe(1);
    expect(value('TP_CONV_2D_S8_PW_LAST_PAIR', [packed(7)])).toBe(1);
  });

  it('TP_RQ_FULL_USED / TP_RQ_RIGHT_USED: the requantisation forms tp_rq_mode would pick, unknown as both', () => {
    const call = (inC: number, bias: string, act: [string, string]): KernelCall => ({
      ...pw(inC, 8),
      params: { ...(pw(inC, 8).params as object), activation_min: act[0], activation_max: act[1] },
      args: ['&p', 'in', 'f', bias, 'out', 'NULL'],
    });
    const consts: ConstArray[] = [
      ...conv(-3).consts,
      { symbol: 'b', ctype: 'int32_t', values: [1000], comment: '', bytes: 4, role: 'bias' },
      { symbol: 'big', ctype: 'int32_t', values: [2 ** 30 - 1], comment: '', bytes: 4, role: 'bias' },
    ];
    const used = (calls: KernelCall[]): [number, number] => {
      const m = kernelConfig({ calls, consts });
      return [m.find((x) => x.name === 'TP_RQ_FULL_USED')!.value, m.find((x) => x.name === 'TP_RQ_RIGHT_USED')!.value];
    };
    expect(used([call(64, 'b', ['-128', '127']), call(64, 'NULL', ['-128', '127'])])).toEqual([1, 0]);
    expect(used([call(64, 'b', ['-128', '127']), call(64, 'b', ['-128', '90'])])).toEqual([1, 1]);
    expect(used([call(64, 'b', ['-20', '127'])])).toEqual([0, 1]);
    // A bias beyond 2^30 - taps * 128 * 255, or too many taps: TP_RQ_ANY only.
    expect(used([call(64, 'big', ['-128', '127']), call(40000, 'b', ['-128', '127'])])).toEqual([0, 0]);
    // A bias that is not a known constant: every form may be picked.
    expect(used([call(64, 'unknown', ['-128', '127'])])).toEqual([1, 1]);
  });
});
