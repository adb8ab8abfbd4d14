/**
 * The C kernels layer by layer against TensorFlow Lite Micro itself: for every CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE/MAX_POOL_2D, ADD and SOFTMAX of the shared
 * models, the kernel gets the parameters the reference interpreter prepares
 * (src/interp/kernels compute*Params: the same numbers the code generator must emit) and TFLM's
 * own input tensor from ../shared/golden/<model>/intermediates/00, and must produce TFLM's
 * output tensor byte for byte (float SOFTMAX is allowed 1 ulp, as the golden README says).
 *
 * One generated C program (plain kernels, host cc) runs every layer of every model; the
 * tensors travel in one binary file, the program prints each layer's status and output.
 * The parameter mapping below (interpreter params -> tp_*_params fields) is the one a code
 * generator needs; it is kept deliberately literal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { buildHost, runHost } from '../../src/firmware/host.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import type { ModelGraph, Op } from '../../src/ir/graph.js';
import {
  computeAddQuantParams,
  computeAveragePoolParams,
  computeConvQuantParams,
  computeDepthwiseConvQuantParams,
  computeFullyConnectedParams,
  computeMaxPoolParams,
  computeSoftmaxQuantParams,
} from '../../src/interp/kernels/index.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';
import { INCLUDE_DIR, kernelSources, maxUlpDiff } from './harness.js';

const MODELS = ['hello_world_int8', 'hello_world_float', 'micro_speech_quantized', 'kws_ref_model', 'pretrainedResnet_quant', 'pretrainedResnet', 'person_detect'];

const haveCc = hasTool('cc');
warnIfNoShared('kernel golden tests against TFLM');
if (!haveCc) console.warn('[skip] kernel golden tests: no C compiler (cc) on PATH');

interface GoldenIndex {
  model: { shared_path: string };
  intermediates: { input: string; tensor_index: number; file: string }[];
}

/** One kernel call: C statements plus where its output goes and what TFLM produced. */
interface Layer {
  name: string;
  float: boolean;
  outBytes: number;
  expected: Uint8Array;
  code: string;
}

/** Collects tensors into one blob; C refers to them as D + offset. */
class Blob {
  parts: Uint8Array[] = [];
  size = 0;
  add(bytes: Uint8Array): number {
    const pad = (16 - (this.size % 16)) % 16;
    if (pad) this.parts.push(new Uint8Array(pad));
    const at = this.size + pad;
    this.parts.push(bytes);
    this.size = at + bytes.length;
    return at;
  }
}

const cInts = (xs: number[]) => `{${xs.map((x) => String(x | 0)).join(', ')}}`;
const cFloat = (x: number) => {
  if (x === Number.MAX_VALUE || x >= 3.4028234663852886e38) return 'FLT_MAX';
  if (x <= -3.4028234663852886e38) return '-FLT_MAX';
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  return `f32(0x${bits.toString(16)}u)`;
};
const dims4 = (s: number[]) => {
  const e = [...new Array<number>(Math.max(0, 4 - s.length)).fill(1), ...s];
  return `{${e.join(', ')}}`;
};

function buildLayers(model: string, blob: Blob): Layer[] {
  const dir = sharedPath('golden', model);
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as GoldenIndex;
  const { graph } = readTfliteFile(sharedPath(index.model.shared_path));
  const golden = new Map<number, Uint8Array>();
  for (const e of index.intermediates) {
    if (e.input === '00') golden.set(e.tensor_index, new Uint8Array(readFileSync(path.join(dir, e.file))));
  }
  const tensorAt = (i: number): number => {
    const t = graph.tensors[i]!;
    const bytes = t.data ?? golden.get(i);
    if (!bytes) throw new Error(`${model}: no data for tensor ${i}`);
    return blob.add(bytes);
  };
  const opt = (i: number | undefined) => (i === undefined || i < 0 ? 'NULL' : `(D + ${tensorAt(i)})`);
  const layers: Layer[] = [];
  graph.ops.forEach((op: Op, k: number) => {
    const out = op.outputs[0]!;
    const expected = golden.get(out);
    if (!expected) return;
    const isFloat = graph.tensors[out]!.dtype === 'float32';
    const name = `${model} op${k} ${op.opcode}${isFloat ? ' f32' : ''}`;
    const code = layerCode(graph, op, k, isFloat, tensorAt, opt);
    if (code) layers.push({ name, float: isFloat, outBytes: expected.length, expected, code });
  });
  return layers;
}

function layerCode(
  graph: ModelGraph,
  op: Op,
  k: number,
  isFloat: boolean,
  at: (i: number) => number,
  opt: (i: number | undefined) => string,
): string | undefined {
  const T = isFloat ? 'float' : 'int8_t';
  const inp = `(const ${T} *)(D + ${at(op.inputs[0]!)})`;
  switch (op.opcode) {
    case 'FULLY_CONNECTED': {
      const p = computeFullyConnectedParams(graph, op, k);
      if (p.kind === 'float32') {
        return `{ tp_fc_f32_params p = {${p.batches}, ${p.accumDepth}, ${p.outputDepth}, ${cFloat(p.activationMin)}, ${cFloat(p.activationMax)}};
  st = tp_fully_connected_f32(&p, ${inp}, (const float *)(D + ${at(op.inputs[1]!)}), (const float *)${opt(op.inputs[2])}, (float *)out); }`;
      }
      const n = p.perChannel ? p.outputDepth : 1;
      return `{ static const int32_t m[] = ${cInts(p.outputMultiplier.slice(0, n))}, s[] = ${cInts(p.outputShift.slice(0, n))};
  tp_fc_s8_params p = {${p.batches}, ${p.accumDepth}, ${p.outputDepth}, ${p.inputOffset}, ${p.weightsOffset}, ${p.outputOffset}, ${p.perChannel ? 1 : 0}, m, s, ${p.activationMin}, ${p.activationMax}};
  st = tp_fully_connected_s8(&p, ${inp}, (const int8_t *)(D + ${at(op.inputs[1]!)}), (const int32_t *)${opt(op.inputs[2])}, (int8_t *)out, NULL); }`;
    }
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const dw = op.opcode === 'DEPTHWISE_CONV_2D';
      const p = dw ? computeDepthwiseConvQuantParams(graph, op, k) : computeConvQuantParams(graph, op, k);
      const input = `{${p.batches}, ${p.inputHeight}, ${p.inputWidth}, ${p.inputDepth}}`;
      const output = `{${p.batches}, ${p.outputHeight}, ${p.outputWidth}, ${p.outputDepth}}`;
      const filter = dw
        ? `{1, ${p.filterHeight}, ${p.filterWidth}, ${p.outputDepth}}`
        : `{${p.outputDepth}, ${p.filterHeight}, ${p.filterWidth}, ${'filterInputDepth' in p ? p.filterInputDepth : p.inputDepth}}`;
      const mult = dw && 'depthMultiplier' in p ? `${p.depthMultiplier}, ` : '';
      const geom = `${p.strideH}, ${p.strideW}, ${p.dilationH}, ${p.dilationW}, ${p.padH}, ${p.padW}`;
      const w = at(op.inputs[1]!);
      const fn = dw ? 'tp_depthwise_conv_2d' : 'tp_conv_2d';
      if (p.kind === 'float32') {
        const ty = dw ? 'tp_dwconv_f32_params' : 'tp_conv_f32_params';
        return `{ ${ty} p = {${input}, ${filter}, ${output}, ${mult}${geom}, ${cFloat(p.activationMin)}, ${cFloat(p.activationMax)}};
  st = ${fn}_f32(&p, ${inp}, (const float *)(D + ${w}), (const float *)${opt(op.inputs[2])}, (float *)out); }`;
      }
      const ty = dw ? 'tp_dwconv_s8_params' : 'tp_conv_s8_params';
      return `{ static const int32_t m[] = ${cInts(p.outputMultiplier)}, s[] = ${cInts(p.outputShift)};
  ${ty} p = {${input}, ${filter}, ${output}, ${mult}${geom}, ${p.inputOffset}, ${p.outputOffset}, m, s, ${p.activationMin}, ${p.activationMax}${dw ? '' : ', 0 /* pw_pairs */'}};
  st = ${fn}_s8(&p, ${inp}, (const int8_t *)(D + ${w}), (const int32_t *)${opt(op.inputs[2])}, (int8_t *)out, NULL); }`;
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const p = op.opcode === 'AVERAGE_POOL_2D' ? computeAveragePoolParams(graph, op, k) : computeMaxPoolParams(graph, op, k);
      const fn = `${op.opcode === 'AVERAGE_POOL_2D' ? 'tp_average_pool_2d' : 'tp_max_pool_2d'}_${isFloat ? 'f32' : 's8'}`;
      const act = isFloat ? `${cFloat(p.activationMin)}, ${cFloat(p.activationMax)}` : `${p.activationMin}, ${p.activationMax}`;
      return `{ tp_pool_${isFloat ? 'f32' : 's8'}_params p = {{${p.batches}, ${p.inputHeight}, ${p.inputWidth}, ${p.depth}}, {${p.batches}, ${p.outputHeight}, ${p.outputWidth}, ${p.depth}}, ${p.filterHeight}, ${p.filterWidth}, ${p.strideH}, ${p.strideW}, ${p.padH}, ${p.padW}, ${act}};
  st = ${fn}(&p, ${inp}, (${T} *)out); }`;
    }
    case 'ADD': {
      const p = computeAddQuantParams(graph, op, k);
      const shape = (i: number) => {
        const s = graph.tensors[i]!.shape;
        return `{${s.length}, {${s.join(', ')}}}`;
      };
      const shapes = `${shape(op.inputs[0]!)}, ${shape(op.inputs[1]!)}, ${shape(op.outputs[0]!)}`;
      const in2 = `(const ${T} *)(D + ${at(op.inputs[1]!)})`;
      if (p.kind === 'float32') {
        return `{ tp_binary_f32_params p = {${shapes}, ${cFloat(p.activationMin)}, ${cFloat(p.activationMax)}};
  st = tp_add_f32(&p, ${inp}, ${in2}, (float *)out); }`;
      }
      return `{ tp_add_s8_params p = {${shapes}, ${p.input1Offset}, ${p.input2Offset}, ${p.outputOffset}, ${p.leftShift}, ${p.input1Multiplier}, ${p.input1Shift}, ${p.input2Multiplier}, ${p.input2Shift}, ${p.outputMultiplier}, ${p.outputShift}, ${p.activationMin}, ${p.activationMax}};
  st = tp_add_s8(&p, ${inp}, ${in2}, (int8_t *)out); }`;
    }
    case 'SOFTMAX': {
      const p = computeSoftmaxQuantParams(graph, op, k);
      if (p.kind === 'float32') {
        return `{ tp_softmax_f32_params p = {${p.outerSize}, ${p.depth}, ${cFloat(p.beta)}};
  st = tp_softmax_f32(&p, ${inp}, (float *)out); }`;
      }
      if (p.outputType !== 'int8') return undefined;
      return `{ tp_softmax_s8_params p = {${p.outerSize}, ${p.depth}, ${p.inputMultiplier}, ${p.inputLeftShift}, ${p.diffMin}};
  st = tp_softmax_s8(&p, ${inp}, (int8_t *)out); }`;
    }
    default:
      return undefined;
  }
}

function program(layers: Layer[]): string {
  const calls = layers
    .map(
      (l, i) => `  /* ${l.name.replace(/\*\//g, '')} */
  out = malloc(${l.outBytes});
  ${l.code}
  report(${i}, st, out, ${l.outBytes});
  free(out);`,
    )
    .join('\n');
  return `/* Generated by test/kernels/golden.test.ts: every layer of the shared models, one kernel call each. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_kernels.h"

static float f32(uint32_t bits) { float f; memcpy(&f, &bits, 4); return f; }

static void report(int i, tp_status st, const void *out, size_t n) {
  const unsigned char *p = (const unsigned char *)out;
  size_t k;
  printf("%d %d ", i, (int)st);
  for (k = 0; k < n; ++k) printf("%02x", p[k]);
  printf("\\n");
}

int main(int argc, char **argv) {
  FILE *f;
  long size;
  uint8_t *D;
  void *out;
  tp_status st;
  if (argc < 2 || !(f = fopen(argv[1], "rb"))) return 2;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  D = (uint8_t *)malloc((size_t)size + 16);
  if (!D || fread(D, 1, (size_t)size, f) != (size_t)size) return 3;
  fclose(f);
${calls}
  free(D);
  return 0;
}
`;
}

type Results = Map<number, { status: number; output: Uint8Array }>;

describe.skipIf(!hasShared || !haveCc)('C kernels against TFLM, layer by layer', () => {
  let layers: Layer[] = [];
  let plain: Results = new Map();
  let dsp: Results = new Map();

  beforeAll(async () => {
    const blob = new Blob();
    layers = MODELS.flatMap((m) => buildLayers(m, blob));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-kernels-golden-'));
    const src = path.join(dir, 'golden_layers.c');
    const data = path.join(dir, 'tensors.bin');
    writeFileSync(src, program(layers));
    writeFileSync(data, Buffer.concat(blob.parts.map((p) => Buffer.from(p))));
    // The plain kernels, and the dsp ones with the DSP instructions emulated in C (their
    // index arithmetic on real layer shapes; QEMU runs the real instructions elsewhere).
    // TP_GOLDEN_ASAN=1 builds both with the sanitizers, to debug a crash.
    const run = async (variant: 'plain' | 'dsp'): Promise<Results> => {
      const exe = await buildHost({
        sources: [src, ...kernelSources(variant)],
        includeDirs: [INCLUDE_DIR],
        defines: variant === 'dsp' ? ['TP_DSP_EMULATE'] : [],
        outDir: path.join(dir, variant),
        name: `golden-${variant}`,
        optimize: '-O2',
        sanitize: process.env['TP_GOLDEN_ASAN'] === '1',
      });
      const r = await runHost(exe.exe, '', 120_000, [data]);
      expect(r.exitCode, r.stderr).toBe(0);
      return new Map(
        r.stdout
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => {
            const [i, st, hex] = l.split(' ');
            return [Number(i), { status: Number(st), output: Uint8Array.from(Buffer.from(hex ?? '', 'hex')) }];
          }),
      );
    };
    [plain, dsp] = await Promise.all([run('plain'), run('dsp')]);
  });

  it('covers the operators of the shared models', () => {
    const ops = new Set(layers.map((l) => l.name.split(' ').slice(2).join(' ')));
    expect([...ops].sort()).toEqual(
      ['ADD', 'ADD f32', 'AVERAGE_POOL_2D', 'AVERAGE_POOL_2D f32', 'CONV_2D', 'CONV_2D f32', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'FULLY_CONNECTED f32', 'SOFTMAX', 'SOFTMAX f32'].sort(),
    );
    expect(layers.length).toBeGreaterThan(60);
    console.info(`${layers.length} layers of ${MODELS.length} models checked against TFLM`);
  });

  const check = (results: () => Results) => () => {
    const bad: string[] = [];
    layers.forEach((l, i) => {
      const r = results().get(i);
      if (!r || r.status !== 0) return bad.push(`${l.name}: status ${r?.status}`);
      if (l.float && l.name.includes('SOFTMAX')) {
        const ulps = maxUlpDiff(r.output, l.expected);
        if (ulps > 1) bad.push(`${l.name}: ${ulps} ulp`);
      } else if (Buffer.compare(Buffer.from(r.output), Buffer.from(l.expected)) !== 0) {
        let first = 0;
        while (r.output[first] === l.expected[first]) first++;
        bad.push(`${l.name}: first difference at byte ${first} of ${l.expected.length}`);
      }
      return undefined;
    });
    expect(bad).toEqual([]);
  };

  it('plain kernels reproduce every TFLM output byte for byte (float softmax within 1 ulp)', check(() => plain));
  it('dsp kernels (instructions emulated on the host) reproduce them too', check(() => dsp));
});
