/** Plain-text tables for command output: columns padded to the widest cell, a dashed rule. */

export interface TableOptions {
  /** Indices of columns aligned right (numbers). */
  right?: readonly number[];
}

export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], o: TableOptions = {}): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, c) => {
        const cell = cells[c] ?? '';
        return o.right?.includes(c) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
