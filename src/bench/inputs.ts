/**
 * Samples to stream to a board: raw bytes in the model's input layout (all inputs
 * concatenated, in input order - the layout of `tinyprune run --input`), and optional labels.
 *
 *   --input <raw.bin>             one sample (or several back to back)
 *   --data <file.bin|.raw>        N samples back to back, with --labels <file> (raw uint8
 *                                 bytes, or text: one label per line, or CSV with the label in
 *                                 the last column)
 *   --data <spec>                 any data set src/data reads (mnist:<dir>, .npz, .csv, x.npy,y.npy,
 *                                 a folder): float samples, quantized with the input's scale
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadDataset, sampleSize } from '../data/index.js';
import { TinypruneError } from '../errors.js';
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { readInputFile } from '../util/files.js';

export interface Samples {
  samples: Uint8Array[];
  labels: number[] | undefined;
  /** Where they came from, for the report. */
  source: string;
}

export interface SampleRequest {
  input?: string;
  data?: string;
  labels?: string;
  /** Use the first N samples. */
  limit?: number;
  cwd: string;
}

export function inputBytes(graph: ModelGraph): number {
  return graph.inputs.reduce((s, t) => s + tensorBytes(graph.tensors[t]!), 0);
}

function describeInputs(graph: ModelGraph): string {
  return graph.inputs.map((i, k) => `input ${k}: ${graph.tensors[i]!.dtype}[${graph.tensors[i]!.shape.join('x')}] = ${tensorBytes(graph.tensors[i]!)} bytes`).join('; ');
}

function splitRaw(bytes: Uint8Array, per: number, file: string, graph: ModelGraph): Uint8Array[] {
  if (bytes.length === 0 || bytes.length % per !== 0) {
    throw new TinypruneError('E_INPUT_SIZE', `${path.basename(file)} has ${bytes.length} bytes, not a whole number of samples of ${per} bytes`, {
      where: file,
      allowed: describeInputs(graph),
    });
  }
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += per) out.push(bytes.slice(o, o + per));
  return out;
}

/** Labels from raw uint8 bytes (.bin/.raw) or text (one per line, or CSV: last column). */
export function parseLabels(file: string, bytes: Uint8Array): number[] {
  if (/\.(bin|raw|dat)$/i.test(file)) return Array.from(bytes);
  const out: number[] = [];
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    const last = t.split(/[,\s;]+/).pop()!;
    const n = Number(last);
    if (!Number.isInteger(n) || n < 0) {
      if (i === 0 && out.length === 0) return; // a header line
      throw new TinypruneError('E_DATA', `line ${i + 1} of the labels file has no integer label: ${JSON.stringify(t.slice(0, 60))}`, {
        where: file,
        allowed: 'one non-negative integer per line, or CSV with the label in the last column, or raw uint8 bytes (.bin)',
      });
    }
    out.push(n);
  });
  return out;
}

/** Float samples of a data set → input bytes (int8: quantized with the input's scale/zero point). */
function quantizeSample(graph: ModelGraph, x: Float32Array): Uint8Array {
  const t = graph.tensors[graph.inputs[0]!]!;
  if (t.dtype === 'float32') return new Uint8Array(Float32Array.from(x).buffer);
  if (t.dtype !== 'int8' || !t.quant) {
    throw new TinypruneError('E_DATA', `data sets can feed float32 or int8 inputs; this model's input is ${t.dtype}`, { where: t.name, hint: 'pass raw input bytes with --data <file.bin>' });
  }
  const s = t.quant.scale[0]!;
  const z = t.quant.zeroPoint[0] ?? 0;
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-128, Math.min(127, Math.round(x[i]! / s) + z));
  return new Uint8Array(out.buffer);
}

export function readSamples(graph: ModelGraph, req: SampleRequest): Samples {
  const per = inputBytes(graph);
  const take = <T>(xs: T[]): T[] => (req.limit !== undefined ? xs.slice(0, req.limit) : xs);
  if (req.input !== undefined && req.data !== undefined) {
    throw new TinypruneError('E_USAGE', '--input and --data are alternatives', { where: 'tinyprune bench', hint: '--input for one raw sample, --data for a data set' });
  }
  let labels: number[] | undefined;
  if (req.labels !== undefined) {
    const f = path.resolve(req.cwd, req.labels);
    labels = parseLabels(f, readInputFile(f, 'labels file'));
  }
  if (req.input !== undefined || (req.data !== undefined && /\.(bin|raw|dat)$/i.test(req.data))) {
    const file = path.resolve(req.cwd, (req.input ?? req.data)!);
    const samples = take(splitRaw(readInputFile(file, 'input file'), per, file, graph));
    if (labels && labels.length < samples.length) {
      throw new TinypruneError('E_DATA', `${samples.length} samples but only ${labels.length} labels`, { where: req.labels!, hint: 'one label per sample, in the same order' });
    }
    return { samples, labels: labels?.slice(0, samples.length), source: file };
  }
  if (req.data !== undefined) {
    if (graph.inputs.length !== 1) {
      throw new TinypruneError('E_DATA', `data sets feed single-input models; this one has ${graph.inputs.length} inputs`, { where: req.data, hint: 'pass raw samples (all inputs concatenated) with --data <file.bin>' });
    }
    const ds = loadDataset(req.data, req.cwd);
    const n = sampleSize(ds);
    const want = tensorBytes(graph.tensors[graph.inputs[0]!]!) / (graph.tensors[graph.inputs[0]!]!.dtype === 'float32' ? 4 : 1);
    if (n !== want) {
      throw new TinypruneError('E_DATA', `samples of ${req.data} have ${n} values; the model's input takes ${want}`, { where: req.data, allowed: describeInputs(graph) });
    }
    const count = Math.min(ds.y.length, req.limit ?? ds.y.length);
    const samples: Uint8Array[] = [];
    for (let i = 0; i < count; i++) samples.push(quantizeSample(graph, ds.x.subarray(i * n, (i + 1) * n)));
    return { samples, labels: labels ?? Array.from(ds.y.subarray(0, count)), source: ds.name };
  }
  return { samples: [new Uint8Array(per)], labels: undefined, source: 'zeros' };
}

/** Exposed for tests: raw file helper. */
export function readRawSamples(graph: ModelGraph, file: string): Uint8Array[] {
  return splitRaw(new Uint8Array(readFileSync(file)), inputBytes(graph), file, graph);
}
