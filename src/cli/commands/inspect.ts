import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { readTfliteFile } from '../../tflite/read.js';
import { summarizeModel } from '../../inspect/summary.js';
import { renderSummaryTable } from '../../inspect/table.js';
import { verifyGraph } from '../../ir/verify.js';
import { formatWarnings } from '../format.js';

export const inspectCommand: Command<'inspect'> = {
  spec: {
    name: 'inspect',
    summary: 'Show a model layer by layer: op, shapes, dtypes, quantization, parameters, MACs, weight bytes, sparsity.',
    usage: 'tinyprune inspect <model.tflite> [--json]',
    positionals: [1, 1],
  },
  async run(args, io) {
    const file = resolve(io.cwd, args.positionals[0]!);
    const { graph, warnings } = readTfliteFile(file);
    verifyGraph(graph);
    io.err(formatWarnings(warnings));
    const summary = summarizeModel(graph);
    if (args.options.json) {
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
