/**
 * Shared by the kernel tests: the C harness's sources, its record format, and the mapping from
 * a record (C params struct as JSON, inputs and output as hex) to the TypeScript reference
 * kernels of src/interp/kernels, so the differential test can run both on the same data.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import {
  addFloat32,
  addInt8,
  averagePool2dFloat32,
  averagePool2dInt8,
  concatenation,
  conv2dFloat32,
  conv2dInt8,
  depthwiseConv2dFloat32,
  depthwiseConv2dInt8,
  dequantize,
  fullyConnectedFloat32,
  fullyConnectedInt8,
  maxPool2dFloat32,
  maxPool2dInt8,
  meanFloat32,
  meanInt8,
  mulFloat32,
  mulInt8,
  pad,
  affineQuantize,
  requantize,
  softmaxFloat32,
  softmaxInt8,
  type BroadcastPlan,
} from '../../src/interp/kernels/index.js';
import { multiplyByQuantizedMultiplier, roundHalfAwayFromZero } from '../../src/interp/fixedpoint.js';
import { REPO_ROOT } from '../helpers/shared.js';

export const FIRMWARE = path.join(REPO_ROOT, 'firmware');
export const KERNELS_DIR = path.join(FIRMWARE, 'kernels');
export const INCLUDE_DIR = path.join(FIRMWARE, 'include');
export const HARNESS_DIR = path.join(REPO_ROOT, 'test', 'kernels', 'harness');

/** The harness's own C files. */
export const HARNESS_SOURCES = ['tp_harness.c', 'tp_harness_cases.c', 'tp_ref_variants.c'].map((f) => path.join(HARNESS_DIR, f));

/**
 * The kernel C files for a build variant: every plain kernel, replaced by the file of the same
 * name from the most specific variant folder that has one. A Cortex-M55 has the DSP extension
 * too, so 'mve' looks in mve/, then dsp/, then the plain folder.
 */
export function kernelSources(variant: 'plain' | 'dsp' | 'mve'): string[] {
  const chain = variant === 'mve' ? ['mve', 'dsp'] : variant === 'dsp' ? ['dsp'] : [];
  const listing = new Map(chain.map((v) => [v, new Set(readdirSync(path.join(KERNELS_DIR, v)).filter((f) => f.endsWith('.c')))]));
  return readdirSync(KERNELS_DIR)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => {
      const v = chain.find((c) => listing.get(c)!.has(f));
      return v ? path.join(KERNELS_DIR, v, f) : path.join(KERNELS_DIR, f);
    });
}

// ------------------------------------------------------------------------------------------
// Records

export type ParamValue = number | number[] | { f32: number };

export interface HarnessRecord {
  kernel: string;
  case: number;
  params: Record<string, ParamValue>;
  inputs: Record<string, string>;
  status: number;
  output: string;
}

export function parseDump(stdout: string): HarnessRecord[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as HarnessRecord);
}

export interface HashLine {
  kernel: string;
  case: number;
  status: number;
  hash: number;
}

export function parseHashes(text: string): HashLine[] {
  const out: HashLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_]+) (\d+) (-?\d+) (\d+)$/.exec(line.trim());
    if (m) out.push({ kernel: m[1]!, case: Number(m[2]), status: Number(m[3]), hash: Number(m[4]) });
  }
  return out;
}

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function fresh(bytes: Uint8Array): ArrayBuffer {
  // A copy with its own, 4-byte aligned buffer.
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return buf;
}

const i8 = (hex: string) => new Int8Array(fresh(hexBytes(hex)));
const i32 = (hex: string) => new Int32Array(fresh(hexBytes(hex)));
const f32 = (hex: string) => new Float32Array(fresh(hexBytes(hex)));
const optI32 = (hex: string | undefined) => (hex ? i32(hex) : null);
const optF32 = (hex: string | undefined) => (hex ? f32(hex) : null);

/** Accessors for one record's params. */
class P {
  constructor(private readonly p: Record<string, ParamValue>) {}
  int(k: string): number {
    const v = this.p[k];
    if (typeof v !== 'number') throw new Error(`param ${k} is not an int`);
    return v;
  }
  ints(k: string): number[] {
    const v = this.p[k];
    if (!Array.isArray(v)) throw new Error(`param ${k} is not an array`);
    return v;
  }
  f32(k: string): number {
    const v = this.p[k];
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`param ${k} is not a float`);
    const dv = new DataView(new ArrayBuffer(4));
    dv.setUint32(0, v.f32 >>> 0, true);
    return dv.getFloat32(0, true);
  }
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/** The interpreter's BroadcastPlan for the C harness's three shapes. */
function plan(in1: number[], in2: number[], out: number[]): BroadcastPlan {
  const st = (shape: number[]) => {
    const s = strides(shape);
    return out.map((_, i) => {
      const k = shape.length - out.length + i;
      const d = k >= 0 ? (shape[k] as number) : 1;
      return d === 1 ? 0 : (s[k] as number);
    });
  };
  const same = (a: number[]) => a.length === out.length && a.every((d, i) => d === out[i]);
  return { outputShape: out, requiresBroadcast: !(same(in1) && same(in2)), input1Strides: st(in1), input2Strides: st(in2) };
}

function convGeometry(p: P) {
  const [n, ih, iw, ic] = p.ints('input') as [number, number, number, number];
  const [, fh, fw, fc] = p.ints('filter') as [number, number, number, number];
  const [, oh, ow, oc] = p.ints('output') as [number, number, number, number];
  return {
    batches: n,
    inputHeight: ih,
    inputWidth: iw,
    inputDepth: ic,
    filterHeight: fh,
    filterWidth: fw,
    filterInputDepth: fc,
    outputHeight: oh,
    outputWidth: ow,
    outputDepth: oc,
    strideW: p.int('stride_w'),
    strideH: p.int('stride_h'),
    dilationW: p.int('dilation_w'),
    dilationH: p.int('dilation_h'),
    padW: p.int('pad_w'),
    padH: p.int('pad_h'),
  };
}

function poolParams(p: P, kind: 'int8' | 'float32') {
  const [n, ih, iw, c] = p.ints('input') as [number, number, number, number];
  const [, oh, ow] = p.ints('output') as [number, number, number, number];
  return {
    kind,
    batches: n,
    inputHeight: ih,
    inputWidth: iw,
    depth: c,
    outputHeight: oh,
    outputWidth: ow,
    filterHeight: p.int('filter_h'),
    filterWidth: p.int('filter_w'),
    strideW: p.int('stride_w'),
    strideH: p.int('stride_h'),
    padW: p.int('pad_w'),
    padH: p.int('pad_h'),
    activationMin: kind === 'int8' ? p.int('activation_min') : p.f32('activation_min'),
    activationMax: kind === 'int8' ? p.int('activation_max') : p.f32('activation_max'),
  };
}

function meanGeometry(p: P) {
  const shape = p.ints('input_shape');
  const mask = p.int('axis_mask');
  const axes = shape.map((_, i) => i).filter((i) => (mask >> i) & 1);
  const kept = shape.filter((_, i) => !((mask >> i) & 1));
  return { inputShape: shape, axes, keepDims: true, outputSize: product(kept), numElementsInAxis: product(axes.map((a) => shape[a] as number)) };
}

/**
 * Test-local references for the two int8 MEAN paths the interpreter does not implement
 * (tp_kernels.h: TP_MEAN_S8_REQUANT, the float QuantizedMeanOrSum of older TFLM, and
 * TP_MEAN_S8_MULTIPLIER, reference_integer_ops::Mean), written from TFLM's definitions.
 */
function meanSums(p: P, input: Int8Array, minus: number): { sums: number[]; count: number } {
  const g = meanGeometry(p);
  const shape = g.inputShape;
  const keptStrides = strides(shape.map((d, i) => (g.axes.includes(i) ? 1 : d)));
  const sums = new Array<number>(g.outputSize).fill(0);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < input.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!g.axes.includes(d)) o += (idx[d] as number) * (keptStrides[d] as number);
    sums[o] = (sums[o] as number) + (input[i] as number) - minus;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { sums, count: g.numElementsInAxis };
}

function meanRequantFloat(p: P, input: Int8Array, output: Int8Array): void {
  const fr = Math.fround;
  const { sums, count } = meanSums(p, input, 0);
  const scale = fr(p.f32('input_scale') / p.f32('output_scale'));
  const bias = fr(-p.int('input_zero_point') * scale);
  sums.forEach((sum, o) => {
    const mean = fr(fr(sum) / fr(count));
    let r = fr(roundHalfAwayFromZero(fr(fr(mean * scale) + bias)) + p.int('output_zero_point'));
    if (127 < r) r = 127;
    if (r < -128) r = -128;
    output[o] = r;
  });
}

function meanMultiplier(p: P, input: Int8Array, output: Int8Array): void {
  const { sums, count } = meanSums(p, input, p.int('input_zero_point'));
  sums.forEach((sum, o) => {
    let acc = multiplyByQuantizedMultiplier(sum, p.int('multiplier'), p.int('shift'));
    const half = Math.trunc(count / 2);
    acc = acc > 0 ? Math.trunc((acc + half) / count) : Math.trunc((acc - half) / count);
    acc += p.int('output_zero_point');
    output[o] = Math.min(127, Math.max(-128, acc));
  });
}

/**
 * Runs the TypeScript reference for a record and returns its output bytes, or undefined when
 * the interpreter has no counterpart for that kernel.
 */
export function runReference(rec: HarnessRecord): Uint8Array | undefined {
  const p = new P(rec.params);
  const inp = rec.inputs;
  const outBytes = hexBytes(rec.output).length;
  const int8Out = () => new Int8Array(outBytes);
  const f32Out = () => new Float32Array(outBytes / 4);
  const bytes = (a: Int8Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const actS8 = () => ({ activationMin: p.int('activation_min'), activationMax: p.int('activation_max') });
  const actF32 = () => ({ activationMin: p.f32('activation_min'), activationMax: p.f32('activation_max') });

  switch (rec.kernel) {
    case 'fully_connected_s8': {
      const perChannel = p.int('per_channel') !== 0;
      const outs = p.int('output_depth');
      const mult = p.ints('output_multiplier');
      const shift = p.ints('output_shift');
      const out = int8Out();
      fullyConnectedInt8(
        {
          kind: 'int8',
          batches: p.int('batches'),
          outputDepth: outs,
          accumDepth: p.int('input_depth'),
          inputOffset: p.int('input_offset'),
          weightsOffset: perChannel ? 0 : p.int('filter_offset'),
          outputOffset: p.int('output_offset'),
          perChannel,
          outputMultiplier: perChannel ? mult : new Array<number>(outs).fill(mult[0]!),
          outputShift: perChannel ? shift : new Array<number>(outs).fill(shift[0]!),
          ...actS8(),
        },
        i8(inp['input']!),
        i8(inp['filter']!),
        optI32(inp['bias']),
        out,
      );
      return bytes(out);
    }
    case 'fully_connected_f32': {
      const out = f32Out();
      fullyConnectedFloat32(
        { kind: 'float32', batches: p.int('batches'), outputDepth: p.int('output_depth'), accumDepth: p.int('input_depth'), ...actF32() },
        f32(inp['input']!),
        f32(inp['filter']!),
        optF32(inp['bias']),
        out,
      );
      return bytes(out);
    }
    case 'conv_2d_s8': {
      const out = int8Out();
      conv2dInt8(
        {
          kind: 'int8',
          ...convGeometry(p),
          inputOffset: p.int('input_offset'),
          outputOffset: p.int('output_offset'),
          outputMultiplier: p.ints('output_multiplier'),
          outputShift: p.ints('output_shift'),
          ...actS8(),
        },
        i8(inp['input']!),
        i8(inp['filter']!),
        optI32(inp['bias']),
        out,
      );
      return bytes(out);
    }
    case 'conv_2d_f32': {
      const out = f32Out();
      conv2dFloat32({ kind: 'float32', ...convGeometry(p), ...actF32() }, f32(inp['input']!), f32(inp['filter']!), optF32(inp['bias']), out);
      return bytes(out);
    }
    case 'depthwise_conv_2d_s8':
    case 'depthwise_conv_2d_f32': {
      const g = convGeometry(p);
      const geometry = {
        batches: g.batches,
        inputHeight: g.inputHeight,
        inputWidth: g.inputWidth,
        inputDepth: g.inputDepth,
        filterHeight: g.filterHeight,
        filterWidth: g.filterWidth,
        outputHeight: g.outputHeight,
        outputWidth: g.outputWidth,
        outputDepth: g.outputDepth,
        depthMultiplier: p.int('depth_multiplier'),
        strideW: g.strideW,
        strideH: g.strideH,
        dilationW: g.dilationW,
        dilationH: g.dilationH,
        padW: g.padW,
        padH: g.padH,
      };
      if (rec.kernel === 'depthwise_conv_2d_f32') {
        const out = f32Out();
        depthwiseConv2dFloat32({ kind: 'float32', ...geometry, ...actF32() }, f32(inp['input']!), f32(inp['filter']!), optF32(inp['bias']), out);
        return bytes(out);
      }
      const out = int8Out();
      depthwiseConv2dInt8(
        {
          kind: 'int8',
          ...geometry,
          inputOffset: p.int('input_offset'),
          outputOffset: p.int('output_offset'),
          outputMultiplier: p.ints('output_multiplier'),
          outputShift: p.ints('output_shift'),
          ...actS8(),
        },
        i8(inp['input']!),
        i8(inp['filter']!),
        optI32(inp['bias']),
        out,
      );
      return bytes(out);
    }
    case 'average_pool_2d_s8':
    case 'max_pool_2d_s8': {
      const out = int8Out();
      (rec.kernel === 'average_pool_2d_s8' ? averagePool2dInt8 : maxPool2dInt8)(poolParams(p, 'int8'), i8(inp['input']!), out);
      return bytes(out);
    }
    case 'average_pool_2d_f32':
    case 'max_pool_2d_f32': {
      const out = f32Out();
      (rec.kernel === 'average_pool_2d_f32' ? averagePool2dFloat32 : maxPool2dFloat32)(poolParams(p, 'float32'), f32(inp['input']!), out);
      return bytes(out);
    }
    case 'add_s8': {
      const out = int8Out();
      addInt8(
        {
          kind: 'int8',
          ...plan(p.ints('input1'), p.ints('input2'), p.ints('output')),
          leftShift: p.int('left_shift'),
          input1Offset: p.int('input1_offset'),
          input2Offset: p.int('input2_offset'),
          outputOffset: p.int('output_offset'),
          input1Multiplier: p.int('input1_multiplier'),
          input1Shift: p.int('input1_shift'),
          input2Multiplier: p.int('input2_multiplier'),
          input2Shift: p.int('input2_shift'),
          outputMultiplier: p.int('output_multiplier'),
          outputShift: p.int('output_shift'),
          ...actS8(),
        },
        i8(inp['input1']!),
        i8(inp['input2']!),
        out,
      );
      return bytes(out);
    }
    case 'mul_s8': {
      const out = int8Out();
      mulInt8(
        {
          kind: 'int8',
          ...plan(p.ints('input1'), p.ints('input2'), p.ints('output')),
          input1Offset: p.int('input1_offset'),
          input2Offset: p.int('input2_offset'),
          outputOffset: p.int('output_offset'),
          outputMultiplier: p.int('output_multiplier'),
          outputShift: p.int('output_shift'),
          ...actS8(),
        },
        i8(inp['input1']!),
        i8(inp['input2']!),
        out,
      );
      return bytes(out);
    }
    case 'add_f32':
    case 'mul_f32': {
      const out = f32Out();
      const params = { kind: 'float32' as const, ...plan(p.ints('input1'), p.ints('input2'), p.ints('output')), ...actF32() };
      (rec.kernel === 'add_f32' ? addFloat32 : mulFloat32)(params, f32(inp['input1']!), f32(inp['input2']!), out);
      return bytes(out);
    }
    case 'softmax_s8': {
      const out = int8Out();
      softmaxInt8(
        {
          kind: 'int8',
          outputType: 'int8',
          outerSize: p.int('outer_size'),
          depth: p.int('depth'),
          inputMultiplier: p.int('input_multiplier'),
          inputLeftShift: p.int('input_left_shift'),
          diffMin: p.int('diff_min'),
        },
        i8(inp['input']!),
        out,
      );
      return bytes(out);
    }
    case 'softmax_f32': {
      const out = f32Out();
      softmaxFloat32({ kind: 'float32', outerSize: p.int('outer_size'), depth: p.int('depth'), beta: p.f32('beta') }, f32(inp['input']!), out);
      return bytes(out);
    }
    case 'quantize_f32': {
      const out = int8Out();
      affineQuantize({ kind: 'affine', outputType: 'int8', scale: p.f32('scale'), zeroPoint: p.int('zero_point'), min: -128, max: 127 }, f32(inp['input']!), out);
      return bytes(out);
    }
    case 'quantize_s8': {
      const out = int8Out();
      requantize(
        {
          kind: 'requantize',
          inputType: 'int8',
          outputType: 'int8',
          inputZeroPoint: p.int('input_zero_point'),
          outputZeroPoint: p.int('output_zero_point'),
          multiplier: p.int('multiplier'),
          shift: p.int('shift'),
          min: -128,
          max: 127,
        },
        i8(inp['input']!),
        out,
      );
      return bytes(out);
    }
    case 'dequantize_s8': {
      const out = f32Out();
      dequantize({ kind: 'dequantize', inputType: 'int8', scale: p.f32('scale'), zeroPoint: p.int('zero_point') }, i8(inp['input']!), out);
      return bytes(out);
    }
    case 'concatenation_s8':
    case 'concatenation_f32': {
      const elem = rec.kernel === 'concatenation_s8' ? 1 : 4;
      const sizes = p.ints('axis_sizes');
      const inner = p.int('inner_size');
      const out = new Uint8Array(outBytes);
      concatenation(
        { kind: 'copy', axis: 1, outerSize: p.int('outer_size'), copyBytes: sizes.map((s) => s * inner * elem) },
        sizes.map((_, k) => hexBytes(inp[`input${k}`] ?? '')),
        out,
      );
      return out;
    }
    case 'pad_s8':
    case 'pad_f32': {
      const inputShape = p.ints('input_shape');
      const before = p.ints('before');
      const after = p.ints('after');
      const params = {
        kind: rec.kernel === 'pad_s8' ? ('int8' as const) : ('float32' as const),
        inputShape,
        outputShape: inputShape.map((d, i) => (before[i] as number) + d + (after[i] as number)),
        before,
        after,
        padValue: null,
        constantValuesTensor: -1,
      };
      if (rec.kernel === 'pad_s8') {
        const out = int8Out();
        pad(params, i8(inp['input']!), out, p.int('pad_value'));
        return bytes(out);
      }
      const out = f32Out();
      pad(params, f32(inp['input']!), out, p.f32('pad_value'));
      return bytes(out);
    }
    case 'mean_f32': {
      const out = f32Out();
      meanFloat32({ kind: 'float32', ...meanGeometry(p) }, f32(inp['input']!), out);
      return bytes(out);
    }
    case 'mean_s8': {
      const out = int8Out();
      const method = p.int('method');
      if (method === 1) {
        meanRequantFloat(p, i8(inp['input']!), out);
      } else if (method === 2) {
        meanMultiplier(p, i8(inp['input']!), out);
      } else {
        meanInt8(
          {
            kind: 'int8',
            ...meanGeometry(p),
            mode: method === 0 ? 'same-quant' : 'requantize',
            inputZeroPoint: p.int('input_zero_point'),
            outputZeroPoint: p.int('output_zero_point'),
            multiplier: p.int('multiplier'),
            shift: p.int('shift'),
          },
          i8(inp['input']!),
          out,
        );
      }
      return bytes(out);
    }
    default:
      return undefined;
  }
}

/** Float kernels whose result goes through libm (expf): compared within 1 ulp. */
export const ULP_TOLERANT = new Set(['softmax_f32']);

/** Largest distance in float32 ulps between two equal-length float buffers. */
export function maxUlpDiff(a: Uint8Array, b: Uint8Array): number {
  const av = new Int32Array(fresh(a));
  const bv = new Int32Array(fresh(b));
  let worst = 0;
  for (let i = 0; i < av.length; i++) {
    // Map the float bit patterns onto a monotonic integer line.
    const x = av[i]! < 0 ? 0x80000000 - av[i]! : av[i]!;
    const y = bv[i]! < 0 ? 0x80000000 - bv[i]! : bv[i]!;
    worst = Math.max(worst, Math.abs(x - y));
  }
  return worst;
}
