/**
 * Small, tested helpers that produce C identifiers and literals. Templates hold the structure
 * of generated files; everything that turns data into C text goes through here, so that
 * escaping, integer ranges and float spelling are decided in one place.
 */
import { TinypruneError } from '../errors.js';

const C_KEYWORDS = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    '_Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local ' +
    'bool true false NULL main'
  ).split(' '),
);

/** A valid C identifier from free text (tensor names like 'model/conv2d_1/Relu;bias'). */
export function sanitizeIdentifier(text: string, fallback = 'x'): string {
  let s = text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = fallback;
  if (/^[0-9]/.test(s)) s = `_${s}`;
  if (C_KEYWORDS.has(s)) s = `${s}_`;
  return s.slice(0, 63);
}

/** Throws unless `s` is usable as a C identifier (prefixes given by users). */
export function assertValidIdentifier(s: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(s) || C_KEYWORDS.has(s)) {
    throw new TinypruneError('E_USAGE', `${what} '${s}' is not a valid C identifier`, {
      allowed: 'a letter or underscore, then letters, digits or underscores (at most 63), not a C keyword',
      hint: `try '${sanitizeIdentifier(s, 'model')}'`,
    });
  }
  return s;
}

/** Text for a C string literal (for banners and names), escaped. */
export function cString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c === 0x0a) out += '\\n';
    else if (c < 0x80) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += '?';
  }
  return `${out}"`;
}

/** Text safe inside a C block comment. */
export function cComment(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/[^\x20-\x7e]/g, '?');
}

const INT_RANGES: Record<string, [number, number]> = {
  int8_t: [-128, 127],
  uint8_t: [0, 255],
  int16_t: [-32768, 32767],
  uint16_t: [0, 65535],
  int32_t: [-2147483648, 2147483647],
  uint32_t: [0, 4294967295],
};

/** One integer literal of a C type, range-checked. INT32_MIN is spelled so no warning fires. */
export function cInt(v: number, type: keyof typeof INT_RANGES = 'int32_t'): string {
  const [lo, hi] = INT_RANGES[type]!;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new TinypruneError('E_CODEGEN', `value ${v} does not fit ${type}`, { allowed: `${lo}..${hi}` });
  }
  if (type === 'int32_t' && v === -2147483648) return '(-2147483647 - 1)';
  if (type === 'uint32_t') return `${v}u`;
  return String(v);
}

/** A float32 literal that reads back to exactly the same float32 (hex float, C99). */
export function cFloat(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return '(0.0f/0.0f)';
  if (f === Infinity) return '(1.0f/0.0f)';
  if (f === -Infinity) return '(-1.0f/0.0f)';
  if (f === 0) return Object.is(f, -0) ? '-0.0f' : '0.0f';
  // Shortest decimal that round-trips through float32, checked; hex float otherwise.
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return `${normalizeFloatText(s)}f`;
  }
  return `${hexFloat(f)}f`;
}

function normalizeFloatText(s: string): string {
  // toPrecision may give '1e+5' or '12': make it a floating literal.
  if (/[.e]/.test(s)) return s.replace('e+', 'e');
  return `${s}.0`;
}

function hexFloat(f: number): string {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, f);
  const bits = dv.getUint32(0);
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const man = bits & 0x7fffff;
  if (exp === 0) return `${sign}0x0.${(man << 1).toString(16).padStart(6, '0')}p-126`;
  return `${sign}0x1.${(man << 1).toString(16).padStart(6, '0')}p${exp - 127}`;
}

/**
 * The body of an array initializer: values formatted by `fmt`, `perLine` to a line, each line
 * indented. Deterministic and diff-friendly.
 */
export function cArrayBody(values: ArrayLike<number>, fmt: (v: number) => string, perLine = 16, indent = '  '): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) row.push(fmt(values[j]!));
    lines.push(indent + row.join(', ') + ',');
  }
  return lines.join('\n');
}

/**
 * A C initializer from structured data: strings are expressions, arrays become `{ a, b }`,
 * objects become designated initializers `{ .field = value }` (fields in insertion order).
 */
export function cInit(v: unknown, indent = ''): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `{ ${v.map((x) => cInit(x, indent)).join(', ')} }`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    // Small nested structs of plain values (dims, shapes) stay on one line.
    const oneLine = `{ ${entries.map(([k, x]) => `.${k} = ${cInit(x, indent)}`).join(', ')} }`;
    if (indent !== '' && oneLine.length <= 72 && !oneLine.includes('\n')) return oneLine;
    const inner = `${indent}  `;
    const fields = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${inner}.${k} = ${cInit(x, inner)},`);
    return `{\n${fields.join('\n')}\n${indent}}`;
  }
  throw new TinypruneError('E_CODEGEN', `cannot render ${String(v)} as a C initializer`);
}
