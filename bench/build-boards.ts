/**
 * npm run bench:build-boards — the bundled example (examples/digits-dscnn) built by the whole
 * pipeline (`tinyprune build --board <b> --data generated-digits:3000`) for every board profile
 * (real boards --emulate on their QEMU stand-in when they have one), and a what-fits table:
 * flash, RAM, instructions (QEMU), accuracy before → after, and the plan.
 *
 * The board-independent artefacts (baseline, sensitivity, candidates per core family) are
 * reused across boards through the pipeline's own cache: each board's work directory is
 * seeded with the artefacts of the boards before it.
 * Writes bench/results/build-boards.{json,md}.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { listBoards, loadBoard } from '../src/boards/index.js';
import { toolVersion } from '../src/cli/version.js';
import { TinypruneError } from '../src/errors.js';
import { runPipeline } from '../src/pipeline/pipeline.js';
import { BUILD_MARKER } from '../src/util/outdir.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const out = path.join(root, 'out/bench-build-boards');
const model = path.join(root, 'examples/digits-dscnn/model.tflite');
const data = 'generated-digits:3000';

interface Row {
  board: string;
  core: string;
  mode: string;
  fits: boolean;
  flash?: number;
  flashLimit?: number;
  ram?: number;
  ramLimit?: number;
  instructions?: number | null;
  before?: number;
  after?: number;
  plan?: string;
  error?: string;
  seconds: number;
}

const kib = (n: number | undefined): string => (n === undefined ? '—' : `${(n / 1024).toFixed(1)}`);

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const shared = path.join(out, 'shared-artefacts');
  mkdirSync(shared, { recursive: true });
  const rows: Row[] = [];
  for (const name of listBoards().filter((b) => only.length === 0 || only.includes(b))) {
    const board = loadBoard(name);
    const emulate = !board.qemu && board.emulateWith !== undefined;
    const dir = path.join(out, name);
    mkdirSync(path.join(dir, 'pipeline'), { recursive: true });
    // The seeded directory is an earlier build to resume from: tinyprune only writes into an
    // empty directory or one a build wrote (its marker), never over other files.
    const marker = path.join(dir, BUILD_MARKER);
    if (!existsSync(marker)) writeFileSync(marker, JSON.stringify({ tool: 'tinyprune', version: toolVersion() }) + '\n');
    for (const f of readdirSync(shared)) if (!existsSync(path.join(dir, 'pipeline', f))) cpSync(path.join(shared, f), path.join(dir, 'pipeline', f));
    const t0 = performance.now();
    process.stdout.write(`${name}${emulate ? ' (--emulate)' : ''} … `);
    try {
      const r = await runPipeline({ modelPath: model, board: name, emulate, outDir: dir, toolVersion: toolVersion(), data, cwd: root, log: () => undefined });
      const plan = Object.entries(r.plan.layers)
        .filter(([, l]) => l.sparsity > 0)
        .map(([k, l]) => `${k.replace('/weights', '')} ${l.granularity} ${Math.round(l.sparsity * 100)}% ${l.format}`)
        .join(', ');
      rows.push({ board: name, core: board.core, mode: r.target.mode, fits: r.fits, flash: r.flash.total, flashLimit: r.flash.limit, ram: r.ram.total, ramLimit: r.ram.limit, instructions: r.measured?.instructions ?? null, before: r.accuracy?.before, after: r.accuracy?.after, plan: plan || 'dense', seconds: Math.round((performance.now() - t0) / 1000) });
      for (const f of ['baseline.json', 'baseline.tflite', 'sensitivity.json', 'candidates.json']) {
        // candidates depend on the core family: keep one file per family under its key.
        if (existsSync(path.join(dir, 'pipeline', f)) && !existsSync(path.join(shared, f))) cpSync(path.join(dir, 'pipeline', f), path.join(shared, f));
      }
      process.stdout.write(`${r.fits ? 'fits' : 'does not fit'} in ${rows.at(-1)!.seconds} s\n`);
    } catch (e) {
      const msg = e instanceof TinypruneError ? `${e.code}: ${e.message.split('\n')[0]}` : String(e);
      rows.push({ board: name, core: board.core, mode: emulate ? 'emulate' : board.qemu ? 'qemu' : 'device', fits: false, error: msg, seconds: Math.round((performance.now() - t0) / 1000) });
      process.stdout.write(`${msg}\n`);
    }
  }
  // A run on some boards updates their rows and keeps the others'.
  const resultsFile = path.join(root, 'bench/results/build-boards.json');
  if (only.length > 0 && existsSync(resultsFile)) {
    const previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as Row[];
    const fresh = new Map(rows.map((r) => [r.board, r]));
    const merged = previous.map((r) => fresh.get(r.board) ?? r);
    for (const r of rows) if (!previous.some((p) => p.board === r.board)) merged.push(r);
    rows.splice(0, rows.length, ...merged.sort((a, b) => a.board.localeCompare(b.board)));
  }
  const lines = [
    `<!-- npm run bench:build-boards (bench/build-boards.ts): ${path.relative(root, model)}, --data ${data} -->`,
    '',
    '| board | core | mode | fits | flash KiB (limit) | RAM KiB (limit) | instructions (QEMU) | accuracy before → after | plan (pruned layers) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      r.error
        ? `| ${r.board} | ${r.core} | ${r.mode} | no | — | — | — | — | ${r.error.replace(/\|/g, '/')} |`
        : `| ${r.board} | ${r.core} | ${r.mode} | ${r.fits ? 'yes' : 'no'} | ${kib(r.flash)} (${kib(r.flashLimit)}) | ${kib(r.ram)} (${kib(r.ramLimit)}) | ${r.instructions?.toLocaleString('en-US') ?? '— (device)'} | ${r.before !== undefined ? `${(r.before * 100).toFixed(2)}% → ${((r.after ?? 0) * 100).toFixed(2)}%` : '—'} | ${r.plan} |`,
    ),
  ];
  console.log(`\n${lines.join('\n')}`);
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(rows, null, 2) + '\n');
  writeFileSync(path.join(root, 'bench/results/build-boards.md'), lines.join('\n') + '\n');
  // A board whose build failed is a failed benchmark, not a row to read past.
  const failed = rows.filter((r) => r.error && (only.length === 0 || only.includes(r.board)));
  if (failed.length > 0) {
    console.error(`${failed.length} board(s) failed to build: ${failed.map((r) => r.board).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
