/**
 * Dispatch argv to a command. Returns the exit code and never exits itself, so tests can
 * call it in-process; only src/cli.ts touches process.exit.
 */
import { toolVersion } from './version.js';
import { TinypruneError } from '../errors.js';
import { helpOptions, helpText, parseCommandArgs, stringOpt, type CommandSpec, type OptionSpec, type ParsedArgs } from './args.js';
import type { CliIO } from './command.js';
import { COMMANDS, type CommandName } from './registry.js';
import { createProgress, isProgressMode, PROGRESS_MODES, type CliProgress, type ProgressMode } from './progress.js';
import { loadConfig, mergeConfig } from '../config/load.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Flags every command takes (issue #8); main() reads them, commands see the result in io.progress. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  quiet: { type: 'boolean', short: 'q', description: 'no progress or informational lines on stderr (errors still show)' },
  progress: { type: 'string', value: '<mode>', description: `progress on stderr: ${PROGRESS_MODES.join(' | ')} (default auto: a bar on a terminal, plain lines otherwise)` },
  config: { type: 'string', value: '<file>', description: 'read defaults from this file instead of ./tinyprune.config.json' },
};

function withGlobalOptions(spec: CommandSpec): CommandSpec {
  return { ...spec, options: { ...spec.options, ...GLOBAL_OPTIONS } };
}

/**
 * The progress reporter the flags ask for (`args` merged with the config file, `cliArgs` as
 * typed): --quiet wins, but a --progress typed on the command line beats "quiet" in the file.
 */
function progressFor(name: string, args: ParsedArgs, cliArgs: ParsedArgs, io: CliIO): CliProgress {
  const text = stringOpt(args, 'progress') ?? 'auto';
  if (!isProgressMode(text)) {
    throw new TinypruneError('E_USAGE', `--progress ${text} is not a progress mode`, { allowed: PROGRESS_MODES.join(', '), where: `tinyprune ${name} --progress` });
  }
  const quiet = cliArgs.values['quiet'] === true || (args.values['quiet'] === true && cliArgs.values['progress'] === undefined);
  const mode: ProgressMode = quiet ? 'none' : text;
  return createProgress({ mode, write: io.err, isTTY: io.isTTY === true, prefix: name, ...(io.columns ? { columns: io.columns } : {}) });
}

function usage(): string {
  const rows = Object.values(COMMANDS).map((c) => `  ${c.spec.name.padEnd(12)} ${c.spec.summary}`);
  return `tinyprune ${toolVersion()} — prune, compress and compile neural networks for Cortex-M\n\nUsage: tinyprune <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nOptions of every command:\n${helpOptions({ name: '', summary: '', usage: '', options: GLOBAL_OPTIONS, positionals: [0, 0] })}\n\nRun \`tinyprune <command> --help\` for a command's options; defaults can come from ./tinyprune.config.json (docs/tinyprune.config.schema.json).\n`;
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
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new TinypruneError('E_USAGE', `unknown command '${name}'`, {
        allowed: Object.keys(COMMANDS).join(', '),
        hint: 'run `tinyprune --help`',
      });
    }
    const cmd = COMMANDS[name as CommandName];
    const spec = withGlobalOptions(cmd.spec);
    const cliArgs = parseCommandArgs(spec, rest);
    if (cliArgs.values['help'] === true) {
      io.out(helpText(spec));
      return EXIT_OK;
    }
    // The config file sits under the flags: a flag on the command line wins.
    const config = 'ignoresConfig' in cmd && cmd.ignoresConfig ? undefined : loadConfig(io.cwd, stringOpt(cliArgs, 'config'));
    const args = mergeConfig(config, cliArgs, name);
    progress = progressFor(name, args, cliArgs, io);
    const code = await cmd.run(args, { ...io, progress });
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
