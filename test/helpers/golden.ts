/** The golden vectors in ../shared/golden (TFLite Micro's own outputs). */
import { existsSync, readFileSync } from 'node:fs';
import { sharedPath } from './shared.js';

export interface GoldenCase {
  input: string;
  inputBytes: Uint8Array;
  outputs: Uint8Array[];
}

export interface GoldenModel {
  name: string;
  status: string;
  modelPath: string;
  ops: string[];
  cases: GoldenCase[];
  /** float32 outputs (compare SOFTMAX outputs with a ulp tolerance, per golden/README.md). */
  float: boolean;
}

interface IndexJson {
  status: string;
  model: { shared_path: string };
  operators: { op: string }[];
  inputs: { id: string; file: string }[];
  outputs?: { input: string; output_index: number; file: string; dtype: string }[];
}

export function loadGolden(name: string): GoldenModel {
  const dir = sharedPath('golden', name);
  const index = JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as IndexJson;
  const outs = index.outputs ?? [];
  const cases = index.inputs.map((i) => ({
    input: i.id,
    inputBytes: new Uint8Array(readFileSync(`${dir}/${i.file}`)),
    outputs: outs
      .filter((o) => o.input === i.id)
      .sort((a, b) => a.output_index - b.output_index)
      .map((o) => new Uint8Array(readFileSync(`${dir}/${o.file}`))),
  }));
  return {
    name,
    status: index.status,
    modelPath: sharedPath(index.model.shared_path),
    ops: [...new Set(index.operators.map((o) => o.op))],
    cases,
    float: outs.some((o) => o.dtype === 'FLOAT32'),
  };
}

export function goldenNames(): string[] {
  const all = ['hello_world_int8', 'hello_world_float', 'micro_speech_quantized', 'person_detect', 'kws_ref_model', 'pretrainedResnet_quant', 'pretrainedResnet'];
  return all.filter((n) => existsSync(sharedPath('golden', n, 'index.json')));
}

/** Largest distance in float32 ulps between two equal-length float32 byte arrays. */
export function maxUlpDiff(a: Uint8Array, b: Uint8Array): number {
  const da = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const db = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let worst = 0;
  const ord = (x: number): number => (x & 0x80000000 ? 0x80000000 - (x & 0x7fffffff) : x + 0x80000000);
  for (let i = 0; i + 3 < a.length; i += 4) {
    worst = Math.max(worst, Math.abs(ord(da.getUint32(i, true)) - ord(db.getUint32(i, true))));
  }
  return worst;
}
