/**
 * Dispatch argv to a command. Returns the exit code and never exits itself, so tests can
 * call it in-process; only src/cli.ts touches process.exit.
 */
import { toolVersion } from './version.js';
import { TinypruneError } from '../errors.js';
import { closest } from '../boards/spec.js';
import { helpOptions, helpText, parseCommandLine, resolveOptions, type ParsedArgs } from './args.js';
import type { CliIO } from './command.js';
import { COMMANDS, type CommandName } from './registry.js';
import { createProgress, type CliProgress } from './progress.js';
import { GLOBAL_OPTIONS, optionsOf } from '../config/options.js';
import { configValuesFor, loadConfig } from '../config/load.js';

export { GLOBAL_OPTIONS };

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/**
 * --quiet: nothing but errors. It wins, but a --progress typed on the command line beats
 * "quiet": true in the config file.
 */
function isQuiet(args: ParsedArgs): boolean {
  return args.source['quiet'] === 'cli' || (args.options.quiet && args.source['progress'] !== 'cli');
}

/** The progress reporter the options ask for. */
function progressFor(name: string, args: ParsedArgs, io: CliIO): CliProgress {
  const mode = isQuiet(args) ? 'none' : args.options.progress;
  return createProgress({ mode, write: io.err, isTTY: io.isTTY === true, prefix: name, ...(io.columns ? { columns: io.columns } : {}) });
}

function unknownCommand(name: string): TinypruneError {
  const near = closest(name, Object.keys(COMMANDS));
  const flagFirst = name.startsWith('-') ? `the command comes first: \`tinyprune <command> ${name}\`` : undefined;
  return new TinypruneError('E_USAGE', `unknown command '${name}'`, {
    allowed: Object.keys(COMMANDS).join(', '),
    hint: flagFirst ?? (near ? `did you mean \`tinyprune ${near}\`?` : 'run `tinyprune --help`'),
  });
}

function usage(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(12)} ${c.spec.summary}`);
  return `tinyprune ${toolVersion()} — prune, compress and compile neural networks for Cortex-M\n\nUsage: tinyprune <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nOptions of every command:\n${helpOptions(GLOBAL_OPTIONS)}\n\nRun \`tinyprune <command> --help\` for a command's options; defaults can come from ./tinyprune.config.json (docs/tinyprune.config.schema.json).\n`;
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
  let progress: CliProgress | undefined;
  try {
    if (!Object.hasOwn(COMMANDS, name)) throw unknownCommand(name);
    const cmd = COMMANDS[name as CommandName];
    const cli = parseCommandLine(cmd.spec, rest);
    if (cli.values['help'] === true) {
      io.out(helpText(cmd.spec));
      return EXIT_OK;
    }
    // The config file sits under the flags: a flag on the command line wins.
    const configFile = typeof cli.values['config'] === 'string' ? cli.values['config'] : undefined;
    const config = 'ignoresConfig' in cmd && cmd.ignoresConfig ? undefined : loadConfig(io.cwd, configFile);
    const args = resolveOptions(cmd.spec.name, cli, configValuesFor(config, name, optionsOf(cmd.spec.name)));
    progress = progressFor(name, args, io);
    // --quiet: the command's own lines on stderr (warnings, notes) go nowhere; errors still show.
    const err = isQuiet(args) ? () => {} : io.err;
    const code = await (cmd.run as (a: ParsedArgs, io: CliIO) => Promise<number>)(args, { ...io, err, progress });
    progress.close();
    return code;
  } catch (e) {
    // A bar still on the screen would run into the error message.
    progress?.close();
    progress = undefined;
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
