/**
 * tinyprune.config.json: find it (the current directory, or --config <file>), validate it
 * against the option table (src/config/options.ts) with every problem of the file in one error, and merge it under the
 * command-line options (a flag wins over the file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { TinypruneError } from '../errors.js';
import { closest, show } from '../boards/spec.js';
import { checkValue, describeAllowed } from './check.js';
import { COMMAND_OPTIONS, type OptionDecl, type OptionTable, type OptionValue } from './options.js';
import { CONFIG_COMMANDS, CONFIG_FILE, declsOf, keysFor, topLevelKeys, type ConfigCommand } from './schema.js';

export type ConfigValues = Record<string, OptionValue>;

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
function resolvePaths(d: OptionDecl, v: OptionValue, dir: string): OptionValue {
  if (d.type !== 'string' || !d.path || typeof v !== 'string') return v;
  const abs = (p: string): string => (p === '' || isAbsolute(p) ? p : resolve(dir, p));
  switch (d.path) {
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

/** A problem of one config value, in the words of the file ("e.g. "epochs": 3"). */
function problemOf(d: OptionDecl, key: string, v: unknown): ConfigProblem | undefined {
  const r = checkValue(d, v, show(v));
  if (r.ok) return undefined;
  const name = JSON.stringify(key.split('.').pop());
  const fix = r.fix ?? (r.near ? `did you mean ${JSON.stringify(r.near)}?` : r.example !== undefined ? `e.g. ${name}: ${r.example}` : d.type === 'enum' ? 'pick one of the allowed values' : undefined);
  return { key, message: r.message, allowed: describeAllowed(d), ...(fix ? { fix } : {}) };
}

/**
 * Checks one value; pushes what is wrong and returns the value to use (undefined when bad).
 * A top-level key of several commands is good when one of them takes it; each command checks
 * it again when it reads it (configValuesFor).
 */
function checkKey(decls: readonly OptionDecl[], key: string, v: unknown, dir: string, problems: ConfigProblem[]): OptionValue | undefined {
  const found = decls.map((d) => problemOf(d, key, v));
  const good = found.findIndex((p) => p === undefined);
  if (good < 0) {
    problems.push(found[0]!);
    return undefined;
  }
  return resolvePaths(decls[good]!, v as OptionValue, dir);
}

/** Validates the keys of one object (the file, or a command's section). */
function checkKeys(obj: Record<string, unknown>, allowedKeys: readonly string[], at: string, dir: string, problems: ConfigProblem[], extra: readonly string[]): ConfigValues {
  const out: ConfigValues = {};
  const section = (CONFIG_COMMANDS as readonly string[]).includes(at) ? (COMMAND_OPTIONS[at as ConfigCommand] as OptionTable) : undefined;
  for (const [key, v] of Object.entries(obj)) {
    const path = at === '' ? key : `${at}.${key}`;
    if (allowedKeys.includes(key)) {
      const decls = section ? [section[key]!] : declsOf(key).map((x) => x.decl);
      const value = checkKey(decls, path, v, dir, problems);
      if (value !== undefined) out[key] = value;
      continue;
    }
    if (extra.includes(key)) continue;
    if (declsOf(key).length > 0) {
      // A real key in the wrong section, e.g. "board" under "prune".
      const owners = declsOf(key).map((x) => x.command);
      const fix = owners.includes('*') ? 'move it to the top level (it applies to every command)' : `move it to the top level or to the section of: ${owners.join(', ')}`;
      problems.push({ key: path, message: `"${key}" is not an option of \`tinyprune ${at}\``, fix });
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
  const values = checkKeys(input, topLevelKeys(), '', dir, problems, ['$schema', ...CONFIG_COMMANDS]);
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

/**
 * The values a command gets from the config: the top level (keys of options it has), then its
 * section; each checked against that command's own declaration (a top-level "granularity": "2:4"
 * is good for prune, not for build).
 */
export function configValuesFor(config: ResolvedConfig | undefined, command: string, table: OptionTable): ConfigValues {
  if (!config) return {};
  const out: ConfigValues = {};
  const applies = (name: string): boolean => declsOf(name).some((x) => x.command === '*' || x.command === command);
  for (const [name, v] of Object.entries(config.values)) if (applies(name)) out[name] = v;
  const section = (CONFIG_COMMANDS as readonly string[]).includes(command) ? config.sections[command as ConfigCommand] : undefined;
  Object.assign(out, section ?? {});
  const problems: ConfigProblem[] = [];
  for (const [name, v] of Object.entries(out)) {
    const p = problemOf(table[name]!, name, v);
    if (p) problems.push({ ...p, message: `${p.message} for \`tinyprune ${command}\``, fix: p.fix ?? `put it in the section of the command that takes it` });
  }
  if (problems.length > 0) throw problemsError(config.file, problems);
  return out;
}
