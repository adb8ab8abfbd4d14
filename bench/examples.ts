/**
 * npm run bench:examples — keeps the example READMEs true. Each examples/<name>/README.md lists
 * its build commands in a ```sh block (`node bin/tinyprune.js build …`); this runs exactly those
 * commands (through the CLI source, `--json`) and rewrites the README's table between the
 * `<!-- bench:examples -->` markers with what they measured: flash and RAM against the board's
 * limits, instructions (QEMU), accuracy before → after on the held-out split, the plan, and the
 * QEMU outputs that were bit-exact with the reference interpreter.
 *   npm run bench:examples [-- <example>…]
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildReport, cliBuild, errorLine, fmt, planText, root } from './cli-build.js';

const BEGIN = '<!-- bench:examples -->';
const END = '<!-- /bench:examples -->';

/** The build commands of a README's ```sh blocks, as argument lists after `build`. */
function readmeBuilds(text: string): string[][] {
  const blocks = text.split('```sh').slice(1).map((b) => b.split('```')[0]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.startsWith('node bin/tinyprune.js build '))
    .map((l) => l.slice('node bin/tinyprune.js build '.length).split(/\s+/));
}

const kibOf = (used: number, limit: number | undefined): string =>
  `${(used / 1024).toFixed(1)}${limit ? ` / ${(limit / 1024).toFixed(0)}` : ''} KiB`;

function accuracyText(r: BuildReport): string {
  const a = r.accuracy;
  if (!a) return 'not measured';
  const pt = (a.after - a.before) * 100;
  const delta = Math.abs(pt) < 0.005 ? '' : ` (${pt > 0 ? '+' : '−'}${Math.abs(pt).toFixed(2)} pt)`;
  return `${(a.before * 100).toFixed(2)}% → ${(a.after * 100).toFixed(2)}%${delta}`;
}

function row(args: string[]): string {
  const board = args[args.indexOf('--board') + 1] ?? '?';
  const label = args.includes('--emulate') ? `${board} --emulate` : board;
  try {
    const r = cliBuild([...args, '--out', path.join(root, 'out/bench-examples', args.join('_').replace(/[^\w.-]+/g, '_'))]);
    const exact = r.verify ? `${r.verify.bitExact}/${r.verify.samples}` : '–';
    return `| ${label} | ${kibOf(r.flash.total, r.flash.limit)} | ${kibOf(r.ram.total, r.ram.limit)} | ${fmt(r.measured?.instructions)} | ${accuracyText(r)} | ${planText(r)} | ${exact} |`;
  } catch (e) {
    return `| ${label} | | | failed: ${errorLine(e)} | | | |`;
  }
}

function main(): void {
  const names = process.argv.slice(2);
  const dir = path.join(root, 'examples');
  for (const name of readdirSync(dir).sort()) {
    const readme = path.join(dir, name, 'README.md');
    if ((names.length > 0 && !names.includes(name)) || !existsSync(readme)) continue;
    const text = readFileSync(readme, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${readme}: no ${BEGIN} … ${END} table to rewrite`);
    process.stderr.write(`[examples] ${name}\n`);
    const table = [
      '| board | flash | RAM | instructions (QEMU) | accuracy before → after | plan | bit-exact in QEMU |',
      '|---|---|---|---|---|---|---|',
      ...readmeBuilds(text).map(row),
    ].join('\n');
    writeFileSync(readme, `${text.slice(0, start + BEGIN.length)}\n${table}\n${text.slice(end)}`);
    process.stdout.write(`${name}\n${table}\n`);
  }
}

main();
