/** The CLI entry point: the only place that exits the process. */
import { installSignalHandlers, runCleanups } from './util/cleanup.js';

// Child process groups, temporary and staging directories and output locks registered in
// src/util/cleanup.ts are released on exit and on SIGINT / SIGTERM / SIGHUP. Installed before
// the rest of the CLI is loaded (a dynamic import below), so a Ctrl-C during that first
// fraction of a second also ends with the same message and exit code.
installSignalHandlers((t) => process.stderr.write(t));

const { main, EXIT_INTERNAL } = await import('./cli/main.js');

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `tinyprune inspect x | head` closes the pipe early: that is not an error.
  if (e.code === 'EPIPE') process.exit(0);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`internal error: ${String((e as Error)?.stack ?? e)}\n`);
  runCleanups();
  process.exit(EXIT_INTERNAL);
});

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY === true,
  ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
});
process.exitCode = code;
