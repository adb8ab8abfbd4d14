/**
 * npm run bench:speedup — issue 13, "pruning that makes models faster and keeps them accurate".
 * For each example model on each board: the dense build's instructions (QEMU, exact), then the
 * whole pipeline with `--objective latency --max-loss 0.5`:
 *
 *   tinyprune build --board <board> <model> --data mnist:../shared/datasets/mnist \
 *     --objective latency --max-loss 0.5
 *
 * (digits-dscnn with the data it was trained on, `generated-digits:3000`): instructions,
 * accuracy before → after on the held-out split, flash, RAM, and the ratio to TFLite Micro +
 * CMSIS-NN on the dense model, read at run time from ../shared/docs/ANCHORS.md (measured on
 * the Cortex-M4F, mps2-an386; on the micro:bit the ratio still compares with that M4 figure,
 * which is only an indication: the M0 has no DSP instructions).
 *
 * Each build is the CLI itself (`src/cli.ts build … --json`), so the table shows what a user
 * gets from that command. Writes bench/results/speedup.{json,md}.
 *   npm run bench:speedup [-- <model>… --boards mps2-an386,microbit]   (a partial run keeps the other rows)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliBuild as build, errorLine, fmt, kib, pct, planText, root } from './cli-build.js';

const here = path.join(root, 'bench');
const shared = path.resolve(root, '../shared');
const out = path.join(root, 'out/bench-speedup');

interface Model {
  name: string;
  data: string;
}

/** The models of issue 13 and the data each was trained on (examples/<name>/train.json). */
const MODELS: Model[] = [
  // examples/digits-dscnn/train.json: 3,000 generated digits, seed 1 (the loader's default seed).
  { name: 'digits-dscnn', data: 'generated-digits:3000' },
  { name: 'mnist-dscnn', data: 'mnist:../shared/datasets/mnist' },
  { name: 'mnist-mlp', data: 'mnist:../shared/datasets/mnist' },
];
const BOARDS = ['mps2-an386', 'microbit'];
const MAX_LOSS = 0.5;

/** TFLM + CMSIS-NN instructions of the dense examples, from the table in ANCHORS.md. */
function readAnchors(): Map<string, number> {
  const text = readFileSync(path.join(shared, 'docs/ANCHORS.md'), 'utf8');
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const m = /^examples\/([\w-]+)$/.exec(cells[1] ?? '');
    if (m) map.set(m[1]!, Number((cells[2] ?? '').replace(/[^0-9]/g, '')));
  }
  return map;
}

interface Row {
  model: string;
  board: string;
  dense: number | null;
  instructions: number | null;
  before: number | null;
  after: number | null;
  flash: number;
  ram: number;
  tflm: number | null;
  bitExact: string;
  plan: string;
  error?: string;
}

function main(): void {
  const argv = process.argv.slice(2);
  const bi = argv.indexOf('--boards');
  const boards = bi >= 0 ? argv[bi + 1]!.split(',') : BOARDS;
  const names = argv.filter((a, i) => !a.startsWith('--') && (bi < 0 || i !== bi + 1));
  const models = names.length > 0 ? MODELS.filter((m) => names.includes(m.name)) : MODELS;
  const anchors = readAnchors();
  mkdirSync(out, { recursive: true });
  const rows: Row[] = [];
  for (const m of models) {
    const file = path.join('examples', m.name, 'model.tflite');
    for (const board of boards) {
      const dir = path.join(out, `${m.name}-${board}`);
      const tflm = anchors.get(m.name) ?? null;
      process.stderr.write(`[speedup] ${m.name} on ${board}\n`);
      let dense: number | null = null;
      try {
        dense = build(['--board', board, file, '--measure', '--out', `${dir}-dense`]).measured?.instructions ?? null;
      } catch {
        dense = null; // the dense model does not fit this board
      }
      try {
        const r = build(['--board', board, file, '--data', m.data, '--objective', 'latency', '--max-loss', String(MAX_LOSS), '--out', dir]);
        rows.push({
          model: m.name,
          board,
          dense,
          instructions: r.measured?.instructions ?? null,
          before: r.accuracy?.before ?? null,
          after: r.accuracy?.after ?? null,
          flash: r.flash.total,
          ram: r.ram.total,
          tflm,
          bitExact: r.verify ? `${r.verify.bitExact}/${r.verify.samples}` : '–',
          plan: planText(r),
        });
      } catch (e) {
        rows.push({ model: m.name, board, dense, instructions: null, before: null, after: null, flash: 0, ram: 0, tflm, bitExact: '–', plan: '', error: errorLine(e) });
      }
    }
  }
  // Rows of models/boards not run this time are kept from the last results (a partial re-run).
  const resultsDir = path.join(here, 'results');
  const jsonFile = path.join(resultsDir, 'speedup.json');
  if (existsSync(jsonFile)) {
    const old = (JSON.parse(readFileSync(jsonFile, 'utf8')) as { rows: Row[] }).rows;
    for (const o of old) if (!rows.some((r) => r.model === o.model && r.board === o.board)) rows.push(o);
  }
  const order = (r: Row): number => MODELS.findIndex((m) => m.name === r.model) * 10 + BOARDS.indexOf(r.board);
  rows.sort((a, b) => order(a) - order(b));
  const lines = [
    '| model | board | dense instructions | `--objective latency --max-loss 0.5`: instructions | × fewer than TFLM + CMSIS-NN dense (M4) | accuracy before → after | flash | RAM | bit-exact in QEMU | plan |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      r.error
        ? `| ${r.model} | ${r.board} | ${fmt(r.dense)} | failed: ${r.error} | | | | | | |`
        : `| ${r.model} | ${r.board} | ${fmt(r.dense)} | ${fmt(r.instructions)} | ${r.tflm && r.instructions ? `${(r.tflm / r.instructions).toFixed(2)}x (TFLM ${fmt(r.tflm)})` : '–'} | ${pct(r.before)} → ${pct(r.after)} | ${kib(r.flash)} | ${kib(r.ram)} | ${r.bitExact} | ${r.plan} |`,
    ),
  ];
  if (!existsSync(resultsDir)) mkdirSync(resultsDir, { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify({ maxLoss: MAX_LOSS, anchors: 'TFLM + CMSIS-NN, ../shared/docs/ANCHORS.md', rows }, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'speedup.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
