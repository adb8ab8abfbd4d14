import type { Warning } from '../errors.js';

export function formatWarning(w: Warning): string {
  return `warning[${w.code}]: ${w.message}${w.where ? `\n  where:   ${w.where}` : ''}\n`;
}
