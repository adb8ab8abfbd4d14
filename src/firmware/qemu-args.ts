/**
 * qemu-system-arm's argument list, built in one place (pure) for every way tinyprune runs
 * QEMU: `run` (UART on stdio, exits when the firmware ends), `bench` (UART on a pty the host
 * opens like a USB port) and `flash` through the gdbstub (halted, no kernel: GDB loads it),
 * including what `flash --dry-run` prints.
 *
 * Semihosting (the exit code, the firmware's stderr) goes to a file chardev of its own, so it
 * never mixes with the UART; -icount makes SysTick follow instructions (deterministic time);
 * the instruction-count plugin records the count at every tp_mark call.
 */
import type { QemuMachine, Target } from '../boards/index.js';
import { TinypruneError } from '../errors.js';

/** What QEMU needs of a board: the machine, and the board file's -cpu / extra arguments. */
export interface QemuMachineConfig {
  machine: QemuMachine;
  cpu?: string | undefined;
  extraArgs: readonly string[];
}

export interface QemuArgsSpec extends QemuMachineConfig {
  /** The board's UART: QEMU's stdio (run) or a pseudo-terminal (bench, flash). */
  serial: 'stdio' | 'pty';
  /** Where semihosting output goes. */
  semihostFile: string;
  /** -icount shift=0,align=off,sleep=off: 1 ns of virtual time per instruction. */
  icount: boolean;
  /**
   * The instruction-count plugin: its .so, tp_mark's address, its output file and, only for
   * runs that report estimated cycles, the core whose timing prices them (docs/CYCLES.md).
   */
  plugin?: { path: string; markAddress: number; out: string; core?: string };
  /**
   * host:port of a gdbstub: QEMU starts halted with no firmware (GDB loads it and resets the
   * machine, so -no-reboot is left out: it would turn that reset into an exit).
   */
  gdb?: string;
  /** The firmware (-kernel); required without `gdb`. */
  kernel?: string;
  /** More arguments from the caller, after the board's. */
  userArgs?: readonly string[];
}

/** Escapes a value inside a QEMU -opt list (a comma is written twice). */
export const qemuOpt = (s: string): string => s.replace(/,/g, ',,');

/** The QEMU side of a target; E_BOARD when it is a device target. */
export function qemuMachineOf(target: Target): QemuMachineConfig {
  const q = target.qemuBoard?.qemu;
  if (target.machine === undefined || q === undefined) {
    throw new TinypruneError('E_BOARD', `${target.board.name} is a device target; it cannot run in QEMU`, {
      where: `board ${target.board.name}`,
      hint: 'build with --emulate (needs "emulateWith" in the board file) to run a real board on its QEMU stand-in',
    });
  }
  return { machine: target.machine, ...(q.cpu ? { cpu: q.cpu } : {}), extraArgs: q.extraArgs };
}

/** The arguments after the program name. */
export function qemuArgs(s: QemuArgsSpec): string[] {
  if (s.gdb === undefined && s.kernel === undefined) {
    throw new TinypruneError('E_USAGE', 'QEMU needs a kernel or a gdbstub', { where: 'qemuArgs' });
  }
  const args = [
    '-M',
    s.machine,
    ...(s.cpu ? ['-cpu', s.cpu] : []),
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    s.serial,
    '-chardev',
    `file,id=tpsemi,path=${qemuOpt(s.semihostFile)}`,
    '-semihosting-config',
    'enable=on,target=native,chardev=tpsemi',
  ];
  if (s.gdb === undefined) args.push('-no-reboot');
  if (s.icount) args.push('-icount', 'shift=0,align=off,sleep=off');
  if (s.plugin) {
    const core = s.plugin.core !== undefined ? `,core=${s.plugin.core}` : '';
    args.push('-plugin', `${qemuOpt(s.plugin.path)},mark=0x${s.plugin.markAddress.toString(16)}${core},out=${qemuOpt(s.plugin.out)}`);
  }
  args.push(...s.extraArgs, ...(s.userArgs ?? []));
  if (s.gdb !== undefined) args.push('-gdb', `tcp:${s.gdb}`, '-S');
  else args.push('-kernel', s.kernel!);
  return args;
}
