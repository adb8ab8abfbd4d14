/**
 * The one check of an option value against its declaration (src/config/options.ts), used for
 * command-line flags (after fromText turns the text into a number, a list…) and for
 * tinyprune.config.json values alike. It says what is wrong; the callers say where (a flag or
 * a config key) in their own words.
 */
import { closest } from '../boards/spec.js';
import type { OptionDecl, OptionValue } from './options.js';

export interface ValueProblem {
  /** What is wrong, starting with the value as the user wrote it: `"fast" is not a kernel set`. */
  message: string;
  /** The closest allowed value, for "did you mean". */
  near?: string;
  /** A value that would be accepted (for "e.g. --epochs 3"). */
  example?: number;
  /** A config-file fix (e.g. "write 0.01 without quotes"). */
  fix?: string;
}
export type Checked = { ok: true; value: OptionValue } | ({ ok: false } & ValueProblem);

/** "a number from 0 to 1", "one of auto, plain" … for messages, --help and the JSON Schema. */
export function describeAllowed(d: OptionDecl): string {
  switch (d.type) {
    case 'boolean':
      return 'true or false';
    case 'enum':
      return d.values.join(', ');
    case 'enum-list':
      return `a list of ${d.values.join(', ')}`;
    case 'string':
      return d.allowedText ?? (d.path === 'name-or-file' ? 'a name or a path to a .json file' : d.path === 'data-spec' ? 'a data set (mnist:<dir>, a file, x.npy,y.npy …)' : d.path ? 'a path' : 'a non-empty string');
    case 'number':
    case 'integer': {
      const what = d.type === 'integer' ? 'an integer' : 'a number';
      const lo = d.min !== undefined ? `${d.exclusiveMin ? '>' : '>='} ${d.min}` : '';
      const hi = d.max !== undefined ? `${d.exclusiveMax ? '<' : '<='} ${d.max}` : '';
      return [what, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
    }
  }
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function bad(problem: ValueProblem): Checked {
  return { ok: false, ...problem };
}

function checkNumber(d: OptionDecl & { type: 'number' | 'integer' }, v: unknown, shown: string): Checked {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return bad({ message: `${shown} is a string, not a number`, fix: `write ${v} without quotes` });
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const what = typeof v === 'string' || typeof v === 'number' ? 'not a number' : `${typeName(v)}, not a number`;
    const example = d.default ?? (d.min !== undefined && !d.exclusiveMin ? d.min : undefined);
    return bad({ message: `${shown} is ${what}`, ...(example !== undefined ? { example } : {}) });
  }
  if (d.type === 'integer' && !Number.isInteger(v)) return bad({ message: `${shown} is not an integer`, example: Math.round(v) });
  const below = d.min !== undefined && (d.exclusiveMin ? v <= d.min : v < d.min);
  const above = d.max !== undefined && (d.exclusiveMax ? v >= d.max : v > d.max);
  if (below || above) return bad({ message: `${shown} is out of range`, example: d.default ?? (below ? d.min! : d.max!) });
  return { ok: true, value: v };
}

/**
 * Checks a value of the JSON type the option takes (a config value, or a flag after fromText).
 * `shown` is the value as the user wrote it, for the message.
 */
export function checkValue(d: OptionDecl, v: unknown, shown: string): Checked {
  const noun = d.noun ?? 'an allowed value';
  switch (d.type) {
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      return bad({ message: `${shown} is ${typeName(v)}, not true or false`, ...(v === 'true' || v === 'false' ? { fix: `write ${v} without quotes` } : {}) });
    case 'enum': {
      if (typeof v === 'string' && d.values.includes(v)) return { ok: true, value: v };
      const near = typeof v === 'string' ? closest(v, d.values) : undefined;
      return bad({ message: `${shown} is not ${noun}`, ...(near ? { near } : {}) });
    }
    case 'enum-list': {
      if (!Array.isArray(v)) return bad({ message: `${shown} is ${typeName(v)}, not a list`, ...(typeof v === 'string' ? { fix: `write [${JSON.stringify(v)}]` } : {}) });
      const wrong = v.filter((x) => typeof x !== 'string' || !d.values.includes(x));
      if (wrong.length > 0) {
        const near = typeof wrong[0] === 'string' ? closest(wrong[0], d.values) : undefined;
        const what = wrong.map((x) => (typeof x === 'string' && !shown.startsWith('[') ? x : JSON.stringify(x))).join(', ');
        return bad({ message: `${what} ${wrong.length === 1 ? `is not ${noun}` : `are not ${noun.replace(/^an? /, '')}s`}`, ...(near ? { near } : {}) });
      }
      return { ok: true, value: [...new Set(v as string[])] };
    }
    case 'string': {
      if (typeof v !== 'string' || v === '') return bad({ message: `${shown} is ${typeof v === 'string' ? 'empty' : typeName(v)}; expected a non-empty string` });
      if (d.pattern && !d.pattern.test(v)) return bad({ message: `${shown} is not valid` });
      const problem = d.check?.(v);
      if (problem) return bad({ message: `${shown}: ${problem}` });
      return { ok: true, value: v };
    }
    case 'number':
    case 'integer':
      return checkNumber(d, v, shown);
  }
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A flag's text as the JSON type its option takes, then checked: "--epochs abc" fails here. */
export function checkText(d: OptionDecl, text: string | string[]): Checked {
  const texts = Array.isArray(text) ? text : [text];
  const shown = texts.join(',');
  switch (d.type) {
    case 'number':
    case 'integer': {
      const t = texts[texts.length - 1]!;
      return checkValue(d, NUMBER_TEXT.test(t.trim()) ? Number(t) : NaN, t === '' ? '""' : t);
    }
    case 'enum-list':
      return checkValue(d, texts.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== ''), shown);
    case 'boolean':
      return checkValue(d, text, shown);
    default: {
      const t = texts[texts.length - 1]!;
      return checkValue(d, t, t === '' ? '""' : t);
    }
  }
}
