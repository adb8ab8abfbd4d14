/** The format registry: name -> implementation (string-keyed, one file per format). */
import { FORMAT_NAMES, type FormatName, type WeightMatrix } from '../types.js';
import { bitmask } from './bitmask.js';
import { block1x16, block1x4, block4x1, block4x2 } from './block.js';
import { channel } from './channel.js';
import { csr16, csr8 } from './csr.js';
import { dense } from './dense.js';
import { filterlet } from './filterlet.js';
import type { SparseFormat, SparseOp } from './format.js';
import { nm1_4, nm1_8, nm2_4 } from './nm.js';
import { pattern } from './pattern.js';
import { rel4 } from './rel4.js';

export type { SparseFormat, SparseOp } from './format.js';

export const FORMATS: Readonly<Record<FormatName, SparseFormat>> = {
  dense,
  bitmask,
  csr8,
  csr16,
  rel4,
  block1x4,
  block4x1,
  block4x2,
  block1x16,
  nm2_4,
  nm1_4,
  nm1_8,
  pattern,
  filterlet,
  channel,
};

/** Sparse formats (not dense) with a kernel for this op and dtype, in registry order. */
export function sparseFormatsFor(op: SparseOp, dtype: WeightMatrix['dtype']): FormatName[] {
  return FORMAT_NAMES.filter((f) => f !== 'dense' && FORMATS[f].supports(op, dtype));
}

/** Sparse formats that can hold this matrix exactly. */
export function applicableFormats(op: SparseOp, m: WeightMatrix): FormatName[] {
  return sparseFormatsFor(op, m.dtype).filter((f) => FORMATS[f].notApplicable(m) === undefined);
}

/** C kernel function for an op, dtype and format: tp_fully_connected_s8_csr16 … */
export function sparseKernelName(op: SparseOp, dtype: WeightMatrix['dtype'], format: FormatName): string {
  const opName = op === 'fc' ? 'fully_connected' : op === 'conv' ? 'conv_2d' : 'depthwise_conv_2d';
  return `tp_${opName}_${dtype === 'int8' ? 's8' : 'f32'}_${FORMATS[format].kernel}`;
}
