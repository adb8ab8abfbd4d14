/**
 * The progress interface long stages report through (training epochs, sensitivity sweeps,
 * compilation, QEMU and serial runs). Stage code only calls these methods; how progress is
 * shown (a bar on a TTY, plain lines in CI logs, JSON lines, nothing) is the CLI's choice
 * (src/cli/progress.ts), so the stages never write to stderr themselves (issue #8).
 */

export interface Progress {
  /**
   * Begins a stage of `total` steps (0 when unknown). Stages nest: tick/done act on the most
   * recently started stage that is not done yet.
   */
  start(stage: string, total: number): void;
  /** `n` more steps of the current stage are done; `detail` is a short note ("epoch 3: loss 0.12"). */
  tick(n?: number, detail?: string): void;
  /** The current stage is finished (safe to call more than once). */
  done(): void;
  /** An informational line that belongs to the output of the current command. */
  log(message: string): void;
}

/** Reports nothing: the default when a caller passes no reporter. */
export const NO_PROGRESS: Progress = {
  start() {},
  tick() {},
  done() {},
  log() {},
};
