/**
 * tinyprune.config.json: find it (the current directory, or --config <file>), validate it
 * against CONFIG_KEYS with every problem of the file in one error, and merge it under the
 * command-line options (a flag wins over the file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { TinypruneError } from '../errors.js';
import { closest, show } from '../boards/spec.js';
import type { ParsedArgs } from '../contracts/cli.js';
import { CONFIG_COMMANDS, CONFIG_FILE, CONFIG_KEYS, describeAllowed, keysFor, type ConfigCommand, type ConfigKey, type ConfigKeyName } from './schema.js';

export type ConfigValue = string | number | boolean | string[];
export type ConfigValues = Partial<Record<ConfigKeyName, ConfigValue>>;

/** A validated config: values checked, relative paths made absolute. */
export interface ResolvedConfig {
  file: string;
  /** Top-level keys: for every command that has the option. */
  values: ConfigValues;
  /** "build": {...}, "prune": {...}: for that command only, over the top level. */
  sections: Partial<Record<ConfigCommand, ConfigValues>>;
}

export interface ConfigProblem {
  /** "sparsity", "prune.out" … */
  key: string;
  message: string;
  allowed?: string;
  fix?: string;
}

const SCHEMA_HINT = 'the keys and their values are listed in docs/tinyprune.config.schema.json (add "$schema": "./node_modules/tinyprune/docs/tinyprune.config.schema.json" for checks in your editor)';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Relative paths inside a value, resolved against the config file's directory. */
function resolvePaths(k: ConfigKey, v: string, dir: string): string {
  if (k.type !== 'string' || !k.path) return v;
  const abs = (p: string): string => (p === '' || isAbsolute(p) ? p : resolve(dir, p));
  switch (k.path) {
    case 'file':
      return abs(v);
    case 'name-or-file':
      return v.includes('/') || v.endsWith('.json') ? abs(v) : v;
    case 'data-spec': {
      // mnist:<dir> and digits:<file> carry a path after the scheme; other schemes are not paths.
      const m = /^([a-z]+):(.*)$/.exec(v);
      if (m) return m[1] === 'mnist' || m[1] === 'digits' ? `${m[1]}:${abs(m[2]!)}` : v;
      return v.split(',').map(abs).join(',');
    }
  }
}

/** Checks one value; pushes what is wrong and returns the value to use (undefined when bad). */
function checkValue(name: ConfigKeyName, key: string, v: unknown, dir: string, problems: ConfigProblem[]): ConfigValue | undefined {
  const k: ConfigKey = CONFIG_KEYS[name];
  const allowed = describeAllowed(k);
  const bad = (message: string, fix?: string): undefined => {
    problems.push({ key, message, allowed, ...(fix ? { fix } : {}) });
    return undefined;
  };
  switch (k.type) {
    case 'boolean':
      if (typeof v === 'boolean') return v;
      return bad(`${show(v)} is ${typeName(v)}, not true or false`, v === 'true' || v === 'false' ? `write ${v} without quotes` : undefined);
    case 'enum': {
      if (typeof v === 'string' && k.values.includes(v)) return v;
      const near = typeof v === 'string' ? closest(v, k.values) : undefined;
      return bad(`${show(v)} is not an allowed value`, near ? `did you mean ${JSON.stringify(near)}?` : 'pick one of the allowed values');
    }
    case 'enum-list': {
      if (!Array.isArray(v)) return bad(`${show(v)} is ${typeName(v)}, not a list`, typeof v === 'string' ? `write [${JSON.stringify(v)}]` : undefined);
      const wrong = v.filter((x) => typeof x !== 'string' || !k.values.includes(x));
      if (wrong.length > 0) {
        const near = typeof wrong[0] === 'string' ? closest(wrong[0], k.values) : undefined;
        return bad(`${wrong.map(show).join(', ')} ${wrong.length === 1 ? 'is not an allowed value' : 'are not allowed values'}`, near ? `did you mean ${JSON.stringify(near)}?` : 'pick from the allowed values');
      }
      return [...new Set(v as string[])];
    }
    case 'string': {
      if (typeof v !== 'string' || v === '') return bad(`${show(v)} is ${typeof v === 'string' ? 'empty' : typeName(v)}; expected a non-empty string`);
      if (k.pattern && !k.pattern.test(v)) return bad(`${show(v)} is not valid`);
      const problem = k.check?.(v);
      if (problem) return bad(`${show(v)}: ${problem}`);
      return resolvePaths(k, v, dir);
    }
    case 'number':
    case 'integer': {
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return bad(`${show(v)} is a string, not a number`, `write ${v} without quotes`);
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${show(v)} is ${typeName(v)}, not a number`);
      if (k.type === 'integer' && !Number.isInteger(v)) return bad(`${v} is not an integer`, `e.g. ${JSON.stringify(key.split('.').pop())}: ${Math.round(v)}`);
      const below = k.min !== undefined && (k.exclusiveMin ? v <= k.min : v < k.min);
      const above = k.max !== undefined && (k.exclusiveMax ? v >= k.max : v > k.max);
      if (below || above) return bad(`${v} is out of range`, `e.g. ${JSON.stringify(name)}: ${k.default ?? (below ? k.min : k.max)}`);
      return v;
    }
  }
}

/** Validates the keys of one object (the file, or a command's section). */
function checkKeys(obj: Record<string, unknown>, allowedKeys: readonly ConfigKeyName[], at: string, dir: string, problems: ConfigProblem[], extra: readonly string[]): ConfigValues {
  const out: ConfigValues = {};
  for (const [key, v] of Object.entries(obj)) {
    const path = at === '' ? key : `${at}.${key}`;
    if ((allowedKeys as readonly string[]).includes(key)) {
      const value = checkValue(key as ConfigKeyName, path, v, dir, problems);
      if (value !== undefined) out[key as ConfigKeyName] = value;
      continue;
    }
    if (extra.includes(key)) continue;
    if (Object.hasOwn(CONFIG_KEYS, key)) {
      // A real key in the wrong section, e.g. "board" under "prune".
      const owners = CONFIG_KEYS[key as ConfigKeyName].commands.join(', ');
      problems.push({ key: path, message: `"${key}" is not an option of \`tinyprune ${at}\``, fix: `move it to the top level or to the section of: ${owners}` });
      continue;
    }
    const candidates = [...allowedKeys, ...extra.filter((e) => e !== '$schema')];
    const near = closest(key, candidates);
    problems.push({
      key: path,
      message: `unknown key (value ${show(v)})`,
      allowed: candidates.join(', '),
      fix: near ? `did you mean ${JSON.stringify(near)}?` : 'remove it',
    });
  }
  return out;
}

/** One error for the whole file: every problem with its key, value, what is allowed and a fix. */
function problemsError(file: string, problems: ConfigProblem[]): TinypruneError {
  const lines = problems.map((p) =>
    [`  - "${p.key}": ${p.message}`, ...(p.allowed ? [`      allowed: ${p.allowed}`] : []), ...(p.fix ? [`      fix:     ${p.fix}`] : [])].join('\n'),
  );
  return new TinypruneError('E_CONFIG', `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the config file\n${lines.join('\n')}`, {
    where: file,
    hint: SCHEMA_HINT,
  });
}

/** Validates an already-parsed config object; `file` locates relative paths and names the file in errors. */
export function parseConfig(input: unknown, file: string): ResolvedConfig {
  const dir = dirname(file);
  if (!isObject(input)) {
    throw problemsError(file, [{ key: '(top level)', message: `the file holds ${typeName(input)}, not an object`, fix: 'write { "board": "mps2-an386", ... }' }]);
  }
  const problems: ConfigProblem[] = [];
  const topKeys = Object.keys(CONFIG_KEYS) as ConfigKeyName[];
  const values = checkKeys(input, topKeys, '', dir, problems, ['$schema', ...CONFIG_COMMANDS]);
  const sections: ResolvedConfig['sections'] = {};
  for (const c of CONFIG_COMMANDS) {
    const sec = input[c];
    if (sec === undefined) continue;
    if (!isObject(sec)) {
      problems.push({ key: c, message: `${show(sec)} is ${typeName(sec)}, not an object`, fix: `write "${c}": { ... } with options of \`tinyprune ${c}\`` });
      continue;
    }
    sections[c] = checkKeys(sec, keysFor(c), c, dir, problems, []);
  }
  if (problems.length > 0) throw problemsError(file, problems);
  return { file, values, sections };
}

/**
 * Loads `path` (relative to cwd), or tinyprune.config.json in `cwd` when there is one.
 * Returns undefined when no path is given and there is no file: a config is optional.
 */
export function loadConfig(cwd: string, path?: string): ResolvedConfig | undefined {
  const file = resolve(cwd, path ?? CONFIG_FILE);
  if (!existsSync(file)) {
    if (path === undefined) return undefined;
    throw new TinypruneError('E_CONFIG', `config file not found: ${file}`, { where: '--config', hint: `check the path, or drop --config to use ./${CONFIG_FILE}` });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TinypruneError('E_CONFIG', `${file} is not valid JSON: ${(e as Error).message}`, {
      where: file,
      hint: 'fix the JSON syntax (no comments or trailing commas)',
      cause: e,
    });
  }
  return parseConfig(json, file);
}

/** The values a command gets from the config: top level, then its section. */
export function configValuesFor(config: ResolvedConfig, command: string): ConfigValues {
  const applies = (name: ConfigKeyName): boolean => {
    const cmds = CONFIG_KEYS[name].commands as readonly string[];
    return cmds.includes('*') || cmds.includes(command);
  };
  const out: ConfigValues = {};
  for (const [name, v] of Object.entries(config.values) as [ConfigKeyName, ConfigValue][]) if (applies(name)) out[name] = v;
  const section = (CONFIG_COMMANDS as readonly string[]).includes(command) ? config.sections[command as ConfigCommand] : undefined;
  Object.assign(out, section ?? {});
  return out;
}

/**
 * The command's options with the config underneath: a flag given on the command line wins;
 * a key the command does not have is left out. Values take the form the flag parser gives
 * (strings for string options), so commands read them as they read flags.
 */
export function mergeConfig(config: ResolvedConfig | undefined, args: ParsedArgs, command: string): ParsedArgs {
  if (!config) return args;
  const values = { ...args.values };
  for (const [name, v] of Object.entries(configValuesFor(config, command))) {
    if (values[name] !== undefined) continue;
    values[name] = typeof v === 'boolean' || Array.isArray(v) ? v : String(v);
  }
  return { values, positionals: args.positionals };
}
