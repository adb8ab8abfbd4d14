/**
 * THE OPTION TABLE: every flag of every command, declared once. From it come
 *   - the command-line parser and its checks (src/cli/args.ts): a bad value exits 2 naming the
 *     flag, the value and what is allowed; a typo'd flag gets "did you mean";
 *   - the typed options a command reads (`args.options.epochs` is a number);
 *   - the validation and merge of tinyprune.config.json (src/config/load.ts) — the same checks
 *     and the same defaults as the flags;
 *   - `--help` and docs/tinyprune.config.schema.json (`npm run gen:config-schema`).
 *
 * Adding an option is ONE entry here, under its command:
 *     'max-loss': { type: 'number', min: 0, value: '<pt>', description: '…' },
 * and the command reads `args.options['max-loss']` (number | undefined; never undefined when the
 * entry has a `default`, booleans are false when absent). `args.source[name]` tells whether the
 * user gave it ('cli' or 'config') or the default applies.
 *
 * Fields: type ('string' | 'enum' | 'enum-list' | 'number' | 'integer' | 'boolean'), description
 * (help text; the default and the allowed values are appended from the other fields), default,
 * values (enum), min/max (numbers), pattern/check/allowedText (strings), path (how relative paths
 * in a config file are resolved), short (-o), value (the placeholder in --help), noun (what a value
 * is, for messages: "--kernels x is not a kernel set"), config: false (not a config-file key).
 * Options of `build` and `prune` and the global ones are config-file keys unless config: false.
 */
import { GRANULARITY_ALLOWED, granularityProblem } from '../sparse/granularity.js';
import { OBJECTIVES } from '../sparse/plan.js';
import { FORMAT_NAMES } from '../sparse/types.js';
import { EXPORT_KINDS } from '../export/plan.js';
import { DEFAULT_MAX_LOSS } from '../pipeline/budget.js';
import { FLASHER_NAMES } from '../device/flashers.js';
import { DEFAULT_TIMEOUTS } from '../device/protocol.js';

export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'json', 'none'] as const;

interface OptionBase {
  /** Help text: what the option does (the default and allowed values are added from the table). */
  description: string;
  /** One-letter alias: -o. */
  short?: string;
  /** Placeholder in --help, e.g. '<dir>'. */
  value?: string;
  /** What one value is, for messages ("is not a kernel set"); default "an allowed value". */
  noun?: string;
  /** false: a command-line flag only, not a tinyprune.config.json key. */
  config?: false;
}
export interface StringOption extends OptionBase {
  type: 'string';
  default?: string;
  /**
   * Relative paths in a config file are taken from the file's directory: 'file' (a file or
   * folder), 'name-or-file' (a path only when it has a "/" or ends in .json, like --board),
   * 'data-spec' (the paths inside mnist:<dir>, digits:<file>, x.npy,y.npy).
   */
  path?: 'file' | 'name-or-file' | 'data-spec';
  /** A further check; returns what is wrong, or undefined. */
  check?: (v: string) => string | undefined;
  /** What `check` / `pattern` accept, for messages and the JSON Schema. */
  allowedText?: string;
  pattern?: RegExp;
}
export interface EnumOption extends OptionBase {
  type: 'enum';
  values: readonly string[];
  default?: string;
}
/** Several of a set of values: a repeatable, comma-separable flag (`--emit c,cmake`). */
export interface EnumListOption extends OptionBase {
  type: 'enum-list';
  values: readonly string[];
  default?: readonly string[];
}
export interface NumberOption extends OptionBase {
  type: 'number' | 'integer';
  default?: number;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}
/** A switch: false when absent. */
export interface BooleanOption extends OptionBase {
  type: 'boolean';
}
export type OptionDecl = StringOption | EnumOption | EnumListOption | NumberOption | BooleanOption;
export type OptionTable = Readonly<Record<string, OptionDecl>>;

/** Options every command takes; main() reads them. */
export const GLOBAL_OPTIONS = {
  quiet: { type: 'boolean', short: 'q', description: 'print nothing but errors on stderr (no progress, informational lines or warnings)' },
  progress: {
    type: 'enum',
    values: PROGRESS_MODES,
    default: 'auto',
    value: PROGRESS_MODES.join('|'),
    noun: 'a progress mode',
    description: 'progress on stderr: a bar on a terminal (bar), plain lines for logs (lines), JSON lines (json), nothing (none); auto = a bar on a terminal, lines otherwise',
  },
  config: { type: 'string', value: '<file>', config: false, description: 'read defaults from this file instead of ./tinyprune.config.json' },
  help: { type: 'boolean', short: 'h', config: false, description: 'show this help' },
} as const satisfies OptionTable;

// ---- declarations shared by several commands ----------------------------------------------
const json = (description = 'print the result as JSON') => ({ type: 'boolean', config: false, description }) as const;
const checkedBoard = { type: 'string', value: '<board>', description: 'the board the directory was built for (checked)' } as const;
const rawInput = { type: 'string', value: '<raw.bin>', description: 'raw input bytes, inputs concatenated in order (default: zeros)' } as const;
const seed = { type: 'integer', default: 1, value: '<n>', description: 'seed of the data split, shuffling and initialisation' } as const;
const backend = { type: 'enum', values: ['auto', 'node', 'wasm', 'cpu'], default: 'auto', noun: 'a TF.js backend', description: 'TF.js backend for training (sensitivity, fine-tuning)' } as const;
const plan = { type: 'string', path: 'file', value: '<plan.json>', description: 'a PrunePlan JSON file (per-layer granularity/sparsity, exclude/pin, schedule, fine-tuning)' } as const;
const dataSet = { type: 'string', path: 'data-spec', value: '<dataset>' } as const;
const sparsity = { type: 'number', min: 0, max: 1, value: '<0..1>' } as const;
const epochs = { type: 'integer', min: 0, value: '<n>', description: 'fine-tuning epochs after pruning' } as const;
const flasher = { type: 'string', value: '<name>', allowedText: `${FLASHER_NAMES.join(', ')} (or an alias)` } as const;
const drive = { type: 'string', value: '<dir>' } as const;
const gdbRemote = { type: 'string', value: '<host:port>' } as const;
const port = { type: 'string', value: '<path>' } as const;

/** One pruning-unit option for build and prune: one parser (src/sparse/granularity.ts), aliases accepted. */
const granularity = {
  type: 'string',
  default: 'element',
  value: '<unit>',
  noun: 'a pruning unit',
  check: granularityProblem,
  allowedText: GRANULARITY_ALLOWED,
} as const;

export const COMMAND_OPTIONS = {
  inspect: {
    json: json('print one JSON object (layers + totals) instead of a table'),
  },
  interpret: {
    input: { type: 'string', value: '<raw.bin>', description: 'raw little-endian bytes of the input tensors, concatenated in order' },
    output: { type: 'string', value: '<raw.bin>', description: 'where to write the raw output bytes (all outputs concatenated)' },
    json: json('print the outputs (raw and dequantized values) as JSON'),
  },
  build: {
    board: { type: 'string', path: 'name-or-file', value: '<board>', description: 'board profile name (`tinyprune boards`) or path to a board .json' },
    out: { type: 'string', short: 'o', path: 'file', value: '<dir>', description: 'output directory (default: build/<model>-<board>)' },
    emulate: { type: 'boolean', description: "real board: build for its QEMU stand-in, linked with the real board's memory sizes" },
    prefix: {
      type: 'string',
      default: 'tp_model',
      pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
      allowedText: 'a C identifier (letters, digits, "_", not starting with a digit)',
      value: '<name>',
      description: 'C symbol prefix of the generated code',
    },
    kernels: { type: 'enum', values: ['auto', 'plain'], default: 'auto', noun: 'a kernel set', description: "runtime kernels: the core's optimised ones (auto) or plain reference C" },
    sparsity: { ...sparsity, description: 'prune every FC/CONV/DEPTHWISE layer to this fraction of zero weights (one-shot magnitude pruning, no data) and choose sparse formats' },
    granularity: { ...granularity, description: 'unit of that pruning (needs --sparsity)' },
    optimize: { type: 'enum', values: OBJECTIVES, default: 'balanced', noun: 'an objective', description: 'per-layer format choice: fewest flash bytes (size), fewest predicted instructions (speed), or both' },
    format: { type: 'enum', values: FORMAT_NAMES, value: '<name>', noun: 'a weight format', description: 'use one weight format on every layer that can take it' },
    measure: { type: 'boolean', description: 'run the build once in QEMU and add measured per-layer instructions to report.json' },
    data: {
      ...dataSet,
      description: 'prune to fit with this data: sensitivity, solve, fine-tune, int8, loss measured against --max-loss (mnist:<dir>, generated-digits[:N], .csv, .npz, …); without it a model that must be pruned needs --unverified',
    },
    plan: { ...plan, description: 'apply this PrunePlan (e.g. an edited <out>/pipeline/plan.json) instead of solving' },
    latency: { type: 'integer', min: 1, value: '<instructions>', description: 'also bound instructions (QEMU) per inference for the budget solver (a hard bound with any --objective)' },
    'max-loss': {
      type: 'number',
      min: 0,
      max: 100,
      value: '<pt>',
      description: `accuracy loss allowed, in points of the data's metric, measured after fine-tuning on the held-out split (default ${DEFAULT_MAX_LOSS})`,
    },
    objective: {
      type: 'enum',
      values: ['fit', 'latency', 'size'],
      noun: 'an objective',
      description: 'what the solver minimises: predicted loss (fit, the default), predicted instructions (latency) or flash bytes (size), the last two within --max-loss',
    },
    unverified: { type: 'boolean', description: 'without --data: accept pruning by weight magnitude with no accuracy measure (the report says "accuracy not measured")' },
    epochs: { ...epochs, default: 3 },
    seed,
    backend,
    emit: { type: 'enum-list', values: EXPORT_KINDS, default: [], noun: 'an export', description: 'also export the built library into <out>/export/<kind>/ (repeat or comma-separate)' },
    json: json('print report.json instead of a summary'),
  },
  run: {
    board: checkedBoard,
    input: rawInput,
    output: { type: 'string', value: '<raw.bin>', description: 'write the raw output bytes (outputs concatenated in order)' },
    json: json('print {"outputs", "instructions": {"total", "layers"}} as JSON'),
  },
  prune: {
    data: { ...dataSet, description: 'data set: mnist:<dir>, digits:<file>, .csv, .npz, x.npy,y.npy or a folder of class folders' },
    sparsity: { ...sparsity, description: 'target fraction of weights removed in every layer' },
    plan,
    granularity: { ...granularity, description: "unit of pruning (over the plan's)" },
    criterion: { type: 'enum', values: ['l1', 'l2', 'taylor'], default: 'l1', noun: 'a criterion', description: "weight importance criterion (over the plan's)" },
    scope: { type: 'enum', values: ['layer', 'global'], default: 'layer', noun: 'a scope', description: "rank weights per layer or across the model (over the plan's)" },
    schedule: { type: 'enum', values: ['oneshot', 'agp'], default: 'oneshot', noun: 'a schedule', description: "prune at once, or gradually during fine-tuning (AGP) (over the plan's)" },
    epochs: { ...epochs, default: 5, description: "fine-tuning epochs (over the plan's)" },
    lr: { type: 'number', min: 0, exclusiveMin: true, default: 0.001, value: '<rate>', description: 'learning rate the model was trained with; fine-tuning uses 1/10' },
    'train-epochs': { type: 'integer', min: 0, value: '<n>', description: 'train the model first (default 0; 10 for the untrained built-in examples)' },
    holdout: { type: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.2, value: '<fraction>', description: 'fraction of the data held out for validation (seeded split)' },
    seed,
    backend,
    int8: { type: 'boolean', description: 'quantize the pruned model to int8 (per-channel weights) and report float vs int8 accuracy' },
    calibration: { type: 'enum', values: ['minmax', 'percentile'], default: 'minmax', noun: 'a calibration method', description: 'int8 activation ranges: min/max or the 99.99th percentile' },
    sensitivity: { type: 'string', path: 'file', value: '<prefix>', description: 'also write <prefix>.csv/.json/.svg sensitivity curves of the trained model' },
    out: { type: 'string', path: 'file', value: '<file.tflite>', description: 'where to write the pruned model' },
    tfjs: { type: 'string', path: 'file', value: '<dir>', description: 'also write the pruned float model as a TF.js layers model (model.json + shard) into this folder' },
    report: { type: 'string', path: 'file', value: '<file.json>', description: 'where to write the JSON report (default: stdout)' },
  },
  flash: {
    board: checkedBoard,
    flasher: { ...flasher, description: "how to flash (default: the board profile's first that is installed)" },
    port: { ...port, description: "serial port for flashers that need one (bossac); default: found by the board's USB VID/PID" },
    drive: { ...drive, description: "mount point of the board's USB drive (copy, uf2); default: found by its volume label" },
    'gdb-remote': { ...gdbRemote, description: 'GDB server for --flasher gdb on a real board (default localhost:3333: OpenOCD, pyOCD)' },
    image: { type: 'enum', values: ['bench', 'firmware'], default: 'bench', noun: 'an image of a build', description: "bench.elf (the benchmark firmware) or firmware.elf (tinyprune run's)" },
    'dry-run': { type: 'boolean', description: 'print the exact command line(s) and change nothing' },
    timeout: { type: 'number', min: 0, exclusiveMin: true, value: '<seconds>', description: 'bound on the flasher (default 120), the drive check after a copy (default 5, UF2 10) and the handshake after a QEMU load (default 10)' },
    json: json(),
  },
  bench: {
    board: checkedBoard,
    port: { ...port, description: "serial port (default: QEMU's pty for emulated boards, else found by the board's USB VID/PID)" },
    baud: { type: 'integer', min: 1, value: '<rate>', description: "baud rate (default: the board profile's)" },
    input: rawInput,
    output: { type: 'string', value: '<raw.bin>', description: "write the first sample's raw output bytes" },
    data: { type: 'string', value: '<file>', description: 'samples: raw .bin (N x input bytes) or a data set (mnist:<dir>, .npz, .csv, x.npy,y.npy)' },
    labels: { type: 'string', value: '<file>', description: 'labels for raw --data: uint8 .bin, or text (one per line / CSV, last column)' },
    samples: { type: 'integer', min: 1, value: '<N>', description: 'use the first N samples' },
    iterations: { type: 'integer', min: 1, default: 1, value: '<N>', description: 'timed inferences per sample' },
    warmup: { type: 'integer', min: 0, default: 0, value: '<N>', description: 'warm-up inferences before them' },
    flash: { type: 'boolean', description: "flash first (real board: its flasher; emulated: GDB load through QEMU's gdbstub)" },
    flasher: { ...flasher, description: 'with --flash: the flasher (see tinyprune flash)' },
    drive: { ...drive, description: "with --flash: the board's USB drive" },
    'gdb-remote': { ...gdbRemote, description: 'with --flash --flasher gdb: the GDB server' },
    baseline: { type: 'string', value: '<json>', description: 'an earlier `bench --json` result or a build report.json to compare with' },
    'max-regression': { type: 'number', min: 0, default: 0, value: '<percent>', description: 'with --baseline: fail when latency, flash or RAM grew by more' },
    timeout: { type: 'number', min: 0, exclusiveMin: true, value: '<seconds>', description: `bound on each wait on the board: the handshake (default ${DEFAULT_TIMEOUTS.handshakeMs / 1000}), silence while inferences run (default ${DEFAULT_TIMEOUTS.inferMs / 1000}), --flash` },
    json: json(),
    verbose: { type: 'boolean', short: 'v', description: 'print every protocol line (stderr)' },
  },
  boards: {
    check: { type: 'string', value: '<board.json>', description: 'validate this board profile (same rules as `build --board <file>`)' },
    json: json('print JSON instead of a table'),
  },
  doctor: {
    json: json('print {"ok", "checks": [{name, status, required, detail, fix}]} as JSON'),
  },
} as const satisfies Record<string, OptionTable>;

export type CommandName = keyof typeof COMMAND_OPTIONS;
export const COMMAND_NAMES = Object.keys(COMMAND_OPTIONS) as CommandName[];

/** Every option of a command: its own, then the global ones. */
export function optionsOf(command: CommandName): OptionTable {
  return { ...COMMAND_OPTIONS[command], ...GLOBAL_OPTIONS };
}

// ---- the typed options a command reads ------------------------------------------------------
type ValueOf<D> = D extends { type: 'boolean' }
  ? boolean
  : D extends { type: 'number' | 'integer' }
    ? number
    : D extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : D extends { type: 'enum-list'; values: readonly (infer V)[] }
        ? V[]
        : string;
/** Absent unless it has a default (booleans are false when absent). */
type Absent<D> = D extends { type: 'boolean' } ? never : D extends { default: unknown } ? never : undefined;
type Decls<C extends CommandName> = (typeof COMMAND_OPTIONS)[C] & typeof GLOBAL_OPTIONS;
export type Options<C extends CommandName> = { readonly [K in keyof Decls<C>]: ValueOf<Decls<C>[K]> | Absent<Decls<C>[K]> };
export type OptionValue = string | number | boolean | string[];
