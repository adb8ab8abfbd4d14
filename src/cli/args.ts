/**
 * Argument parsing on node:util's parseArgs, with errors that say what was wrong and what
 * is allowed. Commands declare their options once; the help text is derived from that.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TinypruneError } from '../errors.js';
import type { ParsedArgs } from '../contracts/cli.js';

export type { ParsedArgs } from '../contracts/cli.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Placeholder shown in help, e.g. '<file>'. */
  value?: string;
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new TinypruneError('E_USAGE', (e as Error).message.replace(/\. To specify.*$/s, ''), {
      where: `tinyprune ${spec.name}`,
      allowed: `${spec.usage}\n${helpOptions(spec)}`,
      hint: `run \`tinyprune ${spec.name} --help\``,
    });
  }
  const [min, max] = spec.positionals;
  if (parsed.values['help'] === true) return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new TinypruneError(
      'E_USAGE',
      parsed.positionals.length < min
        ? `missing argument (got ${parsed.positionals.length}, need ${min})`
        : `too many arguments: ${parsed.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ')}`,
      { where: `tinyprune ${spec.name}`, allowed: spec.usage, hint: `run \`tinyprune ${spec.name} --help\`` },
    );
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

export function helpOptions(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}`;
  });
  return rows.join('\n');
}

export function helpText(spec: CommandSpec): string {
  return `${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${helpOptions(spec)}\n`;
}

export function stringOpt(a: ParsedArgs, name: string): string | undefined {
  const v = a.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolOpt(a: ParsedArgs, name: string): boolean {
  return a.values[name] === true;
}
