/**
 * A build through the CLI itself (`src/cli.ts build … --json --quiet`), as a user runs it, and
 * the bits of its report the benches print. Shared by bench/speedup.ts and bench/examples.ts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildReport {
  flash: { total: number; limit?: number };
  ram: { total: number; limit?: number };
  measured?: { instructions: number } | null;
  accuracy?: { before: number; after: number; loss: number } | null;
  verify?: { samples: number; bitExact: number } | null;
  plan?: { layers?: Record<string, { granularity?: string; sparsity?: number; format?: string }> } | null;
}

export function cliBuild(args: string[]): BuildReport {
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'build', ...args, '--json', '--quiet'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(stdout) as BuildReport;
}

/** The CLI's own error line (`error[E_…]: …`) of a failed build, else the message's first line. */
export function errorLine(e: unknown): string {
  const stderr = String((e as { stderr?: unknown }).stderr ?? '');
  const line = stderr.split('\n').find((l) => l.startsWith('error['));
  return (line ?? (e as Error).message.split('\n')[0] ?? 'failed').replace(/\|/g, '/');
}

/** The pruned layers of a plan, `conv1 channel 25%, fc3 element 80% as rel4`, or `dense`. */
export function planText(r: BuildReport): string {
  const parts = Object.entries(r.plan?.layers ?? {})
    .filter(([, l]) => (l.sparsity ?? 0) > 0)
    .map(([n, l]) => `${n.replace(/\/weights$/, '')} ${l.granularity} ${Math.round((l.sparsity ?? 0) * 100)}%${l.format && l.format !== l.granularity ? ` as ${l.format}` : ''}`);
  return parts.length === 0 ? 'dense' : parts.join(', ');
}

export const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'));
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);
export const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
