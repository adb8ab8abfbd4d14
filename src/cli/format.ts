import type { Warning } from '../errors.js';

export function formatWarning(w: Warning): string {
  return `warning[${w.code}]: ${w.message}${w.where ? `\n  where:   ${w.where}` : ''}\n`;
}

/**
 * Warnings for stderr: the same code repeated many times (e.g. every depthwise bias of a
 * model) is shown once with a count, so the one message that matters is not buried.
 */
export function formatWarnings(ws: readonly Warning[], maxPerCode = 2): string {
  const byCode = new Map<string, Warning[]>();
  for (const w of ws) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  let out = '';
  for (const [code, list] of byCode) {
    for (const w of list.slice(0, maxPerCode)) out += formatWarning(w);
    if (list.length > maxPerCode) out += `warning[${code}]: … and ${list.length - maxPerCode} more like this\n`;
  }
  return out;
}
