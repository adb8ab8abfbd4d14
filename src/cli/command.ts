import type { CommandSpec, ParsedArgs } from './args.js';
import type { CommandName } from '../config/options.js';
import type { CliProgress } from './progress.js';

/** Where a command writes. The entry point passes process streams; tests pass buffers. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Current working directory for relative paths. */
  cwd: string;
  /** Is stderr a terminal (progress bars) and how wide? Absent: not a terminal. */
  isTTY?: boolean;
  columns?: number;
  /**
   * Progress reporter for long stages, chosen by main() from --quiet / --progress / the
   * config file. Commands pass it to stages and send their informational lines through it.
   */
  progress?: CliProgress;
}

/** A command; its options are its entry in the option table (src/config/options.ts). */
export interface Command<C extends CommandName = CommandName> {
  spec: CommandSpec<C>;
  /** Returns the exit code; throws TinypruneError on failure (the entry point prints it). */
  run(args: ParsedArgs<C>, io: CliIO): Promise<number>;
  /** main() does not read tinyprune.config.json for it (doctor reports on the file instead of failing on it). */
  ignoresConfig?: boolean;
}
