/**
 * In-place layers in QEMU: a chain that runs every audited kernel path with its output over
 * its input (depthwise with multiplier 1 and 4, stride 1 and 2; pointwise with fewer and more
 * output channels and an odd pixel count, for the dsp pair loop; a 3x3 convolution small
 * enough for the dsp patch gather; max and average pooling), built for Cortex-M4F (dsp/),
 * Cortex-M55 (mve/) and Cortex-M3 (plain C): the outputs must equal the reference
 * interpreter's, and the planner must have put most of the layers in place.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/build/build.js';
import { hasTool } from '../../src/firmware/toolchain.js';
import { interpret } from '../../src/interp/index.js';
import { GraphBuilder, perTensor, quantizeBias, quantizeSymmetricPerChannel } from '../../src/ir/builder.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { runBuild } from '../../src/run/run.js';
import { writeTflite } from '../../src/tflite/write.js';
import { Prng } from '../../src/util/prng.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');

function chain(seed: number): ModelGraph {
  const rng = new Prng(seed);
  const b = new GraphBuilder('in-place chain');
  const q = perTensor(0.05, 3);
  const weights = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * 0.3);
  const same = { padding: 'SAME', dilationWFactor: 1, dilationHFactor: 1, fusedActivationFunction: 'NONE' };
  let x = b.input('x', [1, 9, 7, 8], 'int8', q);
  let shape = [1, 9, 7, 8];
  const conv = (name: string, out: number[], kh: number, kw: number, stride: number): void => {
    const cin = shape[3]!;
    const w = quantizeSymmetricPerChannel(weights(out[3]! * kh * kw * cin), [out[3]!, kh, kw, cin], 0);
    const bias = quantizeBias(weights(out[3]!), 0.05, w.quant.scale);
    const y = b.tensor(name, out, 'int8', q);
    b.op('CONV_2D', [x, b.constInt8(`${name}/w`, [out[3]!, kh, kw, cin], w.values, w.quant), b.constInt32(`${name}/b`, [out[3]!], bias.values, bias.quant)], [y], 'Conv2DOptions', { ...same, strideW: stride, strideH: stride }, 3);
    x = y;
    shape = out;
  };
  const dw = (name: string, out: number[], mult: number, stride: number): void => {
    const w = quantizeSymmetricPerChannel(weights(9 * out[3]!), [1, 3, 3, out[3]!], 3);
    const bias = quantizeBias(weights(out[3]!), 0.05, w.quant.scale);
    const y = b.tensor(name, out, 'int8', q);
    b.op('DEPTHWISE_CONV_2D', [x, b.constInt8(`${name}/w`, [1, 3, 3, out[3]!], w.values, w.quant), b.constInt32(`${name}/b`, [out[3]!], bias.values, bias.quant)], [y], 'DepthwiseConv2DOptions', { ...same, strideW: stride, strideH: stride, depthMultiplier: mult }, 3);
    x = y;
    shape = out;
  };
  const pool = (opcode: string, name: string, out: number[], f: number, stride: number): void => {
    const y = b.tensor(name, out, 'int8', q);
    b.op(opcode, [x], [y], 'Pool2DOptions', { padding: 'VALID', strideW: stride, strideH: stride, filterWidth: f, filterHeight: f, fusedActivationFunction: 'NONE' }, 2);
    x = y;
    shape = out;
  };
  dw('dw1', [1, 9, 7, 8], 1, 1);
  conv('pw_narrow', [1, 9, 7, 4], 1, 1, 1);
  dw('dw_mult4', [1, 5, 4, 16], 4, 2);
  conv('pw_wide', [1, 5, 4, 24], 1, 1, 1);
  conv('pw_8', [1, 5, 4, 8], 1, 1, 1);
  pool('MAX_POOL_2D', 'max', [1, 4, 3, 8], 2, 1);
  conv('conv3x3', [1, 4, 3, 8], 3, 3, 1);
  pool('AVERAGE_POOL_2D', 'avg', [1, 2, 1, 8], 2, 2);
  b.markOutput(x);
  return b.build();
}

describe.skipIf(!haveTools)('in-place layers in QEMU', () => {
  const root = mkdtempSync(join(tmpdir(), 'tp-in-place-'));
  const modelPath = join(root, 'chain.tflite');
  const graph = chain(3);
  writeFileSync(modelPath, writeTflite(graph));
  const rng = new Prng(9);
  const inputs = [0, 1, 2].map(() => Uint8Array.from({ length: 9 * 7 * 8 }, () => rng.int(0, 255)));

  for (const board of ['mps2-an386', 'mps3-an547', 'mps2-an385']) {
    it(`${board}: byte-identical with the interpreter, layers in place`, async () => {
      const dir = join(root, board);
      const report = await buildModel({ modelPath, board, emulate: false, outDir: dir, toolVersion: 'test' });
      const inPlace = report.layers.filter((l) => l.inPlace);
      console.info(`[${board}] in place: ${inPlace.map((l) => `${l.index} ${l.op} (${l.inPlace!.savedBytes} B saved)`).join(', ')}; arena ${report.arena.bytes} B`);
      expect(inPlace.length).toBeGreaterThanOrEqual(5);
      for (const input of inputs) {
        const want = interpret(graph, [input]).outputs[0]!;
        const r = await runBuild({ dir, board, input });
        expect(Buffer.from(r.outputs[0]!).equals(Buffer.from(want))).toBe(true);
      }
    }, 600_000);
  }
});
