/**
 * One entry point for the CLI: a data-set spec → a Dataset.
 *   mnist:<dir>            <dir>/t10k-images-idx3-ubyte(.gz) + t10k-labels-idx1-ubyte(.gz)
 *   digits:<file>          UCI optdigits (.tra/.tes/.csv): 64 values 0..16 + label → [8, 8, 1]
 *   <file.csv>             numeric CSV, label in the last column
 *   <file.npz>             arrays 'x' and 'y' (or 'x_train'/'y_train', or the first two)
 *   <x.npy>,<y.npy>        samples and labels
 *   <dir>                  an MNIST folder (if it has the IDX files) or a folder of class folders
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TinypruneError } from '../errors.js';
import { readInputFile } from '../util/files.js';
import { checkDataset, type Dataset } from './dataset.js';
import { parseCsvDataset } from './csv.js';
import { loadFolderDataset } from './folder.js';
import { loadIdxDataset, maybeGunzip } from './idx.js';
import { parseGeneratedSpec } from './generated.js';
import { parseNpy, parseNpz, type NpyArray } from './npy.js';

function findIdx(dir: string, stem: string): string | undefined {
  for (const f of [`${stem}.gz`, stem]) if (existsSync(join(dir, f))) return join(dir, f);
  return undefined;
}

export function loadMnistDir(dir: string, which: 't10k' | 'train' = 't10k'): Dataset {
  const images = findIdx(dir, `${which}-images-idx3-ubyte`);
  const labels = findIdx(dir, `${which}-labels-idx1-ubyte`);
  if (!images || !labels) {
    throw new TinypruneError('E_DATA', `MNIST folder lacks ${which}-images-idx3-ubyte(.gz) or ${which}-labels-idx1-ubyte(.gz)`, { where: dir });
  }
  return loadIdxDataset(images, labels, { scale: 1 / 255, numClasses: 10, name: `mnist-${which}` });
}

export function loadDigitsFile(path: string): Dataset {
  const text = readFileSync(path, 'utf8');
  return parseCsvDataset(text, { scale: 1 / 16, sampleShape: [8, 8, 1], numClasses: 10, name: `digits:${path}` });
}

export function datasetFromArrays(x: NpyArray, y: NpyArray, name: string): Dataset {
  const n = y.shape[0] ?? 0;
  if (y.shape.length !== 1) throw new TinypruneError('E_DATA', `labels must be 1-D; got shape (${y.shape.join(', ')})`, { where: name });
  if (x.shape[0] !== n) throw new TinypruneError('E_DATA', `${x.shape[0]} samples but ${n} labels`, { where: name, hint: 'x and y must have the same first dimension' });
  const sampleShape = x.shape.slice(1);
  if (sampleShape.length === 0) sampleShape.push(1);
  let max = 0;
  for (const l of y.data) max = Math.max(max, l);
  return checkDataset({ name, sampleShape, x: Float32Array.from(x.data), y: Int32Array.from(y.data), numClasses: max + 1 });
}

export function loadDataset(spec: string, cwd = process.cwd()): Dataset {
  const generated = parseGeneratedSpec(spec);
  if (generated) return generated;
  const colon = /^(mnist|digits):(.*)$/.exec(spec);
  if (colon) {
    const p = resolve(cwd, colon[2]!);
    return colon[1] === 'mnist' ? loadMnistDir(p) : loadDigitsFile(p);
  }
  if (spec.includes(',')) {
    const [xs, ys] = spec.split(',').map((s) => resolve(cwd, s)) as [string, string];
    return datasetFromArrays(parseNpy(readInputFile(xs, '.npy file'), xs), parseNpy(readInputFile(ys, '.npy file'), ys), spec);
  }
  const p = resolve(cwd, spec);
  if (!existsSync(p)) throw new TinypruneError('E_FILE_NOT_FOUND', 'data set not found', { where: p });
  if (statSync(p).isDirectory()) return findIdx(p, 't10k-images-idx3-ubyte') ? loadMnistDir(p) : loadFolderDataset(p);
  const lower = p.toLowerCase();
  if (lower.endsWith('.npz')) {
    const arrays = parseNpz(readInputFile(p, '.npz file'), p);
    const names = [...arrays.keys()];
    const pick = (cands: string[], k: number): NpyArray => {
      const n = cands.find((c) => arrays.has(c)) ?? names[k];
      const a = n === undefined ? undefined : arrays.get(n);
      if (!a) throw new TinypruneError('E_DATA', '.npz archive needs two arrays (samples, labels)', { where: p, allowed: "x/y, x_train/y_train, or two arrays" });
      return a;
    };
    return datasetFromArrays(pick(['x', 'x_train', 'X'], 0), pick(['y', 'y_train', 'Y'], 1), p);
  }
  if (lower.endsWith('.tra') || lower.endsWith('.tes')) return loadDigitsFile(p);
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) {
    const text = new TextDecoder().decode(maybeGunzip(readInputFile(p, 'CSV file'), p));
    return parseCsvDataset(text, { name: p });
  }
  throw new TinypruneError('E_DATA', `cannot tell the data-set format of ${p}`, {
    where: p,
    allowed: 'mnist:<dir>, digits:<file>, generated-digits[:count[:seed]], .csv, .npz, x.npy,y.npy, or a folder of class folders',
  });
}
