/**
 * Running an external tool (flashers, GDB) with a hard bound. The tool runs in a process group
 * of its own and a timeout kills the whole group: killing only the direct child leaves its
 * children (a wrapper script's `sleep`, a GDB server it forked) holding the output pipes open,
 * and waiting for those pipes would be the hang this is meant to prevent.
 */
import { execa } from 'execa';

export interface ToolRun {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
}

export async function runTool(program: string, args: readonly string[], timeoutMs: number): Promise<ToolRun> {
  const child = execa(program, args, { reject: false, stdin: 'ignore', all: true, encoding: 'utf8', detached: true, cleanup: true, maxBuffer: 16 * 1024 * 1024 });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeoutMs);
  const r = await child;
  clearTimeout(timer);
  return {
    exitCode: r.exitCode ?? undefined,
    signal: r.signal ?? undefined,
    timedOut,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    all: String(r.all ?? ''),
  };
}
