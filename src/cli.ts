/** The CLI entry point: the only place that exits the process. */
import { main, EXIT_INTERNAL } from './cli/main.js';
import { installSignalHandlers, runCleanups } from './util/cleanup.js';

// Child process groups, temporary and staging directories and output locks registered in
// src/util/cleanup.ts are released on exit and on SIGINT / SIGTERM / SIGHUP.
installSignalHandlers((t) => process.stderr.write(t));

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
