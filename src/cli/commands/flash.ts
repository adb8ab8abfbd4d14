import { resolve } from 'node:path';

import type { Command } from '../command.js';
import { TinypruneError } from '../../errors.js';
import { executeFlash, planFlash } from '../../device/flash.js';
import { formatWarnings } from '../format.js';

export const flashCommand: Command<'flash'> = {
  spec: {
    name: 'flash',
    summary: 'Flash a build onto its board (OpenOCD, pyOCD, probe-rs, st-flash, drive copy, UF2, bossac, dfu-util, GDB); QEMU boards through their gdbstub.',
    usage: 'tinyprune flash --board <board> <build-dir> [--flasher <name>] [--port <path>] [--drive <dir>] [--gdb-remote <host:port>] [--image bench|firmware] [--dry-run]',
    positionals: [1, 1],
  },
  async run(args, io) {
    const board = args.options.board;
    if (!board) {
      throw new TinypruneError('E_USAGE', '--board is required', { where: 'tinyprune flash', allowed: this.spec.usage, hint: 'the board the build directory was made for, e.g. --board nucleo-f446re' });
    }
    const o = args.options;
    const req = {
      dir: resolve(io.cwd, args.positionals[0]!),
      board,
      image: o.image,
      ...(o.flasher !== undefined ? { flasher: o.flasher } : {}),
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.drive !== undefined ? { drive: resolve(io.cwd, o.drive) } : {}),
      ...(o['gdb-remote'] !== undefined ? { gdbRemote: o['gdb-remote'] } : {}),
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
    };
    const plan = await planFlash(req);
    // Said before anything is flashed, in a dry run too: the user decides whether to go on.
    io.err(formatWarnings(plan.warnings));
    if (args.options['dry-run']) {
      if (args.options.json) {
        io.out(JSON.stringify({ board: plan.report.board, mode: plan.mode, flasher: plan.flasher, commands: plan.commands, problems: plan.problems.map((p) => ({ code: p.code, message: p.message, hint: p.hint })) }, null, 2) + '\n');
      } else {
        io.out(plan.commands.join('\n') + '\n');
      }
      // What the real run would stop on, so the user can fix it first (not an error here).
      for (const p of plan.problems) io.err(`note: ${p.message}${p.hint ? ` (${p.hint})` : ''}\n`);
      return 0;
    }
    const r = await executeFlash(plan, req);
    if (args.options.json) {
      io.out(JSON.stringify({ board: plan.report.board, mode: plan.mode, flasher: r.flasher, commands: r.commands, verified: r.verified ?? null, durationMs: r.durationMs }, null, 2) + '\n');
      return 0;
    }
    const lines = [`flashed ${plan.files.elf} onto ${plan.report.board} with ${r.flasher} (${(r.durationMs / 1000).toFixed(1)} s)`, ...r.commands.map((c) => `  $ ${c}`)];
    if (r.verified) {
      lines.push(`  verified: the firmware answered on ${r.verified.port} with this build's model ${r.verified.sourcesSha256.slice(0, 16)}…`);
      lines.push('  (QEMU was stopped after the check: `tinyprune bench --flash` loads through GDB and benchmarks in one QEMU session)');
    }
    io.out(lines.join('\n') + '\n');
    return 0;
  },
};
