/**
 * TF.js layers models: model.json ({modelTopology, weightsManifest}) and its binary shards.
 * The topology is the same Keras config as in an .h5 file; weights are little-endian float32
 * (other dtypes are rejected), concatenated across the shards in manifest order.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { readInputFile } from '../util/files.js';
import { kerasToGraph, type WeightArray } from './keras.js';

interface Manifest {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
}

export function readTfjsLayersModel(modelJson: string): ModelGraph {
  const file = resolve(modelJson);
  let json: { modelTopology?: Record<string, unknown>; weightsManifest?: Manifest[]; format?: string };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TinypruneError('E_IMPORT', `cannot read model.json: ${(e as Error).message}`, { where: file, cause: e });
  }
  if (!json.modelTopology || !json.weightsManifest) throw new TinypruneError('E_IMPORT', 'not a TF.js layers model (needs modelTopology and weightsManifest)', { where: file });
  if (json.format === 'graph-model') throw new TinypruneError('E_IMPORT', 'TF.js graph models are not supported; export a layers model', { where: file });
  const topo = json.modelTopology;
  const config = (topo.model_config ?? topo) as Parameters<typeof kerasToGraph>[0];
  const byName = new Map<string, WeightArray>();
  for (const group of json.weightsManifest) {
    const parts = group.paths.map((p) => readInputFile(resolve(dirname(file), p), 'weight shard'));
    const total = parts.reduce((a, p) => a + p.length, 0);
    const buf = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    const dv = new DataView(buf.buffer);
    let off = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization) throw new TinypruneError('E_IMPORT', `weight '${w.name}' is ${w.quantization ? 'quantized' : w.dtype}; only float32 weights are supported`, { where: file });
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (off + 4 * n > total) throw new TinypruneError('E_IMPORT', `the weight shards end before weight '${w.name}'`, { where: file });
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = dv.getFloat32(off + 4 * i, true);
      off += 4 * n;
      byName.set(w.name, { shape: w.shape, values });
    }
  }
  return kerasToGraph(config, {
    get(layer, name) {
      return byName.get(`${layer}/${name}`) ?? [...byName.entries()].find(([k]) => k.startsWith(`${layer}/`) && k.replace(/_\d+$/, '').endsWith(`/${name}`))?.[1];
    },
  }, `TF.js layers model imported from ${file}`);
}
