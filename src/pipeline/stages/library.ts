/**
 * The build's C library in <dir>/lib: the generated model files beside the runtime kernels and
 * headers it needs, laid out as firmware/kernels is, so it compiles on its own.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { kernelSources, runtimeIncludeDir, type CoreFamily, type GeneratedSources } from '../../codegen/generate.js';
import { packageRoot } from '../../firmware/paths.js';
import { isSparseKernel, sparseHeaders, sparseKernelFiles } from '../../sparse/kernels.js';

export interface Library {
  sources: string[];
  includeDirs: string[];
}

/**
 * The self-contained C library in <dir>/lib: generated model files, the runtime kernels the
 * model uses (optimised variant for the core where one exists) and the runtime headers.
 */
export function writeLibrary(dir: string, gen: GeneratedSources, family: CoreFamily): Library {
  const lib = path.join(dir, 'lib');
  const kernelsOut = path.join(lib, 'kernels');
  const includeOut = path.join(lib, 'include');
  mkdirSync(kernelsOut, { recursive: true });
  mkdirSync(includeOut, { recursive: true });
  for (const f of gen.files) writeFileSync(path.join(lib, f.name), f.content);
  const kernelsDir = path.join(packageRoot(), 'firmware/kernels');
  const sources = [path.join(lib, `${gen.plan.prefix}.c`)];
  // Same layout as firmware/kernels (optimised variants include "../tp_kernel_*.h"); sparse
  // kernels keep their sparse/ (and sparse/dsp, sparse/mve) folders and internal headers, and
  // bring the row-function files they call (each once).
  const sparse = gen.plan.kernels.filter(isSparseKernel);
  const dense = gen.plan.kernels.filter((k) => !isSparseKernel(k));
  for (const src of [...kernelSources(dense, family), ...sparseKernelFiles(sparse, family)]) {
    const dest = path.join(kernelsOut, path.relative(kernelsDir, src));
    mkdirSync(path.dirname(dest), { recursive: true });
    cpSync(src, dest);
    sources.push(dest);
  }
  const subdirs = family === 'mve' ? ['.', 'dsp', 'mve'] : family === 'dsp' ? ['.', 'dsp'] : ['.'];
  for (const sub of subdirs) {
    for (const h of listHeaders(path.join(kernelsDir, sub))) {
      mkdirSync(path.join(kernelsOut, sub), { recursive: true });
      cpSync(h, path.join(kernelsOut, sub, path.basename(h)));
    }
  }
  if (sparse.length > 0) {
    for (const h of sparseHeaders(family)) {
      mkdirSync(path.dirname(path.join(kernelsOut, h.rel)), { recursive: true });
      cpSync(h.file, path.join(kernelsOut, h.rel));
    }
  }
  for (const h of listHeaders(runtimeIncludeDir())) cpSync(h, path.join(includeOut, path.basename(h)));
  return { sources, includeDirs: [lib, includeOut, kernelsOut] };
}

function listHeaders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .filter((f) => f.endsWith('.h'))
    .map((f) => path.join(dir, f));
}

