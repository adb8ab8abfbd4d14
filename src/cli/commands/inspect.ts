import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { boolOpt } from '../args.js';
import { readTfliteFile } from '../../tflite/read.js';
import { summarizeModel } from '../../inspect/summary.js';
import { renderSummaryTable } from '../../inspect/table.js';
import { verifyGraph } from '../../ir/verify.js';
import { formatWarnings } from '../format.js';

export const inspectCommand: Command = {
  spec: {
    name: 'inspect',
    summary: 'Show a model layer by layer: op, shapes, dtypes, quantization, parameters, MACs, weight bytes, sparsity.',
    usage: 'tinyprune inspect <model.tflite> [--json]',
    options: {
      json: { type: 'boolean', description: 'print one JSON object (layers + totals) instead of a table' },
      help: { type: 'boolean', short: 'h', description: 'show this help' },
    },
    positionals: [1, 1],
  },
  async run(args, io) {
    const file = resolve(io.cwd, args.positionals[0]!);
    const { graph, warnings } = readTfliteFile(file);
    verifyGraph(graph);
    io.err(formatWarnings(warnings));
    const summary = summarizeModel(graph);
    if (boolOpt(args, 'json')) {
      io.out(JSON.stringify({ model: file, ...summary, warnings }, jsonReplacer, 2) + '\n');
    } else {
      io.out(renderSummaryTable(summary, file));
    }
    return 0;
  },
};

/** Typed arrays print as plain arrays; non-finite numbers as strings (JSON has no NaN). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
