/**
 * `build --measure`: one inference of a build directory in QEMU on seeded random inputs; the
 * exact instruction counts, whole and per layer, go into its report.
 */
import { tensorBytes, type ModelGraph } from '../../ir/graph.js';
import { runBuild } from '../../run/run.js';
import { Prng } from '../../util/prng.js';
import type { BuildReport } from '../../contracts/report.js';

/** Seeded random inputs (the kernels' instruction counts hardly depend on the values). */
function measureInputs(graph: ModelGraph): Uint8Array {
  const rng = new Prng(1);
  const parts = graph.inputs.map((t) => {
    const tensor = graph.tensors[t]!;
    const bytes = new Uint8Array(tensorBytes(tensor));
    if (tensor.dtype === 'float32') {
      const dv = new DataView(bytes.buffer);
      for (let i = 0; i + 4 <= bytes.length; i += 4) dv.setFloat32(i, Math.fround(rng.normal()), true);
    } else {
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
    }
    return bytes;
  });
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

export async function measureInto(dir: string, graph: ModelGraph, report: BuildReport): Promise<void> {
  const r = await runBuild({ dir, input: measureInputs(graph), cycles: true });
  report.measured = { instructions: r.instructions.total, estimatedCycles: r.estimatedCycles.total };
  report.layers.forEach((l, i) => (l.measuredInstructions = r.instructions.layers[i] ?? null));
}

