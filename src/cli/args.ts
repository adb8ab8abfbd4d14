/**
 * The command line through the option table (src/config/options.ts): node:util's parseArgs
 * splits it, every value goes through the same check as a tinyprune.config.json value
 * (src/config/check.ts), and resolveOptions lays flags over the config file over the table's
 * defaults into the typed options a command reads. Errors name the flag, the value and what is
 * allowed (E_USAGE, exit 2); a typo'd flag gets "did you mean".
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TinypruneError } from '../errors.js';
import { closest } from '../boards/spec.js';
import { checkText, describeAllowed } from '../config/check.js';
import { optionsOf, type CommandName, type OptionDecl, type OptionTable, type OptionValue, type Options } from '../config/options.js';
import { defaultOf } from '../config/schema.js';

export interface CommandSpec<C extends CommandName = CommandName> {
  name: C;
  summary: string;
  usage: string;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
}

export type OptionSource = 'cli' | 'config';

export interface ParsedArgs<C extends CommandName = CommandName> {
  /** Every option of the command, typed: given, from the config file, or the table's default. */
  options: Options<C>;
  positionals: string[];
  /** Where an option's value came from; absent: the table's default. */
  source: Readonly<Partial<Record<string, OptionSource>>>;
}

/** What the command line gave: checked, typed values of the flags present. */
export interface CommandLine {
  values: Record<string, OptionValue>;
  positionals: string[];
}

function usageError(spec: CommandSpec, message: string, details: { where?: string; allowed?: string; hint?: string } = {}): TinypruneError {
  return new TinypruneError('E_USAGE', message, {
    where: details.where ?? `tinyprune ${spec.name}`,
    allowed: details.allowed ?? spec.usage,
    hint: details.hint ?? `run \`tinyprune ${spec.name} --help\``,
  });
}

function parseArgsOptions(table: OptionTable): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(table)) {
    options[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}), ...(o.type === 'enum-list' ? { multiple: true } : {}) };
  }
  return options;
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * What is wrong with one option on the command line before its value is checked: an option the
 * command does not have (and the one it was probably meant to be), a switch given a value, a
 * value missing. `--seed -1` is a value; `--board --json` is a missing value.
 */
function tokenProblem(spec: CommandSpec, table: OptionTable, t: Token): TinypruneError | undefined {
  if (t.kind !== 'option') return undefined;
  const flag = t.rawName;
  const d = Object.hasOwn(table, t.name) ? table[t.name] : undefined;
  const options = Object.keys(table).map((k) => `--${k}`).join(', ');
  if (!d) {
    const near = flag.startsWith('--') ? closest(t.name, Object.keys(table)) : undefined;
    return usageError(spec, `unknown option ${flag}`, { allowed: options, hint: near ? `did you mean --${near}? (\`tinyprune ${spec.name} --help\` describes the options)` : `run \`tinyprune ${spec.name} --help\`` });
  }
  const where = `tinyprune ${spec.name} --${t.name}`;
  if (d.type === 'boolean') {
    return t.value === undefined ? undefined : usageError(spec, `--${t.name} is a switch and takes no value (got "${t.value}")`, { where, allowed: `--${t.name} alone`, hint: `write --${t.name}, or leave it out` });
  }
  if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-') && !/^-[\d.]/.test(t.value))) {
    return usageError(spec, `${flag} needs a value${t.value !== undefined ? ` (got the option ${t.value})` : ''}`, {
      where,
      allowed: describeAllowed(d),
      hint: `e.g. --${t.name} ${placeholder(d)}${t.value !== undefined ? `; a value that starts with "-" is written --${t.name}=${t.value}` : ''}`,
    });
  }
  return undefined;
}

/** One flag's text as its typed value, or the E_USAGE error naming the flag, the value and what is allowed. */
function flagValue(spec: CommandSpec, name: string, d: OptionDecl, text: string | string[]): OptionValue {
  const r = checkText(d, text);
  if (r.ok) return r.value;
  const hint = r.near ? `did you mean --${name} ${r.near}?` : r.example !== undefined ? `e.g. --${name} ${r.example}` : undefined;
  throw usageError(spec, `--${name} ${r.message}`, { where: `tinyprune ${spec.name} --${name}`, allowed: describeAllowed(d), ...(hint ? { hint } : {}) });
}

/** Parses and checks the flags of `spec`'s command (help: no positional check). */
export function parseCommandLine(spec: CommandSpec, argv: string[]): CommandLine {
  const table = optionsOf(spec.name);
  const parsed = parseArgs({ args: argv, options: parseArgsOptions(table), allowPositionals: true, strict: false, tokens: true });
  for (const t of parsed.tokens) {
    const problem = tokenProblem(spec, table, t);
    if (problem) throw problem;
  }
  const values: Record<string, OptionValue> = {};
  for (const [name, v] of Object.entries(parsed.values)) {
    if (v === undefined) continue;
    values[name] = typeof v === 'boolean' ? v : flagValue(spec, name, table[name]!, v as string | string[]);
  }
  const [min, max] = spec.positionals;
  const n = parsed.positionals.length;
  if (values['help'] !== true && (n < min || n > max)) {
    throw usageError(spec, n < min ? `missing argument (got ${n}, need ${min})` : `too many arguments: ${parsed.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ')}`);
  }
  return { values, positionals: parsed.positionals };
}

/** The typed options: a flag wins over the config file, which wins over the table's default. */
export function resolveOptions<C extends CommandName>(command: C, cli: CommandLine, config: Record<string, OptionValue>): ParsedArgs<C> {
  const table = optionsOf(command);
  const options: Record<string, unknown> = {};
  const source: Partial<Record<string, OptionSource>> = {};
  for (const [name, d] of Object.entries(table)) {
    if (Object.hasOwn(cli.values, name)) {
      options[name] = cli.values[name];
      source[name] = 'cli';
    } else if (Object.hasOwn(config, name)) {
      options[name] = config[name];
      source[name] = 'config';
    } else {
      const dflt = defaultOf(d);
      options[name] = Array.isArray(dflt) ? [...dflt] : dflt;
    }
  }
  return { options: options as Options<C>, positionals: cli.positionals, source };
}

/** Was the option given (on the command line or in the config file), rather than defaulted? */
export function given(args: ParsedArgs, name: string): boolean {
  return args.source[name] !== undefined;
}

function placeholder(d: OptionDecl): string {
  if (d.value) return d.value;
  if ((d.type === 'enum' || d.type === 'enum-list') && d.values.length <= 4) return d.values.join('|');
  return '<value>';
}

/** Help text of one option: its description, the allowed values not in the placeholder, the default. */
function optionHelp(d: OptionDecl): string {
  const listed = (d.type === 'enum' || d.type === 'enum-list') && placeholder(d) !== d.values.join('|');
  const allowed = listed || (d.type === 'string' && d.allowedText) ? `: ${describeAllowed(d).replace(/^a list of /, '')}` : '';
  const dflt = d.type === 'boolean' ? undefined : defaultOf(d);
  const shown = dflt === undefined || (Array.isArray(dflt) && dflt.length === 0) ? '' : ` (default ${String(dflt)})`;
  return `${d.description}${allowed}${shown}`;
}

export function helpOptions(table: OptionTable): string {
  const rows = Object.entries(table).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'boolean' ? '' : ` ${placeholder(o)}`}`;
    return `  ${flag.padEnd(30)} ${optionHelp(o)}`;
  });
  return rows.join('\n');
}

export function helpText(spec: CommandSpec): string {
  return `${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${helpOptions(optionsOf(spec.name))}\n`;
}
