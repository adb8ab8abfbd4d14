/**
 * verify (emulated boards): the build run in QEMU on validation samples (or seeded inputs)
 * gives the reference interpreter's outputs, bit for bit.
 */
import type { PipelineReport } from '../../contracts/report.js';
import type { Stage } from '../../contracts/stage.js';
import { interpret } from '../../interp/index.js';
import { tensorBytes, type ModelGraph } from '../../ir/graph.js';
import { runBuild } from '../../run/run.js';
import { seededInputs, type SplitData } from '../accuracy.js';
import type { PipelineContext } from './context.js';

export const verify: Stage<PipelineContext> = {
  name: 'verify',
  skip: (c) => c.target.mode === 'device',
  async run(c) {
    const v = await verifyInQemu(c.staging, c.graph, c.data, c.req.verifySamples ?? 8);
    c.report.verify = v;
    c.log(`verify: ${v.bitExact}/${v.samples} outputs bit-exact with the interpreter in QEMU`);
  },
};

async function verifyInQemu(dir: string, graph: ModelGraph, data: SplitData | undefined, n: number): Promise<NonNullable<PipelineReport['verify']>> {
  const inputs = verifyInputs(graph, data, n);
  let bitExact = 0;
  let correct = 0;
  let instructions = 0;
  for (const { bytes, label } of inputs) {
    const want = interpret(graph, [bytes]).outputs;
    const r = await runBuild({ dir, input: bytes });
    instructions = r.instructions.total;
    if (r.outputs.length === want.length && r.outputs.every((o, i) => Buffer.from(o).equals(Buffer.from(want[i]!)))) bitExact++;
    if (label !== undefined && argmaxInt8(r.outputs[0]!) === label) correct++;
  }
  return { samples: inputs.length, bitExact, onDeviceAccuracy: data ? correct / inputs.length : null, instructions };
}

function argmaxInt8(b: Uint8Array): number {
  const v = new Int8Array(b.buffer, b.byteOffset, b.byteLength);
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function verifyInputs(graph: ModelGraph, data: SplitData | undefined, n: number): { bytes: Uint8Array; label?: number }[] {
  const t = graph.tensors[graph.inputs[0]!]!;
  const size = tensorBytes(t);
  if (data && t.quant && t.dtype === 'int8') {
    const per = data.validation.x.length / data.validation.y.length;
    const out: { bytes: Uint8Array; label: number }[] = [];
    for (let i = 0; i < Math.min(n, data.validation.y.length); i++) {
      const x = data.validation.x.subarray(i * per, (i + 1) * per);
      const q = new Int8Array(size);
      const s = t.quant.scale[0]!;
      const z = t.quant.zeroPoint[0]!;
      for (let j = 0; j < size; j++) q[j] = Math.max(-128, Math.min(127, Math.round(x[j]! / s) + z));
      out.push({ bytes: new Uint8Array(q.buffer), label: data.validation.y[i]! });
    }
    return out;
  }
  return seededInputs(graph, n, 1).map((bytes) => ({ bytes }));
}
