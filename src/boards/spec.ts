/**
 * A small declarative schema language: each key has a type, a description, an optional
 * default and constraints. From one spec we derive
 *   - the TypeScript type of the resolved value (`Infer<S>`),
 *   - a validator/normaliser that reports every problem with its key path, bad value, what is
 *     allowed and a suggested fix, and fills in defaults,
 *   - a JSON Schema (draft 2020-12) for editors (boards/board.schema.json).
 * Keeping all three in one place is what stops them drifting apart.
 */

export interface SpecBase {
  description: string;
  /** Absent and no default → the key may be missing in the resolved value too. */
  optional?: boolean;
}

export interface StringSpec extends SpecBase {
  kind: 'string';
  default?: string;
  pattern?: RegExp;
  /** Shown in errors when the pattern does not match, e.g. "lowercase letters, digits, '-'". */
  patternHint?: string;
  minLength?: number;
}
export interface IntSpec extends SpecBase {
  kind: 'int';
  default?: number;
  min?: number;
  max?: number;
}
/**
 * An address or byte size: a non-negative integer, or a string "0x08000000", "512K", "2M"
 * (K = 1024) — board files are hand-written and hex addresses are how datasheets print them.
 */
export interface BytesSpec extends SpecBase {
  kind: 'bytes';
  default?: number;
  min?: number;
  max?: number;
}
export interface BoolSpec extends SpecBase {
  kind: 'bool';
  default?: boolean;
}
export interface EnumSpec<V extends string = string> extends SpecBase {
  kind: 'enum';
  values: readonly V[];
  default?: V;
}
export interface ObjectSpec<F extends Record<string, Spec> = Record<string, Spec>> extends SpecBase {
  kind: 'object';
  fields: F;
}
export interface ArraySpec<I extends Spec = Spec> extends SpecBase {
  kind: 'array';
  items: I;
  default?: readonly unknown[];
  minItems?: number;
}

export type Spec = StringSpec | IntSpec | BytesSpec | BoolSpec | EnumSpec | ObjectSpec<any> | ArraySpec<any>;

// ---- type derivation ----------------------------------------------------------------------

type OptionalKeys<F> = {
  [K in keyof F]: F[K] extends { optional: true } ? K : never;
}[keyof F];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type Infer<S> = S extends { kind: 'string' }
  ? string
  : S extends { kind: 'int' } | { kind: 'bytes' }
    ? number
    : S extends { kind: 'bool' }
      ? boolean
      : S extends EnumSpec<infer V>
        ? V
        : S extends ArraySpec<infer I>
          ? Infer<I>[]
          : S extends ObjectSpec<infer F>
            ? Simplify<
                { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & {
                  [K in OptionalKeys<F>]?: Infer<F[K]>;
                }
              >
            : never;

// ---- builders (keep literal types so Infer works) ------------------------------------------

type Meta<T> = Omit<T, 'kind'>;

export const s = {
  string<const M extends Meta<StringSpec>>(m: M): M & { kind: 'string' } {
    return { kind: 'string', ...m };
  },
  int<const M extends Meta<IntSpec>>(m: M): M & { kind: 'int' } {
    return { kind: 'int', ...m };
  },
  bytes<const M extends Meta<BytesSpec>>(m: M): M & { kind: 'bytes' } {
    return { kind: 'bytes', ...m };
  },
  bool<const M extends Meta<BoolSpec>>(m: M): M & { kind: 'bool' } {
    return { kind: 'bool', ...m };
  },
  enum<const V extends string, const M extends Omit<Meta<EnumSpec<V>>, 'values'>>(
    values: readonly V[],
    m: M,
  ): M & { kind: 'enum'; values: readonly V[] } {
    return { kind: 'enum', values, ...m };
  },
  object<const F extends Record<string, Spec>, const M extends Omit<Meta<ObjectSpec<F>>, 'fields'>>(
    fields: F,
    m: M,
  ): M & { kind: 'object'; fields: F } {
    return { kind: 'object', fields, ...m };
  },
  array<const I extends Spec, const M extends Omit<Meta<ArraySpec<I>>, 'items'>>(
    items: I,
    m: M,
  ): M & { kind: 'array'; items: I } {
    return { kind: 'array', items, ...m };
  },
};

// ---- validation ------------------------------------------------------------------------------

export interface Issue {
  /** Key path, e.g. "uart.kind" or "flashers[1].tool"; "" for the whole document. */
  path: string;
  message: string;
  /** The offending value, JSON-encoded (undefined when the key is missing). */
  value?: string;
  allowed?: string;
  hint?: string;
}

export interface ValidateResult<T> {
  value: T | undefined;
  issues: Issue[];
}

const BYTES_RE = /^(?:0x[0-9a-fA-F]+|[0-9]+(?:[KM])?)$/;

export function parseBytes(v: string): number {
  if (/^0x/i.test(v)) return parseInt(v.slice(2), 16);
  const m = /^([0-9]+)([KM])?$/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'K' ? n * 1024 : m[2] === 'M' ? n * 1024 * 1024 : n;
}

export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  const text = JSON.stringify(v);
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** True when a missing key can be filled in: it has a default, or is an object whose keys all can. */
export function hasDefault(spec: Spec): boolean {
  if ('default' in spec && spec.default !== undefined) return true;
  if (spec.kind === 'object') return Object.values(spec.fields as Record<string, Spec>).every((f) => f.optional || hasDefault(f));
  return false;
}

function describeAllowed(spec: Spec): string {
  switch (spec.kind) {
    case 'string':
      return spec.patternHint ?? (spec.pattern ? `a string matching ${spec.pattern}` : 'a string');
    case 'int': {
      const lo = spec.min !== undefined ? ` >= ${spec.min}` : '';
      const hi = spec.max !== undefined ? ` <= ${spec.max}` : '';
      return `an integer${lo}${lo && hi ? ' and' : ''}${hi}`;
    }
    case 'bytes':
      return 'a non-negative integer, or a string like "0x08000000", "512K", "2M"';
    case 'bool':
      return 'true or false';
    case 'enum':
      return spec.values.map((v) => JSON.stringify(v)).join(', ');
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
  }
}

/**
 * Validates `input` against `spec`, fills defaults and normalises bytes fields to numbers.
 * Collects every issue rather than stopping at the first, so one run of the validator shows a
 * user everything that is wrong with their file.
 */
export function validate<S extends Spec>(spec: S, input: unknown, path = '', allowExtra: readonly string[] = []): ValidateResult<Infer<S>> {
  const issues: Issue[] = [];
  const value = check(spec, input, path, issues, allowExtra);
  return { value: issues.length === 0 ? (value as Infer<S>) : undefined, issues };
}

function check(spec: Spec, v: unknown, path: string, issues: Issue[], allowExtra: readonly string[] = []): unknown {
  const bad = (message: string, hint?: string): undefined => {
    issues.push({ path, message, value: show(v), allowed: describeAllowed(spec), ...(hint ? { hint } : {}) });
    return undefined;
  };
  switch (spec.kind) {
    case 'string': {
      if (typeof v !== 'string') return bad(`expected a string, got ${typeName(v)}`);
      if (spec.minLength !== undefined && v.length < spec.minLength) return bad(`must not be empty`);
      if (spec.pattern && !spec.pattern.test(v)) return bad(`${show(v)} is not valid`);
      return v;
    }
    case 'int': {
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(`expected an integer, got ${show(v)}`);
      if (spec.min !== undefined && v < spec.min) return bad(`${v} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) return bad(`${v} is above the maximum ${spec.max}`);
      return v;
    }
    case 'bytes': {
      let n: number;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
      else if (typeof v === 'string' && BYTES_RE.test(v)) n = parseBytes(v);
      else
        return bad(
          `expected an address or size, got ${show(v)}`,
          typeof v === 'string' && /^[0-9]+\s*[kKmM][bB]?$/.test(v)
            ? `write ${JSON.stringify(v.replace(/\s+/g, '').replace(/[bB]$/, '').toUpperCase())}`
            : undefined,
        );
      if (spec.min !== undefined && n < spec.min) return bad(`${show(v)} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return bad(`${show(v)} is above the maximum ${spec.max}`);
      return n;
    }
    case 'bool': {
      if (typeof v !== 'boolean') return bad(`expected true or false, got ${show(v)}`);
      return v;
    }
    case 'enum': {
      if (typeof v !== 'string' || !spec.values.includes(v)) {
        const near = typeof v === 'string' ? closest(v, spec.values) : undefined;
        return bad(`${show(v)} is not one of the allowed values`, near ? `did you mean ${JSON.stringify(near)}?` : undefined);
      }
      return v;
    }
    case 'array': {
      if (!Array.isArray(v)) return bad(`expected an array, got ${typeName(v)}`);
      if (spec.minItems !== undefined && v.length < spec.minItems)
        return bad(`needs at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'}`);
      return v.map((item, i) => check(spec.items, item, joinPath(path, i), issues));
    }
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(`expected an object, got ${typeName(v)}`);
      return checkObject(spec, v as Record<string, unknown>, path, issues, allowExtra);
    }
  }
}

/**
 * The fields of an object: unknown keys (unless in `allowExtra`) and missing required keys
 * are issues; missing keys with defaults get them.
 */
function checkObject(spec: ObjectSpec, obj: Record<string, unknown>, path: string, issues: Issue[], allowExtra: readonly string[]): Record<string, unknown> {
  const fields = spec.fields;
  const out: Record<string, unknown> = {};
  const known = Object.keys(fields);
  for (const key of Object.keys(obj)) {
    if (key in fields || allowExtra.includes(key)) continue;
    const near = closest(key, known);
    issues.push({
      path: joinPath(path, key),
      message: `unknown key ${JSON.stringify(key)}`,
      value: show(obj[key]),
      allowed: known.join(', '),
      ...(near ? { hint: `did you mean ${JSON.stringify(near)}?` } : { hint: 'remove it' }),
    });
  }
  for (const key of known) {
    const fspec = fields[key]!;
    const fv = obj[key];
    if (fv === undefined) {
      if ('default' in fspec && fspec.default !== undefined) {
        out[key] = structuredClone(fspec.default);
      } else if (fspec.kind === 'object' && hasDefault(fspec)) {
        out[key] = check(fspec, {}, joinPath(path, key), issues);
      } else if (!fspec.optional) {
        issues.push({
          path: joinPath(path, key),
          message: `missing required key ${JSON.stringify(key)} (${fspec.description})`,
          allowed: describeAllowed(fspec),
          hint: `add "${key}": ... to the ${path === '' ? 'file' : JSON.stringify(path)}`,
        });
      }
      continue;
    }
    const r = check(fspec, fv, joinPath(path, key), issues);
    if (r !== undefined) out[key] = r;
  }
  return out;
}

// ---- JSON Schema -----------------------------------------------------------------------------

export type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft 2020-12) for a spec; key order is fixed so the output is reproducible. */
export function toJsonSchema(spec: Spec): JsonSchema {
  const base: JsonSchema = { description: spec.description };
  switch (spec.kind) {
    case 'string':
      return {
        ...base,
        type: 'string',
        ...(spec.minLength !== undefined ? { minLength: spec.minLength } : {}),
        ...(spec.pattern ? { pattern: spec.pattern.source } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    case 'int':
      return {
        ...base,
        type: 'integer',
        ...(spec.min !== undefined ? { minimum: spec.min } : {}),
        ...(spec.max !== undefined ? { maximum: spec.max } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    case 'bytes':
      return {
        ...base,
        oneOf: [
          {
            type: 'integer',
            minimum: spec.min ?? 0,
            ...(spec.max !== undefined ? { maximum: spec.max } : {}),
          },
          { type: 'string', pattern: BYTES_RE.source },
        ],
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    case 'bool':
      return { ...base, type: 'boolean', ...(spec.default !== undefined ? { default: spec.default } : {}) };
    case 'enum':
      return { ...base, enum: [...spec.values], ...(spec.default !== undefined ? { default: spec.default } : {}) };
    case 'array':
      return {
        ...base,
        type: 'array',
        items: toJsonSchema(spec.items),
        ...(spec.minItems !== undefined ? { minItems: spec.minItems } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
      };
    case 'object': {
      const fields = spec.fields as Record<string, Spec>;
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [k, f] of Object.entries(fields)) {
        properties[k] = toJsonSchema(f);
        if (!f.optional && !hasDefault(f)) required.push(k);
      }
      return { ...base, type: 'object', properties, required, additionalProperties: false };
    }
  }
}
