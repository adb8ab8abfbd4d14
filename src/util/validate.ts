/**
 * A small structural validator for the JSON files tinyprune writes and reads back
 * (report.json, plan.json): a schema is plain data, `validate` returns the first field that
 * does not match — its path, what was expected and what is there — or undefined.
 */
import { TinypruneError } from '../errors.js';

/** JSON text of `file`, parsed; invalid JSON is E_DATA naming the file, with `hint`. */
export function parseJsonFile(text: string, file: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TinypruneError('E_DATA', `${file} is not valid JSON: ${(e as Error).message}`, { where: file, hint, cause: e, data: { path: file } });
  }
}

export type Schema =
  | 'string'
  | 'number'
  | 'boolean'
  | 'null'
  | 'any'
  | { enum: readonly (string | number)[] }
  | { array: Schema }
  | { record: Schema }
  | { anyOf: readonly Schema[] }
  | {
      object: Readonly<Record<string, Schema>>;
      /** Keys that may be absent. */
      optional?: readonly string[];
      /** Reject keys the schema does not name (hand-written files: catches typos). */
      closed?: boolean;
    };

export interface Mismatch {
  /** e.g. "files.bench.elf", "layers[3].op", "(top level)". */
  path: string;
  expected: string;
  got: string;
}

/** What a schema accepts, in words. */
export function describeSchema(s: Schema): string {
  if (typeof s === 'string') return s === 'any' ? 'any value' : s;
  if ('enum' in s) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('array' in s) return `an array of ${describeSchema(s.array)}`;
  if ('record' in s) return `an object of ${describeSchema(s.record)}`;
  if ('anyOf' in s) return s.anyOf.map(describeSchema).join(' or ');
  return 'an object';
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

export function validate(schema: Schema, value: unknown, path = ''): Mismatch | undefined {
  const miss = (): Mismatch => ({ path: path || '(top level)', expected: describeSchema(schema), got: describeValue(value) });
  if (typeof schema === 'string') {
    if (schema === 'any') return undefined;
    if (schema === 'null') return value === null ? undefined : miss();
    if (schema === 'number') return typeof value === 'number' && Number.isFinite(value) ? undefined : miss();
    return typeof value === schema ? undefined : miss();
  }
  if ('enum' in schema) return schema.enum.includes(value as string) ? undefined : miss();
  if ('anyOf' in schema) {
    const misses = schema.anyOf.map((s) => validate(s, value, path));
    if (misses.some((m) => m === undefined)) return undefined;
    // A value of the right kind with a bad field inside: name that field.
    const deeper = misses.find((m) => m!.path !== (path || '(top level)'));
    return deeper ?? miss();
  }
  if ('array' in schema) {
    if (!Array.isArray(value)) return miss();
    for (const [i, v] of value.entries()) {
      const m = validate(schema.array, v, join(path, i));
      if (m) return m;
    }
    return undefined;
  }
  if (!isObject(value)) return miss();
  if ('record' in schema) {
    for (const [k, v] of Object.entries(value)) {
      const m = validate(schema.record, v, join(path, k));
      if (m) return m;
    }
    return undefined;
  }
  for (const [k, s] of Object.entries(schema.object)) {
    if (value[k] === undefined && schema.optional?.includes(k)) continue;
    const m = validate(s, value[k], join(path, k));
    if (m) return m;
  }
  if (schema.closed) {
    const extra = Object.keys(value).find((k) => !(k in schema.object));
    if (extra !== undefined) return { path: join(path, extra), expected: `no such field (known: ${Object.keys(schema.object).join(', ')})`, got: describeValue(value[extra]) };
  }
  return undefined;
}
