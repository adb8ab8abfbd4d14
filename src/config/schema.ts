/**
 * tinyprune.config.json (issue #8), derived from the option table (src/config/options.ts): its
 * keys are the options of `build` and `prune` and the global ones (not those marked
 * config: false), with the same types, checks and defaults as the flags. From here come the
 * key lists the loader (src/config/load.ts) checks against and docs/tinyprune.config.schema.json
 * (`npm run gen:config-schema`, pinned by test/config/config.test.ts).
 *
 * A key has the name of the flag it stands for; a flag given on the command line wins over the
 * file. Keys at the top level apply to every command that has the option; a "build" or "prune"
 * section holds keys for that command only (e.g. "out" is a directory for build and a .tflite
 * file for prune).
 */
import { COMMAND_OPTIONS, GLOBAL_OPTIONS, type OptionDecl, type OptionTable } from './options.js';

/** The commands a config file can set options for (each may also have a section). */
export const CONFIG_COMMANDS = ['build', 'prune'] as const;
export type ConfigCommand = (typeof CONFIG_COMMANDS)[number];

export const CONFIG_FILE = 'tinyprune.config.json';

function configurable(table: OptionTable): string[] {
  return Object.keys(table).filter((k) => table[k]!.config !== false);
}

/** Keys that may appear in a command's section ("build": {...}). */
export function keysFor(command: ConfigCommand): string[] {
  return configurable(COMMAND_OPTIONS[command]);
}

/** What a top-level key stands for: a global option, or the option of each command that has it. */
export function declsOf(key: string): { command: ConfigCommand | '*'; decl: OptionDecl }[] {
  const global = (GLOBAL_OPTIONS as OptionTable)[key];
  if (global) return global.config === false ? [] : [{ command: '*', decl: global }];
  return CONFIG_COMMANDS.filter((c) => keysFor(c).includes(key)).map((c) => ({ command: c, decl: (COMMAND_OPTIONS[c] as OptionTable)[key]! }));
}

/** Every top-level key: the global ones, then those of each command in order. */
export function topLevelKeys(): string[] {
  return [...new Set([...configurable(GLOBAL_OPTIONS), ...CONFIG_COMMANDS.flatMap(keysFor)])];
}

/** The default a command applies (booleans: false). */
export function defaultOf(d: OptionDecl): unknown {
  return d.type === 'boolean' ? false : d.default;
}

type Json = Record<string, unknown>;

function valueSchema(d: OptionDecl): Json {
  switch (d.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return { enum: [...d.values] };
    case 'enum-list':
      return { type: 'array', items: { enum: [...d.values] }, uniqueItems: true };
    case 'string':
      return { type: 'string', minLength: 1, ...(d.pattern ? { pattern: d.pattern.source } : {}) };
    case 'number':
    case 'integer':
      return {
        type: d.type,
        ...(d.min !== undefined ? { [d.exclusiveMin ? 'exclusiveMinimum' : 'minimum']: d.min } : {}),
        ...(d.max !== undefined ? { [d.exclusiveMax ? 'exclusiveMaximum' : 'maximum']: d.max } : {}),
      };
  }
}

function describe(d: OptionDecl): string {
  return d.type === 'string' && d.allowedText ? `${d.description}; allowed: ${d.allowedText}` : d.description;
}

function keySchema(d: OptionDecl): Json {
  const dflt = defaultOf(d);
  return { description: describe(d), ...valueSchema(d), ...(dflt !== undefined ? { default: Array.isArray(dflt) ? [...dflt] : dflt } : {}) };
}

/** A top-level key of several commands: one schema when they agree, the defaults per command when not. */
function topLevelSchema(key: string): Json {
  const decls = declsOf(key);
  if (decls.length === 1) return keySchema(decls[0]!.decl);
  const same = (f: (d: OptionDecl) => unknown): boolean => new Set(decls.map((x) => JSON.stringify(f(x.decl)))).size === 1;
  const perCommand = (f: (d: OptionDecl) => string): string => decls.map((x) => `${x.command}: ${f(x.decl)}`).join('; ');
  const description = same(describe) ? describe(decls[0]!.decl) : perCommand(describe);
  const defaults = same(defaultOf) ? '' : ` (default: ${perCommand((d) => JSON.stringify(defaultOf(d)) ?? 'none')})`;
  const dflt = same(defaultOf) ? defaultOf(decls[0]!.decl) : undefined;
  const values = same(valueSchema) ? valueSchema(decls[0]!.decl) : { anyOf: decls.map((x) => valueSchema(x.decl)) };
  return { description: description + defaults, ...values, ...(dflt !== undefined ? { default: dflt } : {}) };
}

/** docs/tinyprune.config.schema.json: JSON Schema draft-07, for editors and CI checks. */
export function configJsonSchema(): Json {
  const sections = Object.fromEntries(
    CONFIG_COMMANDS.map((c) => [
      c,
      {
        description: `options for \`tinyprune ${c}\` only (override the top-level keys)`,
        type: 'object',
        properties: Object.fromEntries(keysFor(c).map((k) => [k, keySchema((COMMAND_OPTIONS[c] as OptionTable)[k]!)])),
        additionalProperties: false,
      },
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
      ...Object.fromEntries(topLevelKeys().map((k) => [k, topLevelSchema(k)])),
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
