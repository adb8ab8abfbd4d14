import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { readTfliteFile } from '../../tflite/read.js';
import { verifyGraph } from '../../ir/verify.js';
import { interpret } from '../../interp/interpret.js';
import { TinypruneError } from '../../errors.js';
import { tensorBytes } from '../../ir/graph.js';
import { readInputFile, writeFileAtomic } from '../../util/files.js';
import { decodeTensor } from '../../util/tensor-data.js';
import { formatWarnings } from '../format.js';

export const interpretCommand: Command<'interpret'> = {
  spec: {
    name: 'interpret',
    summary:
      'Run the bit-exact reference interpreter: raw input bytes in (input tensors in order), raw output bytes out (outputs concatenated in order).',
    usage: 'tinyprune interpret <model.tflite> --input <raw.bin> [--output <raw.bin>] [--json]',
    positionals: [1, 1],
  },
  async run(args, io) {
    const file = resolve(io.cwd, args.positionals[0]!);
    const inputPath = args.options.input;
    if (!inputPath) {
      throw new TinypruneError('E_USAGE', '--input is required', {
        where: 'tinyprune interpret',
        allowed: this.spec.usage,
        hint: 'pass the raw input bytes, e.g. --input ../shared/golden/hello_world_int8/inputs/00.bin',
      });
    }
    const { graph, warnings } = readTfliteFile(file);
    io.err(formatWarnings(warnings));
    verifyGraph(graph);
    const raw = readInputFile(resolve(io.cwd, inputPath));
    const sizes = graph.inputs.map((i) => tensorBytes(graph.tensors[i]!));
    const expected = sizes.reduce((a, b) => a + b, 0);
    if (raw.length !== expected) {
      throw new TinypruneError('E_INPUT_SIZE', `input file has ${raw.length} bytes, the model's inputs take ${expected}`, {
        where: inputPath,
        allowed: graph.inputs
          .map((i, k) => {
            const t = graph.tensors[i]!;
            return `input ${k} '${t.name}': ${t.dtype}[${t.shape.join('x')}] = ${sizes[k]} bytes`;
          })
          .join('; '),
        hint: 'write the input tensors as raw little-endian bytes, concatenated in input order',
      });
    }
    const inputs: Uint8Array[] = [];
    let at = 0;
    for (const n of sizes) {
      inputs.push(raw.subarray(at, at + n));
      at += n;
    }
    const { outputs } = interpret(graph, inputs);
    const outPath = args.options.output;
    if (outPath) {
      const total = outputs.reduce((s, o) => s + o.length, 0);
      const all = new Uint8Array(total);
      let o = 0;
      for (const out of outputs) {
        all.set(out, o);
        o += out.length;
      }
      writeFileAtomic(resolve(io.cwd, outPath), all);
    }
    if (args.options.json || !outPath) {
      const decoded = graph.outputs.map((ti, k) => {
        const t = graph.tensors[ti]!;
        return { index: k, tensor: ti, name: t.name, dtype: t.dtype, shape: t.shape, ...decodeTensor(t, outputs[k]!) };
      });
      io.out(JSON.stringify({ outputs: decoded }) + '\n');
    }
    return 0;
  },
};
