/**
 * Small, tested helpers that turn report data into text. The report template is rendered by
 * the project's HTML Handlebars instance (src/templates.ts), which escapes every value — above
 * all tensor and model names, which come from the model file. Numbers are spelled the same
 * way on every machine (no toLocaleString: its output depends on the ICU data Node was built
 * with).
 */

/** 1234567 → "1,234,567"; non-integers are rounded first. */
export function formatInt(n: number): string {
  const r = Math.round(n);
  const digits = String(Math.abs(r));
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return `${r < 0 ? '-' : ''}${groups.join(',')}`;
}

/** Bytes in the unit that reads best: "980 B", "12.5 KiB", "4.00 MiB". */
export function formatBytes(n: number): string {
  if (Math.abs(n) < 1024) return `${formatInt(n)} B`;
  if (Math.abs(n) < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

/** A fraction as a percentage: 0.6944 → "69.4%"; null → "–". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** An optional count: formatInt, or "–" when absent. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : formatInt(n);
}

/** A tensor shape as "1×8×8×1" (empty shape: a scalar). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** One argument of a command line, quoted for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
