/**
 * Process-wide cleanup: what must not outlive a tinyprune command (child process groups,
 * temporary directories, staging directories, output locks) registers here, and one set of
 * handlers runs it on normal exit, on SIGINT / SIGTERM / SIGHUP and after an error.
 *
 * Only the CLI entry point installs the signal handlers (`installSignalHandlers`); library
 * code registers and unregisters actions and never exits the process itself. Actions must
 * be synchronous: after a signal, Node runs no more asynchronous work before it exits.
 */

type Action = () => void;

/** Registered actions in registration order; run newest first (a stack, like try/finally). */
const actions = new Map<number, { what: string; run: Action }>();
let nextId = 1;

/**
 * Register `run` to be called once at cleanup; returns a function that unregisters it
 * (call it when the resource is released the normal way).
 */
export function onCleanup(what: string, run: Action): () => void {
  const id = nextId++;
  actions.set(id, { what, run });
  return () => {
    actions.delete(id);
  };
}

/**
 * Run every registered action, newest first, once. A failing action does not stop the
 * others (cleanup after an interrupt is best effort); failures are returned for tests.
 */
export function runCleanups(): { what: string; error: unknown }[] {
  const failures: { what: string; error: unknown }[] = [];
  const ids = [...actions.keys()].reverse();
  for (const id of ids) {
    const a = actions.get(id);
    actions.delete(id);
    if (!a) continue;
    try {
      a.run();
    } catch (error) {
      failures.push({ what: a.what, error });
    }
  }
  return failures;
}

/** How many actions are registered (tests check that a command leaves none behind). */
export function pendingCleanups(): string[] {
  return [...actions.values()].map((a) => a.what);
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
let installed = false;

/**
 * The CLI entry point's handlers: on a signal, run the cleanups and exit with 128 + signal
 * number (the shell's convention); on exit, run whatever is still registered.
 */
export function installSignalHandlers(write: (text: string) => void): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    process.on(signal as NodeJS.Signals, () => {
      write(`\ninterrupted (${signal}): stopping child processes and removing temporary files\n`);
      runCleanups();
      process.exit(code);
    });
  }
  process.on('exit', () => {
    runCleanups();
  });
}
