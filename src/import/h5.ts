/**
 * Keras .h5 files (HDF5) without Python, through h5wasm (HDF5 compiled to WebAssembly): the
 * `model_config` attribute is the Keras model JSON, and each layer's weights are datasets under
 * model_weights/<layer>/ listed by the group's `weight_names` attribute.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { readInputFile } from '../util/files.js';
import { kerasToGraph, type WeightArray, type WeightSource } from './keras.js';

interface H5Entity {
  attrs: Record<string, { value: unknown }>;
  keys?: () => string[];
  get?: (p: string) => H5Entity | null;
  value?: unknown;
  shape?: number[] | null;
}

export async function readKerasH5(path: string): Promise<ModelGraph> {
  const file = resolve(path);
  if (!existsSync(file)) throw new TinypruneError('E_FILE_NOT_FOUND', 'Keras .h5 file not found', { where: file });
  // HDF5 signature at 0, 512, 1024, … (a user block may precede it); h5wasm itself only
  // prints diagnostics for a non-HDF5 file, so check first.
  const head = readInputFile(file, 'Keras .h5 file');
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  let ok = false;
  for (let off = 0; off + 8 <= head.length && !ok; off = off === 0 ? 512 : off * 2) ok = SIG.every((b, i) => head[off + i] === b);
  if (!ok) throw new TinypruneError('E_IMPORT', 'not an HDF5 file (no HDF5 signature)', { where: file, hint: 'pass a Keras model saved as .h5' });
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    throw new TinypruneError('E_IMPORT', `not a readable HDF5 file: ${(e as Error).message}`, { where: file, cause: e });
  }
  try {
    const cfgAttr = (f as unknown as H5Entity).attrs['model_config'];
    if (!cfgAttr) throw new TinypruneError('E_IMPORT', 'the .h5 file has no model_config (a weights-only file?)', { where: file, hint: 'save the whole model with model.save("model.h5")' });
    const raw = cfgAttr.value;
    const config = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array));
    const root = ((f as unknown as H5Entity).get?.('model_weights') ?? f) as H5Entity;
    const weights: WeightSource = {
      get(layer: string, name: string): WeightArray | undefined {
        const g = root.get?.(layer);
        if (!g) return undefined;
        const listed = g.attrs['weight_names']?.value as string[] | undefined;
        const wanted = (listed ?? []).find((n) => n.replace(/:\d+$/, '').split('/').pop() === name);
        if (!wanted) return undefined;
        const ds = (g.get?.(wanted) ?? root.get?.(wanted)) as H5Entity | null;
        if (!ds || ds.value === undefined || ds.value === null) return undefined;
        const v = ds.value;
        const values = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
        return { shape: ds.shape ?? [values.length], values };
      },
    };
    return kerasToGraph(config, weights, `Keras model imported from ${file}`);
  } catch (e) {
    if (e instanceof TinypruneError) throw e;
    throw new TinypruneError('E_IMPORT', `cannot read the Keras model: ${(e as Error).message}`, { where: file, cause: e });
  } finally {
    f.close();
  }
}
