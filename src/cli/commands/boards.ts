/**
 * tinyprune boards: the bundled board profiles (boards/*.json) as a table or JSON, and
 * `--check <file.json>` to validate a user's own profile with the same validator the build
 * uses (src/boards: one error naming the key, the value, what is allowed and a fix).
 */
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { listBoards, loadBoardFile, type BoardProfile } from '../../boards/index.js';
import { formatWarnings } from '../format.js';
import { renderTable } from '../table.js';

export interface BoardRow {
  name: string;
  core: string;
  fpu: string;
  flashBytes: number;
  ramBytes: number;
  /** The QEMU machine that runs it ("qemu"), or the QEMU board used by --emulate ("emulate"). */
  emulatedBy: { kind: 'qemu'; machine: string } | { kind: 'emulate'; board: string } | null;
  description: string;
}

export function boardRow(b: BoardProfile): BoardRow {
  return {
    name: b.name,
    core: b.core,
    fpu: b.fpu,
    flashBytes: b.flash.size,
    ramBytes: b.ram.size,
    emulatedBy: b.qemu ? { kind: 'qemu', machine: b.qemu.machine } : b.emulateWith !== undefined ? { kind: 'emulate', board: b.emulateWith } : null,
    description: b.description,
  };
}

const kib = (n: number): string => (n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${+(n / 1024).toFixed(1)} KiB`);

function emulatedText(r: BoardRow): string {
  if (!r.emulatedBy) return '-';
  return r.emulatedBy.kind === 'qemu' ? `QEMU ${r.emulatedBy.machine}` : `${r.emulatedBy.board} (--emulate)`;
}

export const boardsCommand: Command<'boards'> = {
  spec: {
    name: 'boards',
    summary: 'List the board profiles (name, core, flash, RAM, what emulates them), or check a board .json of your own.',
    usage: 'tinyprune boards [--json] | tinyprune boards --check <board.json> [--json]',
    positionals: [0, 0],
  },
  async run(args, io) {
    const check = args.options.check;
    if (check !== undefined) {
      // A path, even without a "/": `--check myboard.json` means the file, not a bundled board.
      const loaded = loadBoardFile(resolve(io.cwd, check));
      io.err(formatWarnings(loaded.warnings));
      if (args.options.json) io.out(JSON.stringify({ ok: true, file: loaded.file, board: loaded.board }, null, 2) + '\n');
      else {
        const r = boardRow(loaded.board);
        io.out(`ok: ${loaded.file} is a valid board profile: ${r.name}, ${r.core}, flash ${kib(r.flashBytes)}, RAM ${kib(r.ramBytes)}, emulated by ${emulatedText(r)}\n`);
      }
      return 0;
    }
    const rows = listBoards().map((name) => boardRow(loadBoardFile(name).board));
    if (args.options.json) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    io.out(
      renderTable(
        ['name', 'core', 'fpu', 'flash', 'RAM', 'emulated by', 'description'],
        rows.map((r) => [r.name, r.core, r.fpu, kib(r.flashBytes), kib(r.ramBytes), emulatedText(r), r.description]),
        { right: [3, 4] },
      ) + '\nUse one with `tinyprune build --board <name>`; boards without QEMU run emulated with --emulate.\n',
    );
    return 0;
  },
};
