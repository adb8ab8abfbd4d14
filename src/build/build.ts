/**
 * `tinyprune build` without --data: a model file (or a graph in memory) → C library,
 * firmware and report, by the build's stage list (src/pipeline/stages/build.ts). Everything
 * is produced in a staging directory next to the output and moved into place only when every
 * stage succeeded, so a failed build never leaves a partial output directory that looks like
 * a result.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { resolveTarget } from '../boards/index.js';
import type { BuildOptions, GraphBuildOptions } from '../contracts/build.js';
import type { BuildReport } from '../contracts/report.js';
import { TinypruneError } from '../errors.js';
import { exportBuild, type ExportKind } from '../export/index.js';
import { verifyGraph } from '../ir/verify.js';
import { buildInto } from '../pipeline/stages/build.js';
import { readTflite } from '../tflite/read.js';
import { readInputFile } from '../util/files.js';
import { withOutput } from '../util/outdir.js';
import type { Progress } from '../util/progress.js';

export type { BuildReport, LayerReport } from '../contracts/report.js';
export { coreFamily } from '../pipeline/stages/build.js';

interface Publish {
  /** Exports written into <dir>/export/<kind>/ before the build is published (--emit). */
  emit?: readonly ExportKind[];
  /** Each build stage shown as a progress stage. */
  progress?: Progress;
}

export interface BuildRequest extends BuildOptions, Publish {}
export interface GraphBuildRequest extends GraphBuildOptions, Publish {}

export async function buildModel(req: BuildRequest): Promise<BuildReport> {
  // Read and check everything before touching the output directory.
  const target = resolveTarget(req.board, { emulate: req.emulate });
  if (req.measure && target.mode === 'device') {
    throw new TinypruneError('E_USAGE', `--measure runs the build in QEMU; ${target.board.name} is a real board`, {
      where: 'tinyprune build --measure',
      hint: 'add --emulate to build for its QEMU stand-in, or drop --measure',
    });
  }
  const bytes = readInputFile(req.modelPath, 'model file');
  const read = readTflite(bytes, req.modelPath);
  verifyGraph(read.graph);
  const source = path.basename(req.modelPath);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return buildGraph({ ...req, graph: read.graph, source, sha256, target, warnings: read.warnings, inputs: [req.modelPath] });
}

/**
 * The same build from a graph in memory (tests and benchmarks build synthetic graphs): made in
 * a staging directory beside `outDir` and published there only when every stage succeeded
 * (src/util/outdir.ts), so a failed or interrupted build leaves the earlier one as it was.
 */
export async function buildGraph(req: GraphBuildRequest): Promise<BuildReport> {
  const outDir = path.resolve(req.outDir);
  return withOutput(outDir, { inputs: req.inputs ?? [], toolVersion: req.toolVersion }, async (staging) => {
    const { report } = await buildInto(staging, outDir, req, req.progress ? { progress: req.progress } : {});
    if (req.emit && req.emit.length > 0) exportBuild(staging, req.emit);
    return report;
  });
}
