/**
 * Loading a firmware through a GDB remote target: QEMU's gdbstub in CI, or the GDB server of
 * a debug probe (OpenOCD :3333, pyOCD :3333, J-Link :2331, Black Magic Probe) on a desk.
 *
 *   gdb-multiarch -nx -batch <elf> -ex "target remote HOST:PORT" -ex load
 *                 -ex "compare-sections" -ex "monitor system_reset" -ex detach
 *
 * `load` writes every loadable section; `compare-sections` reads them back (the verify step);
 * a reset afterwards is required - load leaves SP = 0 (FIRMWARE.md) - and `detach` lets the
 * target run when GDB exits. The reset command depends on the server: QEMU's monitor says
 * `system_reset`, OpenOCD and pyOCD `reset`.
 */
export interface GdbLoadOptions {
  gdb: string;
  elf: string;
  /** host:port of the GDB server. */
  remote: string;
  /** Monitor command that resets the target after the load. */
  reset: string;
  /** Read the sections back after loading (default true). */
  verify?: boolean;
  /** GDB retries a refused connection this long (its default is 15 s); omitted: GDB's default. */
  connectTimeoutS?: number;
}

/** The argument list (pure; the caller runs it with a timeout). */
export function gdbLoadArgs(o: GdbLoadOptions): string[] {
  const ex = (c: string): string[] => ['-ex', c];
  return [
    '-nx',
    '-batch',
    ...ex('set confirm off'),
    ...ex('set pagination off'),
    ...(o.connectTimeoutS !== undefined ? ex(`set tcp connect-timeout ${o.connectTimeoutS}`) : []),
    ...ex(`target remote ${o.remote}`),
    ...ex('load'),
    ...(o.verify === false ? [] : ex('compare-sections')),
    ...ex(`monitor ${o.reset}`),
    ...ex('detach'),
    o.elf,
  ];
}

/**
 * GDB in batch mode exits 0 even when a command fails; its errors are on stderr. A failed
 * connection, a failed load or a section that reads back different is a failure.
 */
export function gdbLoadProblem(stdout: string, stderr: string): string | undefined {
  const text = `${stdout}\n${stderr}`;
  const patterns = [
    /Connection refused|Connection timed out|could not connect|Remote connection closed|Remote communication error[^\n]*/i,
    /Load failed[^\n]*|Memory access error[^\n]*|Cannot access memory at address[^\n]*/i,
    /MIS-MATCHED[^\n]*/,
    /No such file or directory[^\n]*/i,
    /not in executable format[^\n]*/i,
  ];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[0].trim();
  }
  if (!/Start address|Transfer rate/.test(text)) return 'GDB did not report a completed load';
  return undefined;
}
