/**
 * The sample loop of `tinyprune bench` (src/bench/bench.ts): each sample loaded onto the board,
 * the first one profiled per layer, then timed inferences; every output compared with the
 * reference interpreter. Counts come from the QEMU plugin's marks when QEMU runs the firmware,
 * else from the firmware's own timer.
 */
import { TinypruneError } from '../errors.js';
import { interpret, prepare } from '../interp/index.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { decodeTensor } from '../util/tensor-data.js';
import type { BenchClient, InferReply } from '../device/protocol.js';
import type { QemuSession } from '../device/qemu.js';
import type { Progress } from '../util/progress.js';

export interface ReferenceCheck {
  checked: number;
  matches: number;
  mismatches: { sample: number; output: number; detail: string }[];
}

/** min / max / sum over a number of inferences. */
interface Tally {
  min: number;
  max: number;
  sum: number;
  count: number;
}

/** What the loop measured over all samples. */
export interface SampleRuns {
  /** One inference of the first sample, and its layers (instructions, or the device's ticks). */
  first: number;
  layerCounts: number[];
  stats: Tally;
  /** Estimated cycles at the same marks (QEMU), count 0 when the plugin gave none. */
  cyc: Tally & { total: number; layers: number[] };
  arena: number;
  stack: number;
  firstOutputs: Uint8Array[];
  reference: ReferenceCheck;
  /** Samples whose top-1 output is their label. */
  correct: number;
}

export interface SampleLoop {
  graph: ModelGraph;
  samples: Uint8Array[];
  labels: number[] | undefined;
  iterations: number;
  warmup: number;
  client: BenchClient;
  /** QEMU running the firmware: its plugin's marks count the inferences. */
  session: QemuSession | undefined;
  portPath: string;
  /** Turns a protocol failure into what happened (a fault in QEMU). */
  fault: (e: unknown) => Promise<never>;
  stages: Progress | undefined;
  say: (text: string) => void;
}

/** Compare with the interpreter: int8 and other integers exactly, float32 within 1e-5 relative. */
function outputsDiffer(graph: ModelGraph, k: number, got: Uint8Array, want: Uint8Array): string | undefined {
  if (got.length !== want.length) return `${got.length} bytes, expected ${want.length}`;
  const t = graph.tensors[graph.outputs[k]!]!;
  if (t.dtype !== 'float32') {
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `byte ${i}: ${got[i]} vs ${want[i]} (reference)`;
    return undefined;
  }
  const a = new DataView(got.buffer, got.byteOffset, got.byteLength);
  const b = new DataView(want.buffer, want.byteOffset, want.byteLength);
  for (let i = 0; i + 4 <= got.length; i += 4) {
    const x = a.getFloat32(i, true);
    const y = b.getFloat32(i, true);
    if (!(Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y))) && !(Number.isNaN(x) && Number.isNaN(y))) return `element ${i / 4}: ${x} vs ${y} (reference)`;
  }
  return undefined;
}

function splitInputs(graph: ModelGraph, sample: Uint8Array): Uint8Array[] {
  let off = 0;
  return graph.inputs.map((t) => {
    const n = tensorBytes(graph.tensors[t]!);
    const part = sample.slice(off, off + n);
    off += n;
    return part;
  });
}

function argmax(graph: ModelGraph, bytes: Uint8Array): number {
  const { values } = decodeTensor(graph.tensors[graph.outputs[0]!]!, bytes);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

type MarkReader = (want: number, what: string) => { marks: number[]; cycles: number[] };

/**
 * The plugin's instruction marks (and estimated cycles at the same marks) recorded since the
 * last read; E_DEVICE_PROTOCOL when there are not as many as the firmware should have made.
 */
function markReader(session: QemuSession, where: string): MarkReader {
  let marksSeen = session.marks().length;
  let cyclesSeen = session.cycleMarks().length;
  return (want, what) => {
    const all = session.marks();
    const fresh = all.slice(marksSeen);
    marksSeen = all.length;
    const allCycles = session.cycleMarks();
    const cycles = allCycles.slice(cyclesSeen);
    cyclesSeen = allCycles.length;
    if (fresh.length !== want) {
      throw new TinypruneError('E_DEVICE_PROTOCOL', `expected ${want} instruction marks from ${what}, the plugin recorded ${fresh.length}`, { where, hint: 'the firmware and the plugin disagree: rebuild the build directory' });
    }
    return { marks: fresh, cycles };
  };
}

/** Differences of consecutive marks: n of them, from pairs (start k, end k + 1) or (2k, 2k + 1). */
const spans = (m: number[], n: number, pairs: boolean): number[] => Array.from({ length: n }, (_, k) => (pairs ? m[2 * k + 1]! - m[2 * k]! : m[k + 1]! - m[k]!));

function addCounts(t: Tally, counts: number[]): void {
  t.min = Math.min(t.min, ...counts);
  t.max = Math.max(t.max, ...counts);
  t.sum += counts.reduce((a, b) => a + b, 0);
}

/** The first sample's per-layer profile, and the high-water marks it reports. */
async function profileLayers(loop: SampleLoop, runs: SampleRuns, readMarks: MarkReader | undefined): Promise<void> {
  const { graph } = loop;
  const l = await loop.client.layers().catch(loop.fault);
  runs.arena = l.arenaUsed;
  runs.stack = l.stackUsed;
  if (readMarks) {
    const { marks: m, cycles } = readMarks(graph.ops.length + 1, 'tp-layers');
    runs.layerCounts = spans(m, graph.ops.length, false);
    if (cycles.length === m.length) runs.cyc.layers = spans(cycles, graph.ops.length, false);
  } else {
    runs.layerCounts = l.ticks;
  }
}

/** One sample's timed inferences: counted by the plugin, or by the device's own timer. */
function countInferences(loop: SampleLoop, runs: SampleRuns, r: InferReply, readMarks: MarkReader | undefined, firstSample: boolean): void {
  const { iterations } = loop;
  const { stats, cyc } = runs;
  if (readMarks) {
    const { marks: m, cycles } = readMarks(2 * iterations, 'infer');
    const counts = spans(m, iterations, true);
    addCounts(stats, counts);
    if (firstSample) runs.first = counts[0]!;
    if (cycles.length === m.length) {
      const cc = spans(cycles, iterations, true);
      addCounts(cyc, cc);
      cyc.count += iterations;
      if (firstSample) cyc.total = cc[0]!;
    }
  } else {
    // The device's own timer: it sums, and keeps min and max, of the N timed inferences.
    stats.min = Math.min(stats.min, r.ticks.min);
    stats.max = Math.max(stats.max, r.ticks.max);
    stats.sum += r.ticks.sum;
    if (firstSample) runs.first = r.ticks.min;
  }
  stats.count += iterations;
}

/** A sample's outputs against the interpreter's (at most 20 mismatches are kept). */
function checkOutputs(graph: ModelGraph, reference: ReferenceCheck, sample: number, got: Uint8Array[], want: Uint8Array[]): void {
  reference.checked++;
  let ok = true;
  want.forEach((w, k) => {
    const d = outputsDiffer(graph, k, got[k]!, w);
    if (d) {
      ok = false;
      if (reference.mismatches.length < 20) reference.mismatches.push({ sample, output: k, detail: d });
    }
  });
  if (ok) reference.matches++;
}

export async function runSamples(loop: SampleLoop): Promise<SampleRuns> {
  const { graph, samples, client } = loop;
  const plan = prepare(graph);
  const readMarks = loop.session ? markReader(loop.session, loop.portPath) : undefined;
  const runs: SampleRuns = {
    first: 0,
    layerCounts: [],
    stats: { min: Infinity, max: 0, sum: 0, count: 0 },
    cyc: { total: 0, layers: [], min: Infinity, max: 0, sum: 0, count: 0 },
    arena: 0,
    stack: 0,
    firstOutputs: [],
    reference: { checked: 0, matches: 0, mismatches: [] },
    correct: 0,
  };
  loop.stages?.start('bench', samples.length);
  for (const [i, sample] of samples.entries()) {
    await client.load(sample).catch(loop.fault);
    if (i === 0) await profileLayers(loop, runs, readMarks);
    const r = await client.infer(loop.iterations, loop.warmup, graph.outputs.length).catch(loop.fault);
    countInferences(loop, runs, r, readMarks, i === 0);
    if (i === 0) runs.firstOutputs = r.outputs;
    checkOutputs(graph, runs.reference, i, r.outputs, interpret(plan, splitInputs(graph, sample)).outputs);
    if (loop.labels && argmax(graph, r.outputs[0]!) === loop.labels[i]) runs.correct++;
    if (loop.stages) loop.stages.tick(1);
    else if (samples.length > 1 && (i + 1) % 10 === 0) loop.say(`  ${i + 1}/${samples.length} samples`);
  }
  loop.stages?.done();
  return runs;
}
