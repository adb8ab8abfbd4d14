import { resolve } from 'node:path';

import type { Command } from '../command.js';
import { boolOpt, stringOpt } from '../args.js';
import { TinypruneError } from '../../errors.js';
import { executeFlash, planFlash, type FlashImage } from '../../device/flash.js';
import { FLASHER_NAMES } from '../../device/flashers.js';
import { boot2Warning } from '../../boards/boot2.js';
import { formatWarning } from '../format.js';

export const flashCommand: Command = {
  spec: {
    name: 'flash',
    summary: 'Flash a build onto its board (OpenOCD, pyOCD, probe-rs, st-flash, drive copy, UF2, bossac, dfu-util, GDB); QEMU boards through their gdbstub.',
    usage: 'tinyprune flash --board <board> <build-dir> [--flasher <name>] [--port <path>] [--drive <dir>] [--gdb-remote <host:port>] [--image bench|firmware] [--dry-run]',
    options: {
      board: { type: 'string', value: '<board>', description: 'the board the directory was built for (checked)' },
      flasher: { type: 'string', value: '<name>', description: `how to flash: ${FLASHER_NAMES.join(', ')} (default: the board profile's first that is installed)` },
      port: { type: 'string', value: '<path>', description: 'serial port for flashers that need one (bossac); default: found by the board\'s USB VID/PID' },
      drive: { type: 'string', value: '<dir>', description: 'mount point of the board\'s USB drive (copy, uf2); default: found by its volume label' },
      'gdb-remote': { type: 'string', value: '<host:port>', description: 'GDB server for --flasher gdb on a real board (default localhost:3333: OpenOCD, pyOCD)' },
      image: { type: 'string', value: 'bench|firmware', description: 'bench.elf (the benchmark firmware, default) or firmware.elf (tinyprune run\'s)' },
      'dry-run': { type: 'boolean', description: 'print the exact command line(s) and change nothing' },
      timeout: { type: 'string', value: '<seconds>', description: 'bound on the flasher (default 120)' },
      json: { type: 'boolean', description: 'print the result as JSON' },
      help: { type: 'boolean', short: 'h', description: 'show this help' },
    },
    positionals: [1, 1],
  },
  async run(args, io) {
    const board = stringOpt(args, 'board');
    if (!board) {
      throw new TinypruneError('E_USAGE', '--board is required', { where: 'tinyprune flash', allowed: this.spec.usage, hint: 'the board the build directory was made for, e.g. --board nucleo-f446re' });
    }
    const image = stringOpt(args, 'image') ?? 'bench';
    if (image !== 'bench' && image !== 'firmware') {
      throw new TinypruneError('E_USAGE', `--image ${image} is not an image of a build`, { where: 'tinyprune flash --image', allowed: 'bench, firmware' });
    }
    const timeoutText = stringOpt(args, 'timeout');
    const timeoutS = timeoutText === undefined ? undefined : Number(timeoutText);
    if (timeoutS !== undefined && !(timeoutS > 0)) {
      throw new TinypruneError('E_USAGE', `--timeout ${timeoutText} is not a positive number of seconds`, { where: 'tinyprune flash --timeout' });
    }
    const req = {
      dir: resolve(io.cwd, args.positionals[0]!),
      board,
      image: image as FlashImage,
      ...(stringOpt(args, 'flasher') !== undefined ? { flasher: stringOpt(args, 'flasher')! } : {}),
      ...(stringOpt(args, 'port') !== undefined ? { port: stringOpt(args, 'port')! } : {}),
      ...(stringOpt(args, 'drive') !== undefined ? { drive: resolve(io.cwd, stringOpt(args, 'drive')!) } : {}),
      ...(stringOpt(args, 'gdb-remote') !== undefined ? { gdbRemote: stringOpt(args, 'gdb-remote')! } : {}),
      ...(timeoutS !== undefined ? { timeoutMs: timeoutS * 1000 } : {}),
    };
    const plan = await planFlash(req);
    // Said before anything is flashed, in a dry run too: the user decides whether to go on.
    const boot2 = boot2Warning(plan.board);
    if (boot2) io.err(formatWarning(boot2));
    if (boolOpt(args, 'dry-run')) {
      if (boolOpt(args, 'json')) {
        io.out(JSON.stringify({ board: plan.report.board, mode: plan.mode, flasher: plan.flasher, commands: plan.commands, problems: plan.problems.map((p) => ({ code: p.code, message: p.message, hint: p.hint })) }, null, 2) + '\n');
      } else {
        io.out(plan.commands.join('\n') + '\n');
      }
      // What the real run would stop on, so the user can fix it first (not an error here).
      for (const p of plan.problems) io.err(`note: ${p.message}${p.hint ? ` (${p.hint})` : ''}\n`);
      return 0;
    }
    const r = await executeFlash(plan, req);
    if (boolOpt(args, 'json')) {
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
