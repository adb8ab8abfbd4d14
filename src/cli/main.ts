/**
 * Dispatch argv to a command. Returns the exit code and never exits itself, so tests can
 * call it in-process; only src/cli.ts touches process.exit.
 */
import { toolVersion } from './version.js';
import { TinypruneError } from '../errors.js';
import { helpText, parseCommandArgs } from './args.js';
import type { CliIO } from './command.js';
import { COMMANDS, type CommandName } from './registry.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;


function usage(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(12)} ${c.spec.summary}`);
  return `tinyprune ${toolVersion()} — prune, compress and compile neural networks for Cortex-M\n\nUsage: tinyprune <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun \`tinyprune <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.out(`${toolVersion()}\n`);
    return EXIT_OK;
  }
  try {
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new TinypruneError('E_USAGE', `unknown command '${name}'`, {
        allowed: Object.keys(COMMANDS).join(', '),
        hint: 'run `tinyprune --help`',
      });
    }
    const cmd = COMMANDS[name as CommandName];
    const args = parseCommandArgs(cmd.spec, rest);
    if (args.values['help'] === true) {
      io.out(helpText(cmd.spec));
      return EXIT_OK;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof TinypruneError) {
      io.err(e.format() + '\n');
      return e.code === 'E_USAGE' ? EXIT_USAGE : EXIT_ERROR;
    }
    io.err(
      `internal error: ${(e as Error)?.stack ?? String(e)}\n` +
        'This is a bug in tinyprune, not in your input. Please report it with the command line and the model.\n',
    );
    return EXIT_INTERNAL;
  }
}
