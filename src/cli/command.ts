import type { CommandSpec, ParsedArgs } from './args.js';

/** Where a command writes. The entry point passes process streams; tests pass buffers. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Current working directory for relative paths. */
  cwd: string;
}

export interface Command {
  spec: CommandSpec;
  /** Returns the exit code; throws TinypruneError on failure (the entry point prints it). */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
