/**
 * The schema of tinyprune.config.json (issue #8): one entry per key with its type, a
 * description, the default the command applies when the key is absent, the allowed values and
 * the commands it applies to. From this one table come the validator (src/config/load.ts),
 * the merge into command options and docs/tinyprune.config.schema.json
 * (`npm run gen:config-schema`, pinned by test/config/config.test.ts).
 *
 * A key has the name of the command-line flag it stands for; a flag given on the command line
 * wins over the file. Keys at the top level apply to every listed command; a "build" or
 * "prune" section holds keys for that command only (e.g. "out" is a directory for build and
 * a .tflite file for prune).
 */
import { GRANULARITIES } from '../sparse/prune.js';
import { parseGranularity } from '../prune/granularity.js';
import { OBJECTIVES } from '../sparse/plan.js';
import { FORMAT_NAMES } from '../sparse/types.js';
import { PROGRESS_MODES } from '../cli/progress.js';
import { EXPORT_KINDS } from '../export/plan.js';

/** The commands a config file can set options for (each may also have a section). */
export const CONFIG_COMMANDS = ['build', 'prune'] as const;
export type ConfigCommand = (typeof CONFIG_COMMANDS)[number];

/** Every command: for global keys (quiet, progress) that main() reads itself. */
const ALL = ['*'] as const;

interface KeyBase {
  description: string;
  /** Commands whose option of the same name this key sets; ['*'] = a global flag. */
  commands: readonly (ConfigCommand | '*')[];
}

export interface StringKey extends KeyBase {
  type: 'string';
  default?: string;
  /**
   * Relative paths are taken from the config file's directory: 'file' (a file or folder),
   * 'name-or-file' (a path only when it has a "/" or ends in .json, like --board), 'data-spec'
   * (the paths inside mnist:<dir>, digits:<file>, x.npy,y.npy).
   */
  path?: 'file' | 'name-or-file' | 'data-spec';
  /** A further check; returns what is wrong, or undefined. */
  check?: (v: string) => string | undefined;
  /** What `check` accepts, for messages and the JSON Schema description. */
  allowedText?: string;
  pattern?: RegExp;
}
export interface EnumKey extends KeyBase {
  type: 'enum';
  values: readonly string[];
  default?: string;
}
/** Several of a set of values: a repeatable flag (`--emit c --emit cmake`). */
export interface EnumListKey extends KeyBase {
  type: 'enum-list';
  values: readonly string[];
  default?: readonly string[];
}
export interface NumberKey extends KeyBase {
  type: 'number' | 'integer';
  default?: number;
  min?: number;
  max?: number;
  /** True when `max` itself is not allowed (e.g. a held-out fraction below 1). */
  exclusiveMax?: boolean;
  exclusiveMin?: boolean;
}
export interface BooleanKey extends KeyBase {
  type: 'boolean';
  default?: boolean;
}
export type ConfigKey = StringKey | EnumKey | EnumListKey | NumberKey | BooleanKey;

function granularityProblem(v: string): string | undefined {
  if ((GRANULARITIES as readonly string[]).includes(v)) return undefined;
  try {
    parseGranularity(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export const CONFIG_KEYS = {
  // ---- global ----------------------------------------------------------------------------
  quiet: { type: 'boolean', commands: ALL, default: false, description: 'print no progress or informational lines on stderr (errors still show)' },
  progress: {
    type: 'enum',
    commands: ALL,
    values: PROGRESS_MODES,
    default: 'auto',
    description: 'how progress is shown on stderr: a bar on a terminal (bar), plain lines for logs (lines), JSON lines (json), nothing (none); auto = bar on a terminal, lines otherwise',
  },
  // ---- build -----------------------------------------------------------------------------
  board: { type: 'string', commands: ['build'], path: 'name-or-file', description: 'board profile name (see `tinyprune boards`) or path to a board .json' },
  emulate: { type: 'boolean', commands: ['build'], default: false, description: "real board: build for its QEMU stand-in, linked with the real board's memory sizes" },
  prefix: {
    type: 'string',
    commands: ['build'],
    default: 'tp_model',
    pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    allowedText: 'a C identifier (letters, digits, "_", not starting with a digit)',
    description: 'C symbol prefix of the generated code',
  },
  kernels: { type: 'enum', commands: ['build'], values: ['auto', 'plain'], default: 'auto', description: "runtime kernels: the core's optimised ones (auto) or plain reference C" },
  optimize: { type: 'enum', commands: ['build'], values: OBJECTIVES, default: 'balanced', description: 'per-layer format choice: fewest flash bytes (size), fewest predicted instructions (speed), or both' },
  format: { type: 'enum', commands: ['build'], values: FORMAT_NAMES, description: 'use one weight format on every layer that can take it' },
  measure: { type: 'boolean', commands: ['build'], default: false, description: 'run the build once in QEMU and add measured per-layer instructions to report.json' },
  emit: { type: 'enum-list', commands: ['build'], values: EXPORT_KINDS, default: [], description: 'also export the built library into <out>/export/<kind>/' },
  // ---- build and prune -------------------------------------------------------------------
  out: {
    type: 'string',
    commands: ['build', 'prune'],
    path: 'file',
    description: 'build: output directory (default build/<model>-<board>); prune: the pruned .tflite. Put it in a "build" or "prune" section',
  },
  sparsity: { type: 'number', commands: ['build', 'prune'], min: 0, max: 1, description: 'fraction of weights removed in every prunable layer' },
  granularity: {
    type: 'string',
    commands: ['build', 'prune'],
    default: 'element',
    check: granularityProblem,
    allowedText: `build: ${GRANULARITIES.join(', ')}; prune also: N:M (2:4, 1:4, 1:8), block1xK, blockKx1, kernel, pattern[-keep][/count]`,
    description: 'unit of pruning',
  },
  // ---- prune -----------------------------------------------------------------------------
  data: { type: 'string', commands: ['build', 'prune'], path: 'data-spec', description: 'data set: mnist:<dir>, digits:<file>, .csv, .npz, x.npy,y.npy or a folder of class folders' },
  plan: { type: 'string', commands: ['build', 'prune'], path: 'file', description: 'a PrunePlan JSON file (per-layer granularity/sparsity, exclude/pin, schedule, fine-tuning)' },
  criterion: { type: 'enum', commands: ['prune'], values: ['l1', 'l2', 'taylor'], default: 'l1', description: 'weight importance criterion' },
  scope: { type: 'enum', commands: ['prune'], values: ['layer', 'global'], default: 'layer', description: 'rank weights per layer or across the model' },
  schedule: { type: 'enum', commands: ['prune'], values: ['oneshot', 'agp'], default: 'oneshot', description: 'prune at once, or gradually during fine-tuning (AGP)' },
  epochs: { type: 'integer', commands: ['build', 'prune'], min: 0, default: 5, description: 'fine-tuning epochs (build: 3 by default, prune: 5)' },
  latency: { type: 'integer', commands: ['build'], min: 1, description: 'build: bound on instructions (QEMU) per inference for the budget solver' },
  'max-loss': { type: 'number', commands: ['build'], min: 0, max: 100, default: 1, description: "build: accuracy loss allowed, in points of the data's metric, measured after fine-tuning" },
  objective: { type: 'enum', commands: ['build'], values: ['fit', 'latency', 'size'], default: 'fit', description: 'build: what the solver minimises within the board and --max-loss: predicted loss, instructions or flash bytes' },
  unverified: { type: 'boolean', commands: ['build'], default: false, description: 'build: without data, accept pruning by weight magnitude with no accuracy measure' },
  lr: { type: 'number', commands: ['prune'], min: 0, exclusiveMin: true, default: 0.001, description: 'learning rate the model was trained with; fine-tuning uses 1/10' },
  'train-epochs': { type: 'integer', commands: ['prune'], min: 0, description: 'train the model first (default 0, 10 for the built-in examples)' },
  holdout: { type: 'number', commands: ['prune'], min: 0, max: 1, exclusiveMax: true, default: 0.2, description: 'fraction of the data held out for validation (seeded split)' },
  seed: { type: 'integer', commands: ['build', 'prune'], default: 1, description: 'seed for splits, shuffling and initialisation' },
  backend: { type: 'enum', commands: ['build', 'prune'], values: ['auto', 'node', 'wasm', 'cpu'], default: 'auto', description: 'TF.js backend for training' },
  int8: { type: 'boolean', commands: ['prune'], default: false, description: 'quantize the pruned model to int8 and report float vs int8 accuracy' },
  calibration: { type: 'enum', commands: ['prune'], values: ['minmax', 'percentile'], default: 'minmax', description: 'int8 activation ranges' },
  sensitivity: { type: 'string', commands: ['prune'], path: 'file', description: 'also write <prefix>.csv/.json/.svg sensitivity curves' },
  tfjs: { type: 'string', commands: ['prune'], path: 'file', description: 'also write the pruned float model as a TF.js layers model into this folder' },
  report: { type: 'string', commands: ['prune'], path: 'file', description: 'where to write the JSON report (default: stdout)' },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_KEYS;
export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKeyName[];

export const CONFIG_FILE = 'tinyprune.config.json';

/** Keys that may appear in a command's section ("build": {...}). */
export function keysFor(command: ConfigCommand): ConfigKeyName[] {
  return CONFIG_KEY_NAMES.filter((k) => (CONFIG_KEYS[k].commands as readonly string[]).includes(command));
}

/** "a number from 0 to 1", "one of auto, plain" … for messages and the JSON Schema. */
export function describeAllowed(k: ConfigKey): string {
  switch (k.type) {
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${k.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'enum-list':
      return `a list of ${k.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'string':
      return k.allowedText ?? (k.path ? 'a path (relative to the config file)' : 'a string');
    case 'number':
    case 'integer': {
      const what = k.type === 'integer' ? 'an integer' : 'a number';
      const lo = k.min !== undefined ? `${k.exclusiveMin ? '>' : '>='} ${k.min}` : '';
      const hi = k.max !== undefined ? `${k.exclusiveMax ? '<' : '<='} ${k.max}` : '';
      return [what, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
    }
  }
}

type Json = Record<string, unknown>;

function keySchema(k: ConfigKey): Json {
  const base: Json = { description: k.description };
  switch (k.type) {
    case 'boolean':
      return { ...base, type: 'boolean', ...(k.default !== undefined ? { default: k.default } : {}) };
    case 'enum':
      return { ...base, enum: [...k.values], ...(k.default !== undefined ? { default: k.default } : {}) };
    case 'enum-list':
      return { ...base, type: 'array', items: { enum: [...k.values] }, uniqueItems: true, ...(k.default !== undefined ? { default: [...k.default] } : {}) };
    case 'string':
      return {
        ...base,
        ...(k.allowedText ? { description: `${k.description}; allowed: ${k.allowedText}` } : {}),
        type: 'string',
        minLength: 1,
        ...(k.pattern ? { pattern: k.pattern.source } : {}),
        ...(k.default !== undefined ? { default: k.default } : {}),
      };
    case 'number':
    case 'integer':
      return {
        ...base,
        type: k.type,
        ...(k.min !== undefined ? { [k.exclusiveMin ? 'exclusiveMinimum' : 'minimum']: k.min } : {}),
        ...(k.max !== undefined ? { [k.exclusiveMax ? 'exclusiveMaximum' : 'maximum']: k.max } : {}),
        ...(k.default !== undefined ? { default: k.default } : {}),
      };
  }
}

function properties(names: readonly ConfigKeyName[]): Record<string, Json> {
  return Object.fromEntries(names.map((n) => [n, keySchema(CONFIG_KEYS[n])]));
}

/** docs/tinyprune.config.schema.json: JSON Schema draft-07, for editors and CI checks. */
export function configJsonSchema(): Json {
  const sections = Object.fromEntries(
    CONFIG_COMMANDS.map((c) => [
      c,
      { description: `options for \`tinyprune ${c}\` only (override the top-level keys)`, type: 'object', properties: properties(keysFor(c)), additionalProperties: false },
    ]),
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:tinyprune:config',
    title: 'tinyprune.config.json',
    description: 'Defaults for tinyprune commands; a flag on the command line wins over the file.',
    type: 'object',
    properties: {
      $schema: { description: 'Path or URL of this schema', type: 'string' },
      ...properties(CONFIG_KEY_NAMES),
      ...sections,
    },
    additionalProperties: false,
  };
}

/** The committed file's path in the package and its exact text (the test pins the two equal). */
export const CONFIG_SCHEMA_FILE = 'docs/tinyprune.config.schema.json';
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
