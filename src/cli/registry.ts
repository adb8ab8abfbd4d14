/**
 * The commands, by name. Adding a command = one file in commands/, one line here and its entry
 * (possibly empty) in the option table (src/config/options.ts).
 */
import type { Command } from './command.js';
import type { CommandName } from '../config/options.js';
import { inspectCommand } from './commands/inspect.js';
import { interpretCommand } from './commands/interpret.js';
import { buildCommand } from './commands/build.js';
import { runCommand } from './commands/run.js';
import { pruneCommand } from './commands/prune.js';
import { flashCommand } from './commands/flash.js';
import { benchCommand } from './commands/bench.js';
import { boardsCommand } from './commands/boards.js';
import { doctorCommand } from './commands/doctor.js';

export const COMMANDS = {
  inspect: inspectCommand,
  interpret: interpretCommand,
  build: buildCommand,
  run: runCommand,
  prune: pruneCommand,
  flash: flashCommand,
  bench: benchCommand,
  boards: boardsCommand,
  doctor: doctorCommand,
} satisfies { [C in CommandName]: Command<C> };

export type { CommandName };
