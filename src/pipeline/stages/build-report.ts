/**
 * A build's report: sizes as linked, per-layer formats and predictions (report.json,
 * report.html), and the E_DOES_NOT_FIT message that names the largest tensors.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Target } from '../../boards/index.js';
import type { GeneratedSources } from '../../codegen/generate.js';
import type { BuildReport, LayerReport } from '../../contracts/report.js';
import { TinypruneError, type Warning } from '../../errors.js';
import type { BuildResult } from '../../firmware/build.js';
import { macsOf } from '../../inspect/summary.js';
import type { ModelGraph } from '../../ir/graph.js';
import { writeReportHtml } from '../../report/html.js';
import { versionedReport } from '../../report/report-file.js';
import type { LayerChoice } from '../../sparse/plan.js';

/** report.json and report.html of a build directory. */
export function writeBuildReport(dir: string, report: BuildReport, graph: ModelGraph): void {
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(versionedReport(report), null, 2) + '\n');
  writeReportHtml(dir, report, graph);
}

/** A link that overflows: say which tensors are the largest in the region(s) that overflowed. */
export function explainDoesNotFit(e: unknown, gen: GeneratedSources, graph: ModelGraph, target: Target): unknown {
  if (!(e instanceof TinypruneError) || e.code !== 'E_DOES_NOT_FIT') return e;
  const name = (t: number): string => `'${graph.tensors[t]!.name}'`;
  const parts: string[] = [];
  const regions = new Set((e.data.overflow ?? []).map((o) => o.region));
  if (regions.has('RAM')) {
    const acts = [...gen.plan.arena.entries].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(
      `RAM: tensor arena ${gen.plan.arena.bytes} B; largest activations ${acts.map((a) => `${name(a.tensor)} ${a.bytes} B`).join(', ')}`,
    );
  }
  if (regions.has('FLASH') || parts.length === 0) {
    const consts = [...gen.plan.consts].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    parts.push(`flash: weights ${gen.plan.consts.reduce((s, c) => s + c.bytes, 0)} B; largest ${consts.map((c) => `${c.comment.replace(/^tensor \d+ /, '')} ${c.bytes} B`).join(', ')}`);
  }
  return new TinypruneError('E_DOES_NOT_FIT', `${e.message}. ${parts.join('. ')}`, {
    data: e.data,
    where: `board ${target.board.name}${target.mode === 'emulate' ? ' (emulated)' : ''}`,
    hint: 'prune the model (sparse weights need less flash; fewer channels need less RAM), pick a board with more memory (`tinyprune boards`), or use a smaller model',
  });
}

/** What the report is made of: the request's names, the target, the graph built, the generated sources, the link. */
export interface ReportParts {
  toolVersion: string;
  target: Target;
  graph: ModelGraph;
  gen: GeneratedSources;
  fw: BuildResult;
  source: string;
  sha256: string;
  warnings: Warning[];
  choices: ReadonlyMap<number, LayerChoice> | undefined;
}

export function makeReport(p: ReportParts): BuildReport {
  const { target, graph, gen, fw, source, sha256, warnings, choices } = p;
  // Sizes as linked (nm -S): tensor constants are the weights; every other symbol of the
  // generated model's prefix that lives in flash is model data.
  const weightSyms = new Set(gen.plan.consts.filter((c) => c.role !== 'quant').map((c) => c.symbol));
  const prefix = `${gen.plan.prefix}_`;
  let weights = 0;
  let model = 0;
  for (const sym of fw.symbols) {
    if (!/^[rRdD]$/.test(sym.type) || !sym.name.startsWith(prefix)) continue;
    if (weightSyms.has(sym.name)) weights += sym.size;
    else model += sym.size;
  }
  const rel = (p: string): string => path.relative(path.dirname(fw.elf), p);
  const layerWeights = (i: number): number =>
    graph.ops[i]!.inputs.filter((t) => t >= 0 && graph.tensors[t]!.data && graph.ops[i]!.opcode !== 'RESHAPE').reduce((s, t) => s + graph.tensors[t]!.data!.length, 0);
  const inPlaceOf = (index: number): Pick<LayerReport, 'inPlace'> => {
    const o = gen.plan.arena.inPlace.find((x) => x.op === index);
    return o ? { inPlace: { savedBytes: o.saved, displacement: o.displacement } } : {};
  };
  const streamedOf = (index: number): Pick<LayerReport, 'streamed'> => {
    const s = gen.plan.arena.streams.find((x) => x.producer === index);
    if (!s) return {};
    const bands = Math.ceil(s.height / s.rowsPerBand);
    return { streamed: { into: s.consumer, bands, rowsPerBand: s.rowsPerBand, bandBytes: s.bandBytes, fullBytes: s.fullBytes, recomputedMacs: 0 } };
  };
  const layer = (c: GeneratedSources['plan']['calls'][number]): LayerReport => {
    const choice = choices?.get(c.index);
    const base = {
      index: c.index,
      op: c.opcode,
      kernel: c.kernel ?? null,
      format: c.alias ? ('alias' as const) : (choice?.format ?? 'dense'),
      sparsity: choice ? choice.sparsity : null,
      weightBytes: choice && choice.format !== 'dense' ? choice.bytes : layerWeights(c.index),
      macs: macsOf(graph, graph.ops[c.index]!),
      predictedInstructions: choice?.predictedInstructions ?? null,
      ...inPlaceOf(c.index),
      ...streamedOf(c.index),
    };
    return choice
      ? { ...base, dense: { weightBytes: choice.dense.bytes, predictedInstructions: choice.dense.predictedInstructions ?? null }, output: c.name }
      : { ...base, output: c.name };
  };
  return {
    tool: { name: 'tinyprune', version: p.toolVersion },
    model: { source, sha256, operators: graph.ops.length },
    board: target.board.name,
    target: {
      mode: target.mode,
      machine: target.machine ?? null,
      core: target.board.core,
      flashLimit: fw.limits.flash,
      ramLimit: fw.limits.ram,
    },
    fits: true,
    sourcesSha256: '', // set by the report stage once lib/ is written
    flash: { total: fw.flash.total, weights, model, code: fw.flash.total - weights - model, limit: fw.limits.flash },
    ram: {
      arena: fw.ram.arena,
      static: fw.ram.data + fw.ram.bss,
      stack: fw.ram.stack,
      total: fw.ram.total,
      limit: fw.limits.ram,
    },
    arena: { bytes: gen.plan.arena.bytes, lowerBound: gen.plan.arena.lowerBound },
    layers: gen.plan.calls.map(layer),
    kernels: gen.plan.kernels,
    files: {
      elf: rel(fw.elf).replace(/\.tinyprune-staging-\d+/, ''),
      bin: rel(fw.bin),
      hex: rel(fw.hex),
      model: 'model.tflite',
      sources: gen.files.map((f) => `lib/${f.name}`),
      bench: null,
    },
    toolchain: { commands: fw.commands.map((c) => c.map((a) => a.split(path.dirname(fw.elf)).join('<out>'))) },
    warnings,
  };
}
