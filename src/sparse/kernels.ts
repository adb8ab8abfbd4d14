/**
 * Where the sparse kernels' C lives: firmware/kernels/sparse/<kernel>.c, with optimised
 * variants of the same name in sparse/dsp/ (SMLAD: Cortex-M4/M7/M33) and sparse/mve/ (Helium:
 * Cortex-M55, which also has the DSP extension). The build compiles only the kernels a model
 * calls, each from the most specific folder that has it, plus the row functions those kernel
 * files call: each its own file, tp_sp_rows_<s8|f32>_<format>[_dsp|_mve].c, beside the kernel
 * file or in sparse/ (tp_sp_rows.h).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TinypruneError } from '../errors.js';
import { packageRoot } from '../util/paths.js';

export type KernelFamily = 'plain' | 'dsp' | 'mve';

/**
 * Multiply-adds (per batch) from which a dsp FULLY_CONNECTED's row-pair packing pays
 * (src/codegen/ops/fc_pairs.ts). Below it the input sum and the 4-row blocks' epilogue weigh
 * more, and a second FULLY_CONNECTED kernel in flash (hello_world's 16x16 layer: 2,433 -> 2,482
 * instructions, +780 B of code).
 */
export const FC_PAIRS_MIN_MACS = 4096;

/**
 * Input depths (multiples of 4) of the pointwise CONV_2D layers whose filter a dsp build packs in
 * channel pairs (src/codegen/ops/conv_pairs.ts): up to the kernel's TP_PW_XMAX, and from where
 * it pays. With 2-channel blocks that was from 32 (below, a block's few steps could not carry
 * the lo channel's correction and the input sums; person_detect's 1x1 layers, instructions
 * with / without: input depth 8: 1,214,813 / 1,067,148; 16: 682,861 / 645,788). Since the
 * packed layers run in quads of channels with the correction fused into the requantisation, it
 * pays from 8: 1,058,132 / 1,093,844 and 590,116 / 652,612. Depth 4 (one step) is not measured.
 */
export const PW_PAIRS_MIN_DEPTH = 8;
export const PW_PAIRS_MAX_DEPTH = 256;

export function sparseKernelsDir(): string {
  return path.join(packageRoot(), 'firmware', 'kernels', 'sparse');
}

/** Sparse kernel functions are named tp_<op>_<s8|f32>_<format kernel>. */
export function isSparseKernel(kernel: string): boolean {
  return existsSync(path.join(sparseKernelsDir(), `${kernel}.c`));
}

/** The C file of a sparse kernel for a core family (optimised variant when there is one). */
export function sparseKernelSource(kernel: string, family: KernelFamily): string {
  const dir = sparseKernelsDir();
  const order = family === 'mve' ? ['mve', 'dsp', '.'] : family === 'dsp' ? ['dsp', '.'] : ['.'];
  for (const sub of order) {
    const f = path.join(dir, sub, `${kernel}.c`);
    if (existsSync(f)) return f;
  }
  return path.join(dir, `${kernel}.c`);
}

/**
 * The row-function files a kernel file calls: the tp_sp_rows_* names in its code (comments
 * left out), each found beside the kernel file, else in sparse/.
 */
function rowSources(kernelFile: string): string[] {
  const code = readFileSync(kernelFile, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const names = [...new Set(code.match(/\btp_sp_rows_(?:s8|f32)_\w+/g) ?? [])];
  return names.map((name) => {
    const file = [path.dirname(kernelFile), sparseKernelsDir()].map((d) => path.join(d, `${name}.c`)).find((f) => existsSync(f));
    if (!file) throw new TinypruneError('E_FILE_NOT_FOUND', `${path.basename(kernelFile)} calls ${name}, which has no ${name}.c`, { where: kernelFile, hint: 'reinstall tinyprune: its firmware/kernels/sparse folder is incomplete' });
    return file;
  });
}

/**
 * Every C file the sparse kernels of a model need on a core family: each kernel file
 * (sparseKernelSource) followed by the row files it calls, each file once, in first-use order.
 */
export function sparseKernelFiles(kernels: readonly string[], family: KernelFamily): string[] {
  const files = new Set<string>();
  for (const k of kernels) {
    const src = sparseKernelSource(k, family);
    files.add(src);
    for (const r of rowSources(src)) files.add(r);
  }
  return [...files];
}

/** Which variant folder a kernel resolves to ('plain' when only the plain file exists). */
export function sparseKernelVariant(kernel: string, family: KernelFamily): KernelFamily {
  const f = sparseKernelSource(kernel, family);
  const sub = path.basename(path.dirname(f));
  return sub === 'dsp' || sub === 'mve' ? sub : 'plain';
}

/** Internal headers the sparse kernels include, by folder (relative to firmware/kernels). */
export function sparseHeaders(family: KernelFamily): { rel: string; file: string }[] {
  const base = path.join(packageRoot(), 'firmware', 'kernels');
  const subs = family === 'mve' ? ['sparse', 'sparse/dsp', 'sparse/mve'] : family === 'dsp' ? ['sparse', 'sparse/dsp'] : ['sparse'];
  const out: { rel: string; file: string }[] = [];
  for (const sub of subs) {
    const dir = path.join(base, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.h')) out.push({ rel: path.join(sub, f), file: path.join(dir, f) });
  }
  return out;
}
