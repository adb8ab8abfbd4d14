import type { CommandSpec, ParsedArgs } from './args.js';
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

export interface Command {
  spec: CommandSpec;
  /** Returns the exit code; throws TinypruneError on failure (the entry point prints it). */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
  /** main() does not read tinyprune.config.json for it (doctor reports on the file instead of failing on it). */
  ignoresConfig?: boolean;
}
