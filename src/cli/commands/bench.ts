import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from '../command.js';
import { given } from '../args.js';
import { TinypruneError } from '../../errors.js';
import { runBench, type BenchResult } from '../../bench/bench.js';
import { baselineMeasures, compareToBaseline, formatComparison, type Comparison } from '../../bench/compare.js';
import { readSamples } from '../../bench/inputs.js';
import { readBuildModel } from '../../run/run.js';
import { checkReport } from '../../report/report-file.js';
import { writeFileAtomic } from '../../util/files.js';

export const benchCommand: Command<'bench'> = {
  spec: {
    name: 'bench',
    summary: 'Benchmark a build on its board over serial (QEMU boards: over a pty): latency per inference and per layer, memory, outputs vs the interpreter, accuracy.',
    usage:
      'tinyprune bench --board <board> <build-dir> [--port <path>] [--input <raw.bin> | --data <file> [--labels <file>] [--samples N]] [--output <raw.bin>] [--flash] [--baseline <json> --max-regression <pct>] [--json]',
    positionals: [1, 1],
  },
  async run(args, io) {
    const o = args.options;
    const board = o.board;
    if (!board) {
      throw new TinypruneError('E_USAGE', '--board is required', { where: 'tinyprune bench', allowed: this.spec.usage, hint: 'the board the build directory was made for, e.g. --board mps2-an386' });
    }
    const dir = resolve(io.cwd, args.positionals[0]!);
    const baselinePath = o.baseline;
    const maxRegression = o['max-regression'];
    if (given(args, 'max-regression') && baselinePath === undefined) {
      throw new TinypruneError('E_USAGE', '--max-regression needs --baseline', { where: 'tinyprune bench', hint: 'e.g. --baseline main.json --max-regression 2' });
    }
    // Read the baseline before touching the board: a typo should not cost a benchmark run.
    const baseline = baselinePath === undefined ? undefined : readBaseline(resolve(io.cwd, baselinePath));

    const graph = readBuildModel(dir);
    const s = readSamples(graph, {
      cwd: io.cwd,
      ...(o.input !== undefined ? { input: o.input } : {}),
      ...(o.data !== undefined ? { data: o.data } : {}),
      ...(o.labels !== undefined ? { labels: o.labels } : {}),
      ...(o.samples !== undefined ? { limit: o.samples } : {}),
    });
    const json = o.json;
    const r = await runBench({
      dir,
      board,
      samples: s.samples,
      ...(s.labels ? { labels: s.labels } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.baud !== undefined ? { baud: o.baud } : {}),
      iterations: o.iterations,
      warmup: o.warmup,
      flash: o.flash,
      ...(o.flasher !== undefined ? { flasher: o.flasher } : {}),
      ...(o.drive !== undefined ? { drive: resolve(io.cwd, o.drive) } : {}),
      ...(o['gdb-remote'] !== undefined ? { gdbRemote: o['gdb-remote'] } : {}),
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
      ...(o.verbose ? { trace: (d: '>' | '<', l: string) => io.err(`${d} ${l}\n`) } : {}),
      // Through the CLI's reporter: --quiet silences it, --progress json makes it JSON lines.
      ...(!json ? (io.progress ? { progress: (t: string) => io.progress!.log(t), stages: io.progress } : { progress: (t: string) => io.err(`${t}\n`) }) : {}),
    });

    const outPath = o.output;
    if (outPath) {
      writeFileAtomic(resolve(io.cwd, outPath), Buffer.concat(r.outputsHex.map((h) => Buffer.from(h, 'hex'))));
    }
    const comparison = baseline ? compareToBaseline({ latency: { unit: r.latency.unit, total: r.latency.total }, flash: r.memory.flash, ram: r.memory.ram }, baseline, maxRegression) : undefined;
    if (json) io.out(JSON.stringify({ ...r, ...(comparison ? { comparison } : {}) }, null, 2) + '\n');
    else io.out(formatBench(r, comparison).join('\n') + '\n');

    if (r.reference.mismatches.length > 0) {
      const m = r.reference.mismatches[0]!;
      throw new TinypruneError('E_BENCH_MISMATCH', `${r.reference.checked - r.reference.matches} of ${r.reference.checked} samples differ from the reference interpreter (first: sample ${m.sample}, output ${m.output}: ${m.detail})`, {
        where: r.port,
        hint: 'generated code must be bit-exact with the interpreter: this is a bug in tinyprune (or a board fault); report it with the model and the input',
      });
    }
    if (comparison?.regressed) {
      const worst = comparison.metrics.filter((x) => x.regressed).map((x) => `${x.metric} +${Number.isFinite(x.changePct) ? x.changePct.toFixed(2) : 'inf'}%`);
      throw new TinypruneError('E_REGRESSION', `regressed past ${maxRegression}% against the baseline: ${worst.join(', ')}`, {
        where: baselinePath!,
        hint: 'if the growth is intended, store this run\'s `--json` output as the new baseline',
      });
    }
    return 0;
  },
};

function readBaseline(file: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TinypruneError('E_FILE_READ', `cannot read the baseline: ${(e as Error).message}`, { where: file, cause: e });
  }
  // A build's report.json is checked against its schema first (an old one says: rebuild).
  const j = json as Record<string, unknown> | null;
  if (typeof j === 'object' && j !== null && !Array.isArray(j) && ('sourcesSha256' in j || 'schemaVersion' in j)) checkReport(j, file);
  return baselineMeasures(json, file);
}

function formatBench(r: BenchResult, comparison: Comparison | undefined): string[] {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const unit = r.latency.unit === 'instructions' ? 'instructions (QEMU)' : r.latency.unit === 'cycles' ? `cycles (${r.latency.source === 'dwt' ? 'DWT' : 'SysTick'})` : 'SysTick ticks (QEMU, not cycles)';
  const lines = [
    `bench ${r.board}${r.target.machine ? ` on QEMU ${r.target.machine}` : ''} over ${r.port} (${r.loaded === 'gdb' ? 'loaded by GDB' : r.loaded === 'flasher' ? 'flashed' : r.loaded === 'qemu-kernel' ? 'loaded by QEMU' : 'already flashed'})`,
    `  model ${r.identity.sourcesSha256.slice(0, 16)}… (matches the build)`,
    `  latency: ${n(r.latency.total)} ${unit} per inference${r.latency.microseconds !== undefined ? ` = ${(r.latency.microseconds / 1000).toFixed(3)} ms at ${(r.target.clockHz / 1e6).toFixed(0)} MHz` : ''}` +
      (r.latency.perInference.count > 1 ? ` (min ${n(r.latency.perInference.min)}, max ${n(r.latency.perInference.max)}, mean ${n(r.latency.perInference.mean)} over ${r.latency.perInference.count})` : ''),
    ...(r.estimatedCycles
      ? [
          `  estimated cycles: ${n(r.estimatedCycles.total)} per inference (${r.estimatedCycles.core} timing model, zero wait states)${r.estimatedCycles.microseconds !== undefined ? ` ≈ ${(r.estimatedCycles.microseconds / 1000).toFixed(3)} ms at the board's clock` : ''}`,
        ]
      : []),
    `  per layer:${r.estimatedCycles ? `${' '.repeat(24)}${unit === 'instructions (QEMU)' ? 'instructions' : 'count'}  est. cycles` : ''}`,
    ...r.layers.map((l) => `    ${String(l.index).padStart(3)} ${l.op.padEnd(20)} ${n(l.count).padStart(14)}${r.estimatedCycles ? ` ${n(r.estimatedCycles.layers[l.index] ?? 0).padStart(12)}` : ''}`),
    `  memory (the build's firmware): flash ${n(r.memory.flash)} B, RAM ${n(r.memory.ram)} B; arena used ${n(r.memory.arena.used)} of ${n(r.memory.arena.planned)} B; stack used ${n(r.memory.stack.used)} of ${n(r.memory.stack.size)} B`,
    `  outputs vs reference interpreter: ${r.reference.matches}/${r.reference.checked} samples identical`,
  ];
  if (r.accuracy) lines.push(`  accuracy on the board: ${r.accuracy.correct}/${r.accuracy.total} = ${(r.accuracy.top1 * 100).toFixed(2)}% top-1`);
  for (const o of r.outputs) lines.push(`  output ${o.index} '${o.name}' ${o.dtype}[${o.shape.join('x')}]: ${JSON.stringify(o.values.slice(0, 16))}${o.values.length > 16 ? ' …' : ''}`);
  if (comparison) lines.push(...formatComparison(comparison));
  return lines;
}
