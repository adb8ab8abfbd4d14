import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { runBuild, readBuildModel } from '../../run/run.js';
import { readInputFile, writeFileAtomic } from '../../util/files.js';
import { decodeTensor } from '../../util/tensor-data.js';

export const runCommand: Command<'run'> = {
  spec: {
    name: 'run',
    summary: 'Run a build in QEMU: outputs, and instructions (QEMU, exact) per inference and per layer.',
    usage: 'tinyprune run --board <board> <build-dir> [--input <raw.bin>] [--output <raw.bin>] [--json]',
    positionals: [1, 1],
  },
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals[0]!);
    const inputPath = args.options.input;
    const input = inputPath ? readInputFile(resolve(io.cwd, inputPath), 'input file') : undefined;
    const r = await runBuild({ dir, board: args.options.board, input, cycles: true });
    const outPath = args.options.output;
    if (outPath) writeFileAtomic(resolve(io.cwd, outPath), Buffer.concat(r.outputs.map((o) => Buffer.from(o))));
    const graph = readBuildModel(dir);
    const outputs = r.outputs.map((bytes, k) => {
      const t = graph.tensors[graph.outputs[k]!]!;
      return { index: k, name: t.name, dtype: t.dtype, shape: t.shape, ...decodeTensor(t, bytes) };
    });
    if (args.options.json) {
      io.out(JSON.stringify({ board: r.board, machine: r.machine, outputs, instructions: r.instructions, estimatedCycles: r.estimatedCycles, stackBytes: r.stackBytes }) + '\n');
      return 0;
    }
    const num = (v: number) => v.toLocaleString('en-US');
    const lines = [
      `ran ${dir} on ${r.machine} (${r.board})`,
      `instructions (QEMU) per inference: ${num(r.instructions.total)}`,
      `estimated cycles (${r.estimatedCycles.core} timing model, zero wait states): ${num(r.estimatedCycles.total)}`,
      `per layer:${' '.repeat(26)}instructions  est. cycles`,
    ];
    r.instructions.layers.forEach((n, i) =>
      lines.push(`  ${String(i).padStart(3)} ${graph.ops[i]!.opcode.padEnd(20)} ${num(n).padStart(14)} ${num(r.estimatedCycles.layers[i] ?? 0).padStart(12)}`),
    );
    for (const o of outputs) lines.push(`output ${o.index} '${o.name}' ${o.dtype}[${o.shape.join('x')}]: ${JSON.stringify(o.values.slice(0, 32))}${o.values.length > 32 ? ' …' : ''}`);
    lines.push(`stack high-water: ${r.stackBytes} B`);
    io.out(lines.join('\n') + '\n');
    return 0;
  },
};
