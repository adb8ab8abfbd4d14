/**
 * Generated sources built for the host with the dsp kernels emulated in C (TP_DSP_EMULATE), run
 * on random inputs and on the extremes (all -128, all 127), each output compared byte for byte
 * with the reference interpreter's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { kernelSources, runtimeIncludeDir, type GeneratedSources } from '../../src/codegen/generate.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { packageRoot } from '../../src/firmware/paths.js';
import { interpret } from '../../src/interp/index.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { Prng } from '../../src/util/prng.js';

/** A few int8 inputs of the graph's input size: random ones, then all -128 and all 127. */
export function pairsInputs(graph: ModelGraph, seed: number): Uint8Array[] {
  const rng = new Prng(seed);
  const n = graph.tensors[graph.inputs[0]!]!.shape.reduce((a, v) => a * v, 1);
  const inputs = [0, 1, 2].map(() => Uint8Array.from({ length: n }, () => rng.int(0, 255)));
  inputs.push(new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f));
  return inputs;
}

export async function expectDspHostBitExact(graph: ModelGraph, gen: GeneratedSources, dir: string, seed: number, sanitize: boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of gen.files) writeFileSync(join(dir, f.name), f.content);
  const { exe } = await buildHost({
    sources: [join(dir, `${gen.plan.prefix}.c`), join(packageRoot(), 'firmware/app/tp_host_main.c'), ...kernelSources(gen.plan.kernels, 'dsp')],
    includeDirs: [dir, runtimeIncludeDir(), join(packageRoot(), 'firmware/kernels')],
    defines: { TP_HOST_BUILD: true, TP_DSP_EMULATE: true },
    outDir: dir,
    sanitize,
  });
  for (const input of pairsInputs(graph, seed)) {
    const want = interpret(graph, [input]).outputs[0]!;
    const r = await runHost(exe, input, 60_000);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Buffer.from(r.stdout).equals(Buffer.from(want))).toBe(true);
  }
}
