import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { boolOpt, stringOpt } from '../args.js';
import { buildModel } from '../../build/build.js';
import { TinypruneError } from '../../errors.js';
import { toolVersion } from '../version.js';
import { formatWarnings } from '../format.js';

export const buildCommand: Command = {
  spec: {
    name: 'build',
    summary: 'Compile a model into a C library and firmware for a board; writes <dir>/report.json, firmware.elf and model.tflite.',
    usage: 'tinyprune build --board <board> <model.tflite> [-o <dir>] [--emulate] [--prefix <name>] [--kernels auto|plain] [--json]',
    options: {
      board: { type: 'string', value: '<board>', description: 'board profile name (tinyprune boards) or path to a board .json' },
      out: { type: 'string', short: 'o', value: '<dir>', description: 'output directory (default: build/<model>-<board>)' },
      emulate: { type: 'boolean', description: 'real board: build for its QEMU stand-in, linked with the real board\'s memory sizes' },
      prefix: { type: 'string', value: '<name>', description: 'C symbol prefix of the generated code (default tp_model)' },
      kernels: { type: 'string', value: 'auto|plain', description: "runtime kernels: the core's optimised ones (auto, default) or plain reference C" },
      json: { type: 'boolean', description: 'print report.json instead of a summary' },
      help: { type: 'boolean', short: 'h', description: 'show this help' },
    },
    positionals: [1, 1],
  },
  async run(args, io) {
    const board = stringOpt(args, 'board');
    if (!board) {
      throw new TinypruneError('E_USAGE', '--board is required', {
        where: 'tinyprune build',
        allowed: this.spec.usage,
        hint: 'pick one with `tinyprune boards`, e.g. --board mps2-an386 (QEMU Cortex-M4F)',
      });
    }
    const kernels = stringOpt(args, 'kernels') ?? 'auto';
    if (kernels !== 'auto' && kernels !== 'plain') {
      throw new TinypruneError('E_USAGE', `--kernels ${kernels} is not a kernel set`, { allowed: 'auto, plain', where: 'tinyprune build --kernels' });
    }
    const modelPath = resolve(io.cwd, args.positionals[0]!);
    const model = modelPath.split('/').pop()!.replace(/\.tflite$/, '');
    const boardName = board.split('/').pop()!.replace(/\.json$/, '');
    const outDir = resolve(io.cwd, stringOpt(args, 'out') ?? `build/${model}-${boardName}`);
    const report = await buildModel({
      modelPath,
      board,
      emulate: boolOpt(args, 'emulate'),
      outDir,
      prefix: stringOpt(args, 'prefix'),
      kernels,
      toolVersion: toolVersion(),
    });
    io.err(formatWarnings(report.warnings));
    if (boolOpt(args, 'json')) {
      io.out(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
    const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-');
    io.out(
      [
        `built ${report.model.source} for ${report.board}${report.target.mode === 'emulate' ? ` (emulated on ${report.target.machine})` : ''} → ${outDir}`,
        `  flash: ${kb(report.flash.total)} of ${kb(report.flash.limit)} (${pct(report.flash.total, report.flash.limit)}): weights ${kb(report.flash.weights)}, model data ${kb(report.flash.model)}, code ${kb(report.flash.code)}`,
        `  RAM:   ${kb(report.ram.total)} of ${kb(report.ram.limit)} (${pct(report.ram.total, report.ram.limit)}): arena ${kb(report.ram.arena)}, stack ${kb(report.ram.stack)}, other ${kb(report.ram.static)}`,
        `  ${report.layers.length} operators, kernels: ${report.kernels.join(', ')}`,
        `  files: firmware.elf, firmware.bin, firmware.hex, model.tflite, lib/ (C library), report.json`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
