/**
 * Patch-based execution (src/codegen/stream.ts): a windowed layer feeding a FULLY_CONNECTED
 * runs band by band. The band geometry (tp_band_input, compiled for the host) is checked
 * against the layer's own (every output row of a band reads, in the band's input, the rows it
 * reads in the whole input); the planner's choice against the arena; and the generated C, on the host with the plain and the
 * (emulated) dsp kernels and every band height, against the reference interpreter.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSources, kernelSources, runtimeIncludeDir } from '../../src/codegen/generate.js';
import { lowerModel } from '../../src/codegen/lower.js';
import { bandInput } from '../../src/codegen/stream.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { packageRoot } from '../../src/firmware/paths.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { GraphBuilder, perTensor, quantizeSymmetricPerChannel } from '../../src/ir/builder.js';
import { Prng } from '../../src/util/prng.js';
import { producerIntoFc, type Consumer, type Producer } from '../helpers/stream-models.js';

describe.skipIf(!hasTool('cc'))('tp_band_input (tp_kernels.h) and its TypeScript twin', () => {
  it('gives every output row of a band the input rows it reads in the whole input', async () => {
    // The C helper the band loops call, compiled for the host, on 300 random geometries.
    const dir = mkdtempSync(join(tmpdir(), 'tp-band-'));
    writeFileSync(
      join(dir, 'band.c'),
      [
        '#include <stdio.h>',
        '#include "tp_kernels.h"',
        'int main(void) {',
        '  int r0, r1, s, p, f, d, h;',
        '  while (scanf("%d %d %d %d %d %d %d", &r0, &r1, &s, &p, &f, &d, &h) == 7) {',
        '    int32_t first, rows, pad;',
        '    tp_band_input(r0, r1, s, p, f, d, h, &first, &rows, &pad);',
        '    printf("%d %d %d\\n", (int)first, (int)rows, (int)pad);',
        '  }',
        '  return 0;',
        '}',
      ].join('\n'),
    );
    const { exe } = await buildHost({ sources: [join(dir, 'band.c')], includeDirs: [runtimeIncludeDir()], outDir: dir, sanitize: true });
    const rng = new Prng(5);
    const cases: { g: { filterHeight: number; dilationH: number; strideH: number; inputHeight: number; padH: number }; r0: number; r1: number }[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const g = { filterHeight: rng.int(1, 6), dilationH: rng.int(1, 3), strideH: rng.int(1, 3), inputHeight: rng.int(1, 20), padH: 0 };
      const reach = (g.filterHeight - 1) * g.dilationH + 1;
      g.padH = rng.int(0, reach - 1);
      const outputHeight = Math.floor((g.inputHeight + 2 * g.padH - reach) / g.strideH) + 1;
      if (outputHeight < 1) continue;
      const rows = rng.int(1, outputHeight);
      for (let r0 = 0; r0 < outputHeight; r0 += rows) cases.push({ g, r0, r1: Math.min(r0 + rows, outputHeight) });
    }
    const stdin = cases.map(({ g, r0, r1 }) => [r0, r1, g.strideH, g.padH, g.filterHeight, g.dilationH, g.inputHeight].join(' ')).join('\n') + '\n';
    const r = await runHost(exe, stdin);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.toString().trim().split('\n');
    expect(lines).toHaveLength(cases.length);
    cases.forEach(({ g, r0, r1 }, i) => {
      const [first, rows, pad] = lines[i]!.split(' ').map(Number) as [number, number, number];
      // The generator sizes bands with the TypeScript twin: the same numbers.
      expect(bandInput(g, r0, r1)).toEqual({ first, rows, pad });
      expect(first).toBeGreaterThanOrEqual(0);
      expect(pad).toBeGreaterThanOrEqual(0);
      expect(first + rows).toBeLessThanOrEqual(g.inputHeight);
      for (let row = r0; row < r1; row++) {
        for (let k = 0; k < g.filterHeight; k++) {
          const whole = row * g.strideH - g.padH + k * g.dilationH;
          const inBand = (row - r0) * g.strideH - pad + k * g.dilationH;
          // A row inside the input is read at the same place; a padding row is padding in both.
          if (whole >= 0 && whole < g.inputHeight) expect(inBand + first).toBe(whole);
          else expect(inBand < 0 || inBand >= rows).toBe(true);
        }
      }
    });
  });
});

describe('the arena planner streams a layer only where it lowers the peak', () => {
  it('streams a layer whose output is the largest tensor, with the fewest bands of the smallest peak', () => {
    const g = producerIntoFc('conv3x3', 1);
    const streamed = lowerModel(g, { prefix: 'm', source: 't' });
    const whole = lowerModel(g, { prefix: 'm', source: 't', stream: false });
    expect(streamed.arena.streams).toHaveLength(1);
    expect(streamed.arena.bytes).toBeLessThan(whole.arena.bytes);
    expect(streamed.kernels).toContain('tp_fully_connected_s8_stream');
    expect(whole.arena.streams).toEqual([]);
  });

  it('leaves a FULLY_CONNECTED whose input is not at the peak alone', () => {
    // A 3x3 pool of a 3x3 input: one output row, nothing to split.
    const b = new GraphBuilder('tiny');
    const q = perTensor(0.05, 3);
    const x = b.input('x', [1, 3, 3, 4], 'int8', q);
    const p = b.tensor('p', [1, 1, 1, 4], 'int8', q);
    b.op('MAX_POOL_2D', [x], [p], 'Pool2DOptions', { padding: 'VALID', strideW: 1, strideH: 1, filterWidth: 3, filterHeight: 3, fusedActivationFunction: 'NONE' }, 2);
    const wq = quantizeSymmetricPerChannel(Float32Array.from({ length: 8 }, (_, i) => i / 10 - 0.3), [2, 4], 0);
    const o = b.tensor('o', [1, 2], 'int8', q);
    b.op('FULLY_CONNECTED', [p, b.constInt8('w', [2, 4], wq.values, { scale: [wq.quant.scale[0]!], zeroPoint: [0], axis: 0 }), -1], [o], 'FullyConnectedOptions', { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false }, 5);
    b.markOutput(o);
    expect(lowerModel(b.build(), { prefix: 'm', source: 't' }).arena.streams).toEqual([]);
  });
});

const haveCc = hasTool('cc');
if (!haveCc) console.warn('[skip] streamed layers on the host: no C compiler (cc) on PATH');

describe.skipIf(!haveCc)('streamed layers on the host, bit-exact with the reference interpreter', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-stream-'));
  const pairs: [Producer, Consumer][] = [
    ...(['conv3x3', 'conv-dilated', 'small', 'dw3x3', 'dw-mult2', 'max', 'avg'] as const).map((p) => [p, 'fc'] as [Producer, Consumer]),
    ['conv3x3', 'maxpool2'],
    ['small', 'avgpool3'],
    ['dw-mult2', 'pointwise'],
    ['conv-dilated', 'maxpool2'],
    ['max', 'avgpool3'],
  ];
  for (const family of ['plain', 'dsp'] as const) {
    it(`${family} kernels, every producer into a FULLY_CONNECTED or a windowed layer, band heights 1–3 and the planner's`, async () => {
      for (const [kind, consumer] of pairs) {
        const graph = producerIntoFc(kind, 7, consumer);
        const rng = new Prng(11);
        const inShape = graph.tensors[graph.inputs[0]!]!.shape;
        const inputs = [0, 1].map(() => Uint8Array.from({ length: inShape.reduce((a, v) => a * v, 1) }, () => rng.int(0, 255)));
        // Band heights: 1 (and ASan/UBSan) and 3 with the plain kernels, 2 with the dsp ones, and the planner's.
        for (const stream of family === 'plain' ? ([1, 3, true] as const) : ([2, true] as const)) {
          const gen = generateSources(graph, { source: kind, toolVersion: 'test', stream });
          // Forced band heights always stream; the planner's choice streams where it pays.
          if (stream !== true) expect(gen.plan.arena.streams, `${kind} into ${consumer}, stream ${stream}`).toHaveLength(1);
          const dir = join(root, `${family}-${kind}-${consumer}-${stream}`);
          mkdirSync(dir, { recursive: true });
          for (const f of gen.files) writeFileSync(join(dir, f.name), f.content);
          const { exe } = await buildHost({
            sources: [join(dir, `${gen.plan.prefix}.c`), join(packageRoot(), 'firmware/app/tp_host_main.c'), ...kernelSources(gen.plan.kernels, family)],
            includeDirs: [dir, runtimeIncludeDir(), join(packageRoot(), 'firmware/kernels')],
            defines: { TP_HOST_BUILD: true, ...(family === 'dsp' ? { TP_DSP_EMULATE: true } : {}) },
            outDir: dir,
            sanitize: stream === 1,
          });
          for (const input of inputs) {
            const want = interpret(graph, [input]).outputs[0]!;
            const r = await runHost(exe, input, 60_000);
            expect(r.exitCode, r.stderr).toBe(0);
            expect(Buffer.from(r.stdout).equals(Buffer.from(want)), `${family} ${kind} into ${consumer}, stream ${stream}`).toBe(true);
          }
        }
      }
    }, 600_000);
  }
});
