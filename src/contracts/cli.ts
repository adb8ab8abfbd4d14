/**
 * What the command line hands to the rest: parsed arguments (merged with the config file by
 * src/config) and the progress modes the config may name. The parser itself is src/cli/args.ts.
 */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'json', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
