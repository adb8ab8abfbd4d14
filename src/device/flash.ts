/**
 * `tinyprune flash`: put a build's firmware on its board.
 *
 * Two stages, kept apart so --dry-run is the real thing minus the side effects:
 *   planFlash()    pure-ish: which flasher, the exact command lines, what is missing
 *                  (reads the build's report and, for placeholders, looks for the port/drive)
 *   executeFlash() runs the plan: the tool (bounded, stderr in the error), the verified drive
 *                  copy, or the GDB load - for an emulated board into a QEMU started with its
 *                  gdbstub, then checked over the QEMU pty with the benchmark handshake.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';


import { flasherCommand, loadBoard, resolveTarget, type BoardProfile, type FlashFiles } from '../boards/index.js';
import type { BuildReport } from '../contracts/report.js';
import { TinypruneError, type Warning } from '../errors.js';
import { which } from '../firmware/toolchain.js';
import { qemuArgs, qemuMachineOf } from '../firmware/qemu-args.js';
import { readBuildReport } from '../run/run.js';
import { runCommand } from '../util/process.js';
import { copyToDrive, driveCandidates, findDrive } from './drive.js';
import { FLASHERS, FLASHER_NAMES, flasherByName, registryNameOf, type FlasherDef, type FlasherName } from './flashers.js';
import { gdbLoadArgs, gdbLoadProblem } from './gdb.js';
import { findBoardPort } from './ports.js';
import { BenchClient, type ProtocolTimeouts } from './protocol.js';
import { startQemuSession, type QemuSession } from './qemu.js';
import { openSerial } from './transport.js';
import { binToUf2, type Uf2Family } from './uf2.js';

export type FlashImage = 'bench' | 'firmware';

export interface FlashRequest {
  /** The build directory. */
  dir: string;
  /** Board named on the command line: must be the build's. */
  board?: string;
  /** A registry name (see FLASHERS) or alias; default: the board profile's first available. */
  flasher?: string;
  port?: string;
  drive?: string;
  /** host:port of a GDB server (gdb flasher on a real board; default localhost:3333). */
  gdbRemote?: string;
  /** Which ELF of the build (default 'bench': the benchmark firmware). */
  image?: FlashImage;
  timeoutMs?: number;
  /** Drive copies: how long to watch the drive afterwards. */
  settleMs?: number;
}

export interface FlashPlan {
  board: BoardProfile;
  report: BuildReport;
  mode: BuildReport['target']['mode'];
  flasher: FlasherName;
  /** The command lines a user would type, shell-quoted. */
  commands: string[];
  /** Things the real run would stop on (a missing tool, an unmounted drive, no port). */
  problems: TinypruneError[];
  /**
   * What the user should read before anything is flashed, a dry run too (the CLI prints them
   * once, as build does): the real board's target warnings, e.g. W_BOOT2_UNTESTED.
   */
  warnings: Warning[];
  files: Required<Pick<FlashFiles, 'elf' | 'bin' | 'hex'>> & { uf2: string };
  /** exec / gdb: program and arguments; copy: source file and drive. */
  program?: string;
  args?: string[];
  copy?: { from: string; drive: string; verify: 'daplink' | 'uf2' };
  gdbRemote?: string;
}

/** Shell quoting for display: what a user can paste. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function uf2Family(board: BoardProfile): Uf2Family | undefined {
  if (board.uart.kind === 'rp2040') return 'rp2040';
  if (board.uart.kind === 'nrf52-uarte') return 'nrf52840';
  return undefined;
}

function imageFiles(dir: string, report: BuildReport, image: FlashImage): FlashPlan['files'] {
  if (image === 'firmware') {
    return { elf: path.join(dir, report.files.elf), bin: path.join(dir, report.files.bin), hex: path.join(dir, report.files.hex), uf2: path.join(dir, 'firmware.uf2') };
  }
  const b = report.files.bench;
  if (!b) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `${dir} has no benchmark firmware (bench.elf)`, {
      where: path.join(dir, 'report.json'),
      hint: report.warnings.some((w) => w.code === 'W_BENCH_DOES_NOT_FIT')
        ? 'it did not fit the board (see the build warnings); flash firmware.elf with --image firmware'
        : 'the build is from an older tinyprune: rebuild it with `tinyprune build`',
    });
  }
  return { elf: path.join(dir, b.elf), bin: path.join(dir, b.bin), hex: path.join(dir, b.hex), uf2: path.join(dir, 'bench.uf2') };
}

/** The build's report, checked against --board. */
export function readBuildFor(dir: string, board: string | undefined): BuildReport {
  const report = readBuildReport(dir);
  if (board !== undefined && path.basename(board, '.json') !== report.board) {
    throw new TinypruneError('E_USAGE', `${dir} was built for ${report.board}, not ${board}`, {
      where: path.join(dir, 'report.json'),
      hint: `use --board ${report.board}, or rebuild for ${board}`,
    });
  }
  return report;
}

/** --flasher as a registry name (undefined: not given); E_USAGE for a name tinyprune does not know. */
function requestedFlasher(req: FlashRequest): FlasherName | undefined {
  const requested = req.flasher === undefined ? undefined : flasherByName(req.flasher);
  if (req.flasher !== undefined && requested === undefined) {
    throw new TinypruneError('E_USAGE', `--flasher ${req.flasher} is not a flasher tinyprune knows`, { where: 'tinyprune flash --flasher', allowed: FLASHER_NAMES.join(', ') });
  }
  return requested;
}

/** What every plan starts from: the build's board, report and image files. */
type PlanBase = Pick<FlashPlan, 'board' | 'report' | 'files'>;
/** A plan before planFlash adds the warnings. */
type PlanBody = Omit<FlashPlan, 'warnings'>;

/** An emulated board: the only way in is QEMU's gdbstub. */
function planEmulated(req: FlashRequest, { board, report, files }: PlanBase, requested: FlasherName | undefined): PlanBody {
  const problems: TinypruneError[] = [];
  if (requested !== undefined && requested !== 'gdb') {
    throw new TinypruneError('E_USAGE', `${report.board} is emulated in QEMU (${report.target.machine}); it is flashed through QEMU's gdbstub, not ${requested}`, {
      where: 'tinyprune flash --flasher',
      allowed: 'gdb',
      hint: 'to flash the real board, build without --emulate',
    });
  }
  const gdb = which(gdbName());
  if (!gdb) problems.push(missingTool('gdb'));
  const qemu = which(process.env['TINYPRUNE_QEMU'] ?? 'qemu-system-arm');
  if (!qemu) problems.push(new TinypruneError('E_TOOL_MISSING', 'qemu-system-arm not found', { hint: 'install it: sudo apt-get install qemu-system-arm' }));
  const remote = '127.0.0.1:<port>';
  // What executeFlash runs: startQemuSession's arguments, with placeholders for its temporary files.
  const target = resolveTarget(report.board, { emulate: report.target.mode === 'emulate' });
  const qemuLine = qemuArgs({ ...qemuMachineOf(target), serial: 'pty', semihostFile: '<tmp>/semihost.txt', icount: true, gdb: remote });
  const args = gdbLoadArgs({ gdb: 'gdb-multiarch', elf: files.elf, remote, reset: 'system_reset', connectTimeoutS: connectTimeoutS(req.timeoutMs ?? FLASHERS.gdb.timeoutMs) });
  return {
    board,
    report,
    mode: report.target.mode,
    flasher: 'gdb',
    commands: [
      shellQuote(['qemu-system-arm', ...qemuLine]),
      shellQuote([gdbName(), ...args]),
    ],
    problems,
    files,
    program: gdb ?? 'gdb-multiarch',
    args,
    gdbRemote: remote,
  };
}

/** A real board's flasher: the requested one, or the profile's first one that is available. */
interface FlasherPick {
  name: FlasherName;
  template: string[];
  volumeLabel: string | undefined;
}

function pickRequested(board: BoardProfile, entries: { entry: BoardProfile['flashers'][number]; name: FlasherName | undefined }[], requested: FlasherName): FlasherPick {
  const entry = entries.find((e) => e.name === requested);
  const def: FlasherDef = FLASHERS[requested];
  if (entry) return { name: requested, template: entry.entry.args, volumeLabel: entry.entry.volumeLabel };
  if (def.defaultArgs) return { name: requested, template: def.defaultArgs(board), volumeLabel: undefined };
  throw new TinypruneError('E_BOARD', `board ${board.name} has no "${requested}" flasher entry, and ${requested} needs board-specific arguments`, {
    where: `board ${board.name}: flashers`,
    allowed: entries.map((e) => e.name ?? e.entry.tool).join(', ') || '(none)',
    hint: `add {"tool": "${requested === 'copy' || requested === 'uf2' ? 'copy' : requested}", "args": [...]} to the board file's "flashers"`,
  });
}

function pickFlasher(board: BoardProfile, requested: FlasherName | undefined): FlasherPick {
  const entries = board.flashers.map((e) => ({ entry: e, name: registryNameOf(e) }));
  if (requested !== undefined) return pickRequested(board, entries, requested);
  if (entries.length === 0) {
    throw new TinypruneError('E_BOARD', `board ${board.name} lists no flashers`, {
      where: `board ${board.name}: flashers`,
      hint: `pass --flasher (${FLASHER_NAMES.join(', ')}) or add "flashers" to the board file`,
    });
  }
  const usable = entries.find((e) => e.name !== undefined && available(e.name, e.entry.volumeLabel));
  const pick = usable ?? entries.find((e) => e.name !== undefined) ?? entries[0]!;
  if (pick.name === undefined) {
    throw new TinypruneError('E_BOARD', `board ${board.name}'s flasher "${pick.entry.tool}" is not one tinyprune can drive`, { where: `board ${board.name}: flashers`, allowed: FLASHER_NAMES.join(', ') });
  }
  return { name: pick.name, template: pick.entry.args, volumeLabel: pick.entry.volumeLabel };
}

/** The {port} placeholder: --port, or the board's port found by USB ID ('<port>' and a problem when absent). */
async function portFor(req: FlashRequest, board: BoardProfile, problems: TinypruneError[]): Promise<string> {
  if (req.port !== undefined) return req.port;
  try {
    return await findBoardPort(board);
  } catch (e) {
    problems.push(e as TinypruneError);
    return '<port>';
  }
}

/** The mounted drive of a copy/uf2 flasher: --drive, or found by its volume label (a problem when absent). */
function driveFor(kind: 'copy' | 'uf2', volumeLabel: string | undefined, req: FlashRequest, problems: TinypruneError[]): string {
  const label = volumeLabel ?? (kind === 'uf2' ? 'RPI-RP2' : 'DAPLINK');
  const drive = req.drive ?? findDrive(label);
  if (drive !== undefined) return drive;
  const where = driveCandidates(label)[0] ?? label;
  problems.push(
    new TinypruneError('E_DEVICE_NOT_FOUND', `the ${label} drive is not mounted`, {
      where,
      hint: kind === 'uf2' ? 'hold BOOTSEL while plugging the board in, or pass --drive <mount point>' : 'plug the board in (its probe shows a USB drive), or pass --drive <mount point>',
    }),
  );
  return where;
}

/** A real board: the flasher's command with the placeholders filled (files, then port and drive). */
async function planDevice(req: FlashRequest, { board, report, files }: PlanBase, pick: FlasherPick): Promise<PlanBody> {
  const { name, template } = pick;
  const def: FlasherDef = FLASHERS[name];
  const problems: TinypruneError[] = [];
  const fill: FlashFiles = { elf: files.elf, bin: files.bin, hex: files.hex, uf2: files.uf2 };
  if (template.some((a) => a.includes('{port}'))) fill.port = await portFor(req, board, problems);
  if (def.kind === 'copy' || def.kind === 'uf2') {
    const drive = driveFor(def.kind, pick.volumeLabel, req, problems);
    fill.drive = drive;
    const from = def.kind === 'uf2' ? files.uf2 : files.bin;
    return { board, report, mode: 'device', flasher: name, commands: [shellQuote(['cp', from, `${drive}/`])], problems, files, copy: { from, drive, verify: def.kind === 'uf2' ? 'uf2' : 'daplink' } };
  }
  if (def.kind === 'gdb') {
    const remote = req.gdbRemote ?? 'localhost:3333';
    const gdb = which(gdbName());
    if (!gdb) problems.push(missingTool('gdb'));
    const args = gdbLoadArgs({ gdb: 'gdb-multiarch', elf: files.elf, remote, reset: 'reset', connectTimeoutS: connectTimeoutS(req.timeoutMs ?? FLASHERS.gdb.timeoutMs) });
    return { board, report, mode: 'device', flasher: name, commands: [shellQuote([gdbName(), ...args])], problems, files, program: gdb ?? 'gdb-multiarch', args, gdbRemote: remote };
  }
  const cmd = flasherCommand(board, { tool: def.program!, args: template }, fill);
  const program = which(def.program!);
  if (!program) problems.push(missingTool(name));
  return { board, report, mode: 'device', flasher: name, commands: [shellQuote([def.program!, ...cmd.args])], problems, files, program: program ?? def.program!, args: cmd.args };
}

/** Which flasher, and its command lines. Looks for ports/drives but changes nothing. */
export async function planFlash(req: FlashRequest): Promise<FlashPlan> {
  const dir = path.resolve(req.dir);
  const report = readBuildFor(dir, req.board);
  const board = loadBoard(report.board);
  const files = imageFiles(dir, report, req.image ?? 'bench');
  const requested = requestedFlasher(req);
  // An emulated board boots QEMU's way: only a real board's target warns about flashing it.
  if (report.target.mode !== 'device') return { ...planEmulated(req, { board, report, files }, requested), warnings: [] };
  const plan = await planDevice(req, { board, report, files }, pickFlasher(board, requested));
  return { ...plan, warnings: resolveTarget(board).warnings };
}

/** The GDB a user types (TINYPRUNE_GDB overrides, as for every tool). */
const gdbName = (): string => process.env['TINYPRUNE_GDB'] ?? 'gdb-multiarch';

function available(name: FlasherName, volumeLabel: string | undefined): boolean {
  const def: FlasherDef = FLASHERS[name];
  if (def.kind === 'copy' || def.kind === 'uf2') return findDrive(volumeLabel ?? (def.kind === 'uf2' ? 'RPI-RP2' : 'DAPLINK')) !== undefined;
  return which(def.program!) !== undefined;
}

function missingTool(name: FlasherName): TinypruneError {
  const def: FlasherDef = FLASHERS[name];
  return new TinypruneError('E_TOOL_MISSING', `${def.program} not found (needed by the ${name} flasher)`, {
    where: `PATH=${process.env['PATH'] ?? ''}`,
    hint: `install it: ${def.install}`,
  });
}

export interface FlashResult {
  flasher: FlasherName;
  commands: string[];
  /** Tool output (exec/gdb), for --verbose. */
  output: string;
  /** Emulated boards: the firmware answered the handshake with the build's identity. */
  verified?: { port: string; sourcesSha256: string };
  durationMs: number;
}

/** Runs a plan. Emulated boards: QEMU with a gdbstub, GDB load, then the handshake. */
export async function executeFlash(plan: FlashPlan, req: FlashRequest): Promise<FlashResult> {
  const started = Date.now();
  const first = plan.problems[0];
  if (first) throw first;
  const timeoutMs = req.timeoutMs ?? FLASHERS[plan.flasher].timeoutMs;

  if (plan.mode !== 'device') {
    const target = resolveTarget(plan.report.board, { emulate: plan.mode === 'emulate' });
    const session = await startQemuSession({ target, gdb: true });
    try {
      const args = gdbLoadArgs({ gdb: plan.program!, elf: plan.files.elf, remote: session.gdbRemote!, reset: 'system_reset', connectTimeoutS: connectTimeoutS(timeoutMs) });
      const loaded = await runGdbLoad(plan.program!, args, session.gdbRemote!, timeoutMs);
      // --timeout bounds the handshake too (a slow machine under load may need longer than 10 s).
      const verified = await verifyIdentity(session, plan.report, req.timeoutMs !== undefined ? { handshakeMs: req.timeoutMs } : {});
      return { flasher: plan.flasher, commands: [shellQuote(session.command), shellQuote([plan.program!, ...args])], output: loaded, verified, durationMs: Date.now() - started };
    } finally {
      await session.stop();
    }
  }

  const def: FlasherDef = FLASHERS[plan.flasher];
  if (plan.copy) {
    // The .uf2 is made from the .bin at flash time (always fresh: the .bin may be newer).
    if (def.kind === 'uf2') writeUf2(plan);
    // How long to watch the drive for the probe's verdict: settleMs, else --timeout, else the default.
    const settleMs = req.settleMs ?? req.timeoutMs;
    await copyToDrive(plan.copy.from, plan.copy.drive, { verify: plan.copy.verify, ...(settleMs !== undefined ? { settleMs } : {}) });
    return { flasher: plan.flasher, commands: plan.commands, output: '', durationMs: Date.now() - started };
  }
  if (def.kind === 'gdb') {
    const out = await runGdbLoad(plan.program!, plan.args!, plan.gdbRemote!, timeoutMs);
    return { flasher: plan.flasher, commands: plan.commands, output: out, durationMs: Date.now() - started };
  }
  if (plan.args?.includes(plan.files.uf2)) writeUf2(plan);
  const r = await runCommand([plan.program!, ...(plan.args ?? [])], {
    what: def.program!,
    timeoutMs,
    timeoutHint: (p) => `${def.diagnose?.(p.all) ?? 'the probe or bootloader stopped answering; unplug the board and retry'}. Last output: ${p.all.trim().split('\n').slice(-3).join(' | ')}`,
  });
  const output = r.all;
  if (r.exitCode !== 0) {
    const tail = (r.stderr || r.all).trim().split('\n').slice(-8).join('\n');
    throw new TinypruneError('E_FLASH_FAILED', `${def.program} failed (exit ${r.exitCode ?? r.signal}):\n${tail}`, {
      where: plan.commands[0],
      ...(def.diagnose?.(output) ? { hint: def.diagnose(output) } : {}),
    });
  }
  return { flasher: plan.flasher, commands: plan.commands, output, durationMs: Date.now() - started };
}

function writeUf2(plan: FlashPlan): void {
  writeFileSync(plan.files.uf2, binToUf2(readFileSync(plan.files.bin), plan.board.flash.origin, uf2Family(plan.board)));
}

/** How long GDB retries a refused connection: a quarter of the load's bound, 1..10 s. */
const connectTimeoutS = (timeoutMs: number): number => Math.min(10, Math.max(1, Math.round(timeoutMs / 4000)));

/** GDB remote load (bounded); E_FLASH_FAILED with GDB's complaint when it does not complete. */
export async function gdbLoad(gdb: string, elf: string, remote: string, reset: string, timeoutMs: number): Promise<string> {
  return runGdbLoad(gdb, gdbLoadArgs({ gdb, elf, remote, reset, connectTimeoutS: connectTimeoutS(timeoutMs) }), remote, timeoutMs);
}

async function runGdbLoad(gdb: string, args: string[], remote: string, timeoutMs: number): Promise<string> {
  const r = await runCommand([gdb, ...args], { what: 'GDB load', timeoutMs, timeoutHint: (p) => p.all.trim().split('\n').slice(-3).join(' | ') });
  const stdout = r.stdout.toString('utf8');
  const out = `${stdout}\n${r.stderr}`;
  const problem = gdbLoadProblem(stdout, r.stderr);
  if (r.exitCode !== 0 || problem) {
    throw new TinypruneError('E_FLASH_FAILED', `GDB load through ${remote} failed: ${problem ?? `exit ${r.exitCode}`}`, {
      where: shellQuote([gdb, ...args]),
      hint: FLASHERS.gdb.diagnose(out) ?? r.stderr.trim().split('\n').slice(-4).join(' | '),
    });
  }
  return out;
}

/** Handshake over the QEMU pty and compare the model identity with the build's. */
export async function verifyIdentity(session: QemuSession, report: BuildReport, timeouts: Partial<ProtocolTimeouts> = {}): Promise<{ port: string; sourcesSha256: string }> {
  const port = await openSerial(session.ptyPath);
  try {
    const client = await BenchClient.connect(port, { timeouts });
    const info = await client.info();
    checkIdentity(info.sourcesSha256, report, session.ptyPath);
    return { port: session.ptyPath, sourcesSha256: info.sourcesSha256 };
  } finally {
    await port.close();
  }
}

/** E_WRONG_FIRMWARE when the board runs another model than the build. */
export function checkIdentity(deviceSha: string, report: BuildReport, where: string): void {
  if (deviceSha !== report.sourcesSha256) {
    throw new TinypruneError('E_WRONG_FIRMWARE', `the board runs another model: its firmware reports sources ${deviceSha.slice(0, 16)}…, the build ${report.sourcesSha256?.slice(0, 16) ?? '(none)'}…`, {
      where,
      hint: `flash this build first: tinyprune flash --board ${report.board} <dir> (or bench --flash)`,
    });
  }
}
