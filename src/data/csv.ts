/**
 * Numeric CSV data sets: one sample per line, one column holding the class label
 * (UCI optdigits: 64 pixel counts 0..16 then the digit). A header line is skipped when its
 * cells are not all numbers.
 */
import { TinypruneError } from '../errors.js';
import { checkDataset, type Dataset } from './dataset.js';

export interface CsvOptions {
  /** Label column: 'last' (default), 'first' or a 0-based index. */
  labelColumn?: 'last' | 'first' | number;
  /** Multiplies every feature (optdigits: 1/16). */
  scale?: number;
  /** Reshape each sample, e.g. [8, 8, 1]; default [features]. */
  sampleShape?: number[];
  numClasses?: number;
  name?: string;
}

export function parseCsvDataset(text: string, opts: CsvOptions = {}): Dataset {
  const name = opts.name ?? 'CSV data';
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new TinypruneError('E_DATA', 'the CSV file has no data lines', { where: name });
  const sep = lines[0]!.includes(',') ? ',' : lines[0]!.includes(';') ? ';' : /\s+/;
  let rows = lines.map((l) => l.split(sep).map((c) => c.trim()));
  if (rows[0]!.some((c) => c === '' || Number.isNaN(Number(c)))) rows = rows.slice(1); // header
  if (rows.length === 0) throw new TinypruneError('E_DATA', 'the CSV file has a header but no data', { where: name });
  const cols = rows[0]!.length;
  if (cols < 2) throw new TinypruneError('E_DATA', 'a CSV data set needs at least one feature column and a label column', { where: name });
  const lc = opts.labelColumn === 'first' ? 0 : opts.labelColumn === undefined || opts.labelColumn === 'last' ? cols - 1 : opts.labelColumn;
  if (lc < 0 || lc >= cols) throw new TinypruneError('E_DATA', `label column ${lc} does not exist`, { where: name, allowed: `0..${cols - 1}` });
  const features = cols - 1;
  const sampleShape = opts.sampleShape ?? [features];
  if (sampleShape.reduce((a, b) => a * b, 1) !== features) {
    throw new TinypruneError('E_DATA', `sample shape [${sampleShape.join(', ')}] does not hold the ${features} features per line`, { where: name });
  }
  const scale = opts.scale ?? 1;
  const x = new Float32Array(rows.length * features);
  const y = new Int32Array(rows.length);
  let maxLabel = 0;
  rows.forEach((r, i) => {
    if (r.length !== cols) {
      throw new TinypruneError('E_DATA', `line ${i + 1} has ${r.length} columns; the first has ${cols}`, { where: name });
    }
    let k = 0;
    for (let c = 0; c < cols; c++) {
      const v = Number(r[c]);
      if (Number.isNaN(v)) throw new TinypruneError('E_DATA', `line ${i + 1}, column ${c + 1}: '${r[c]}' is not a number`, { where: name });
      if (c === lc) {
        y[i] = v;
        maxLabel = Math.max(maxLabel, v);
      } else x[i * features + k++] = v * scale;
    }
  });
  return checkDataset({ name, sampleShape, x, y, numClasses: opts.numClasses ?? maxLabel + 1 });
}
