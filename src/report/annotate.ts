/**
 * Facts the pipeline adds to report.json for report.html (pure): how the build was run (data
 * set, seed, an equivalent command line) and how many output channels each layer kept.
 */
import path from 'node:path';
import type { LayerReport } from '../contracts/report.js';
import type { ModelGraph } from '../ir/graph.js';
import { shellQuote } from './format.js';

export type { RunInfo } from '../contracts/report.js';
import type { RunInfo } from '../contracts/report.js';

export interface RunRequestFacts {
  modelPath: string;
  board: string;
  emulate: boolean;
  outDir: string;
  cwd: string;
  data?: string;
  planPath?: string;
  latency?: number;
  epochs?: number;
  kernels?: 'auto' | 'plain';
  maxLoss?: number;
  objective?: string;
  unverified?: boolean;
}

/** A path as the user would type it from `cwd`. */
function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  return rel === '' ? '.' : rel.startsWith('..') ? path.resolve(cwd, file) : rel;
}

export function runInfo(req: RunRequestFacts, seed: number): RunInfo {
  const args = ['tinyprune', 'build', '--board', req.board, shown(req.modelPath, req.cwd)];
  if (req.emulate) args.push('--emulate');
  if (req.data !== undefined) args.push('--data', req.data);
  if (req.planPath !== undefined) args.push('--plan', shown(req.planPath, req.cwd));
  if (req.latency !== undefined) args.push('--latency', String(req.latency));
  if (req.maxLoss !== undefined) args.push('--max-loss', String(req.maxLoss));
  if (req.objective !== undefined) args.push('--objective', req.objective);
  if (req.unverified) args.push('--unverified');
  if (req.epochs !== undefined) args.push('--epochs', String(req.epochs));
  if (req.kernels === 'plain') args.push('--kernels', 'plain');
  args.push('--seed', String(seed), '-o', shown(req.outDir, req.cwd));
  return { data: req.data ?? null, seed, command: args.map(shellQuote).join(' ') };
}

/** Output channels of an operator's weights: the last axis for depthwise, else the first. */
function outChannels(g: ModelGraph, op: number): number | undefined {
  const o = g.ops[op];
  const w = o?.inputs[1];
  if (o === undefined || w === undefined || w < 0 || !g.tensors[w]?.data) return undefined;
  const shape = g.tensors[w]!.shape;
  return o.opcode === 'DEPTHWISE_CONV_2D' ? shape[shape.length - 1] : shape[0];
}

/** Sets `channels` (kept/total output channels) on layers whose channel count `after` reduced. */
export function annotateChannels(layers: LayerReport[], before: ModelGraph, after: ModelGraph): void {
  for (const l of layers) {
    if (before.ops[l.index]?.opcode !== after.ops[l.index]?.opcode) continue;
    const total = outChannels(before, l.index);
    const kept = outChannels(after, l.index);
    if (total !== undefined && kept !== undefined) l.channels = { kept, total };
  }
}
