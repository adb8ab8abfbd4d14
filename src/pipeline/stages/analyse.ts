/**
 * What the solver needs to know, each stage cached under <out>/pipeline/ by a hash of its
 * inputs: the int8 baseline (quantized from a float model with the data), the firmware's
 * footprint (the dense build without limits), the per-layer sensitivity curves (with data)
 * and the exact bytes and predicted instructions of every choice.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Target } from '../../boards/index.js';
import type { BuildReport } from '../../contracts/report.js';
import type { Stage } from '../../contracts/stage.js';
import { COST_TABLE } from '../../sparse/cost-table.js';
import { readTflite, writeTflite } from '../../tflite/index.js';
import { readInputFile } from '../../util/files.js';
import { CANDIDATES_VERSION, DEFAULT_GRID, layerCandidates } from '../candidates.js';
import { baselineInt8, sensitivityRows } from '../accuracy.js';
import { buildInto } from './build.js';
import { measureInto } from './measure.js';
import { hash, type Footprint, type PipelineContext } from './context.js';

/** A graph handed on as its .tflite artefact holds it, so a fresh run and a resumed one build the same. */
export const asStored = (bytes: Uint8Array, name: string): ReturnType<typeof readTflite>['graph'] => readTflite(bytes, name).graph;

/** The .tflite artefact `file` of a stage, read back on resume. */
export const readArtefact = (dir: string, file: string, what: string): ReturnType<typeof readTflite>['graph'] =>
  asStored(readInputFile(path.join(dir, file), what), file);

export const baseline: Stage<PipelineContext> = {
  name: 'baseline',
  rewritesGraph: true,
  cache: {
    key: (c) => c.baseKey,
    save: (c, dir) => {
      writeFileSync(path.join(dir, 'baseline.tflite'), writeTflite(c.baseline.graph));
      return { accuracy: c.baseline.accuracy, backend: c.baseline.backend };
    },
    restore: (c, v: { accuracy: number | null; backend: string | null }, dir) => {
      c.graph = readArtefact(dir, 'baseline.tflite', 'baseline model');
      c.baseline = { graph: c.graph, accuracy: v.accuracy ?? null, backend: v.backend ?? null };
    },
  },
  async run(c) {
    const g = await baselineInt8(c.graph, c.data, c.req.backend ?? 'auto', c.log);
    c.graph = asStored(writeTflite(g.graph), 'baseline.tflite');
    c.baseline = { graph: c.graph, accuracy: g.accuracy, backend: g.backend };
  },
};

/** The same target with memory large enough for anything: to measure what the firmware needs. */
function unlimited(target: Target): Target {
  const big = 64 * 1024 * 1024;
  return { ...target, flash: { ...target.flash, size: big }, ram: { ...target.ram, size: big } };
}

/** The fixed part of the instructions counts for --latency and is reported with --objective latency. */
const countsInstructions = (c: PipelineContext): boolean => c.req.latency !== undefined || c.req.objective === 'latency';

export const footprint: Stage<PipelineContext> = {
  name: 'footprint',
  cache: {
    key: (c) => hash(c.baseKey, c.target.board.name, c.req.emulate, c.family, c.req.toolVersion, countsInstructions(c)),
    save: (c) => c.footprint,
    restore: (c, v: Footprint) => void (c.footprint = v),
  },
  async run(c) {
    const { req, target } = c;
    c.log('measuring the firmware footprint (dense build, no memory limits)');
    const dir = path.join(c.work, 'footprint-build');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const b = { graph: c.baseline.graph, source: c.source, sha256: c.modelSha, target: unlimited(target), outDir: dir, toolVersion: req.toolVersion, bench: false, measure: false };
    const r = (await buildInto(dir, c.outDir, { ...b, ...(req.kernels ? { kernels: req.kernels } : {}) }, c.run.progress ? { progress: c.run.progress } : {})).report;
    let counted: BuildReport | undefined;
    // Counting runs the firmware in QEMU, whose machine has the board's real memory: only a
    // dense model that fits it can be counted (else the fixed part of --latency is unknown).
    // The build above can be counted as it is: the limits only set the linker script's region
    // lengths (checks, nothing is placed from a region's end) and the run takes the board's
    // real memory from board.json, so a second build for the board would give the same firmware.
    if (countsInstructions(c) && target.mode !== 'device') {
      if (r.flash.total <= target.flash.size && r.ram.total <= target.ram.size) {
        await measureInto(dir, c.baseline.graph, r);
        counted = r;
      } else c.log(`the dense model does not fit ${target.board.name}'s memory, so QEMU cannot count it: the instructions of layers that are not pruned are not included in --latency`);
    }
    rmSync(dir, { recursive: true, force: true });
    c.footprint = {
      flashTotal: r.flash.total,
      code: r.flash.code,
      modelData: r.flash.model,
      weights: r.flash.weights,
      ramStatic: r.ram.static,
      stack: r.ram.stack,
      ramFixed: r.ram.total - r.ram.arena,
      arena: r.arena.bytes,
      layers: r.layers.map((l) => ({ index: l.index, weightBytes: l.weightBytes, measured: counted?.layers.find((m) => m.index === l.index)?.measuredInstructions ?? null })),
      instructions: counted?.measured?.instructions ?? null,
    };
  },
};

/** With data: the loss side of each choice, accuracy with one layer pruned at a time. */
export const sensitivity: Stage<PipelineContext> = {
  name: 'sensitivity',
  skip: (c) => c.data === undefined,
  cache: {
    key: (c) => hash(c.baseKey, DEFAULT_GRID),
    save: (c) => c.sensitivity,
    restore: (c, v: PipelineContext['sensitivity']) => void (c.sensitivity = v),
  },
  async run(c) {
    c.sensitivity = await sensitivityRows(c.baseline.graph, c.data!, DEFAULT_GRID, c.req.progress, c.log);
  },
};

/** Exact bytes and predicted instructions of every choice. */
export const candidates: Stage<PipelineContext> = {
  name: 'candidates',
  cache: {
    key: (c) => hash(c.baseKey, c.family, c.costFamily, DEFAULT_GRID, COST_TABLE, CANDIDATES_VERSION),
    save: (c) => c.candidates,
    restore: (c, v: PipelineContext['candidates']) => void (c.candidates = v),
  },
  run(c) {
    c.log('encoding every layer at every (granularity, sparsity) in every format');
    c.candidates = layerCandidates(c.baseline.graph, c.family, DEFAULT_GRID, { costFamily: c.costFamily });
  },
};
