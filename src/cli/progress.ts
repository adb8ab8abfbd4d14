/**
 * How the CLI shows progress (issue #8). Stages report through the Progress interface of
 * src/util/progress.ts; this file picks the rendering:
 *   - bar:   a TTY: one line redrawn in place with \r (count, percentage, ETA), cleared when
 *            the stage ends;
 *   - lines: not a TTY (CI logs): plain "[stage] 3/10 (30%) ETA 12s" lines with no control
 *            characters, at most one every 2 s or 10% (plus the final line), so a log of a long
 *            run stays readable;
 *   - json:  one JSON object per line (event, stage, done, total) for tools driving tinyprune;
 *   - none:  --quiet: nothing at all.
 */
import type { Progress } from '../util/progress.js';
import { PROGRESS_MODES, type ProgressMode } from '../contracts/cli.js';

export { PROGRESS_MODES, type ProgressMode } from '../contracts/cli.js';

export function isProgressMode(s: string): s is ProgressMode {
  return (PROGRESS_MODES as readonly string[]).includes(s);
}

export interface ProgressOptions {
  mode: ProgressMode;
  /** Where progress goes (stderr). */
  write: (text: string) => void;
  /** Is `write` a terminal? Decides what 'auto' means. */
  isTTY?: boolean;
  /** Terminal width, for the bar (default 80). */
  columns?: number;
  /** Prefix of log lines: the command name, e.g. "prune" → "[prune] ...". */
  prefix: string;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** A reporter owned by the CLI: close() ends any stage still open (e.g. after an error). */
export interface CliProgress extends Progress {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  close(): void;
}

interface Stage {
  stage: string;
  total: number;
  done: number;
  detail: string | undefined;
  startedAt: number;
  /** When and at what count the last line/bar was written (rate limiting). */
  shownAt: number;
  shownDone: number;
}

/** "12s", "3m05s", "2h04m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function etaSeconds(st: Stage, now: number): number | undefined {
  if (st.total <= 0 || st.done <= 0 || st.done >= st.total) return undefined;
  return ((now - st.startedAt) / 1000 / st.done) * (st.total - st.done);
}

/** Control characters (ESC, \r, \b, tabs…) replaced by spaces: log lines must stay plain. */
export function plain(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ');
}

/** "3/10 (30%) ETA 12s" (or just "3" when the total is unknown). */
function counts(st: Stage, now: number): string {
  if (st.total <= 0) return `${st.done}`;
  const pct = Math.floor((100 * st.done) / st.total);
  const eta = etaSeconds(st, now);
  return `${st.done}/${st.total} (${pct}%)${eta !== undefined ? ` ETA ${formatDuration(eta)}` : ''}`;
}

/** How often a rate-limited renderer may show a stage: every `ms` or every `fraction` of the total. */
interface Limit {
  ms: number;
  fraction: number;
}

function due(st: Stage, now: number, limit: Limit): boolean {
  if (st.total > 0 && st.done >= st.total) return true;
  if (now - st.shownAt >= limit.ms) return true;
  return st.total > 0 && (st.done - st.shownDone) / st.total >= limit.fraction;
}

/**
 * The renderers share the stage stack; each supplies what to write at a stage start, a tick
 * that is due, a stage end and a log line.
 */
interface Renderer {
  limit: Limit;
  onStart(st: Stage, now: number): string;
  onTick(st: Stage, now: number): string;
  onDone(st: Stage, now: number, parent: Stage | undefined): string;
  onLog(message: string, current: Stage | undefined, now: number): string;
  onClose(): string;
}

function linesRenderer(prefix: string): Renderer {
  const line = (st: Stage, now: number): string => `[${plain(st.stage)}] ${counts(st, now)}${st.detail ? `: ${plain(st.detail)}` : ''}\n`;
  return {
    limit: { ms: 2000, fraction: 0.1 },
    onStart: (st, now) => line(st, now),
    onTick: line,
    onDone: (st, now) =>
      `[${plain(st.stage)}] ${st.total > 0 ? `${st.done}/${st.total} (${Math.floor((100 * st.done) / st.total)}%)` : st.done} done in ${formatDuration((now - st.startedAt) / 1000)}${st.detail ? `: ${plain(st.detail)}` : ''}\n`,
    onLog: (message) => `[${prefix}] ${plain(message)}\n`,
    onClose: () => '',
  };
}

const CLEAR_LINE = '\r\x1b[K';

function barRenderer(prefix: string, columns: number): Renderer {
  let drawn = false;
  const bar = (st: Stage, now: number): string => {
    const width = 20;
    const filled = st.total > 0 ? Math.min(width, Math.floor((width * st.done) / st.total)) : 0;
    const text = `${plain(st.stage)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counts(st, now)}${st.detail ? ` ${plain(st.detail)}` : ''}`;
    drawn = true;
    // One character short of the width: writing the last column makes some terminals wrap.
    return `\r${text.slice(0, Math.max(10, columns - 1))}\x1b[K`;
  };
  const clear = (): string => {
    if (!drawn) return '';
    drawn = false;
    return CLEAR_LINE;
  };
  return {
    limit: { ms: 100, fraction: 0.01 },
    onStart: bar,
    onTick: bar,
    onDone: (st, now, parent) => {
      const summary = `[${plain(st.stage)}] done: ${st.total > 0 ? `${st.done}/${st.total}` : st.done} in ${formatDuration((now - st.startedAt) / 1000)}${st.detail ? `, ${plain(st.detail)}` : ''}\n`;
      return clear() + summary + (parent ? bar(parent, now) : '');
    },
    onLog: (message, current, now) => clear() + `[${prefix}] ${plain(message)}\n` + (current ? bar(current, now) : ''),
    onClose: clear,
  };
}

function jsonRenderer(prefix: string): Renderer {
  const event = (name: string, st: Stage, now: number, extra: Record<string, unknown> = {}): string => {
    const eta = etaSeconds(st, now);
    return (
      JSON.stringify({
        event: name,
        stage: st.stage,
        done: st.done,
        total: st.total,
        elapsedSeconds: Math.round(now - st.startedAt) / 1000,
        ...(eta !== undefined ? { etaSeconds: Math.round(eta * 10) / 10 } : {}),
        ...(st.detail !== undefined ? { detail: st.detail } : {}),
        ...extra,
      }) + '\n'
    );
  };
  return {
    limit: { ms: 500, fraction: 0.01 },
    onStart: (st, now) => event('start', st, now),
    onTick: (st, now) => event('tick', st, now),
    onDone: (st, now) => event('done', st, now),
    onLog: (message, current) => JSON.stringify({ event: 'log', stage: current?.stage ?? prefix, message }) + '\n',
    onClose: () => '',
  };
}

export function createProgress(o: ProgressOptions): CliProgress {
  const mode: Exclude<ProgressMode, 'auto'> = o.mode === 'auto' ? (o.isTTY ? 'bar' : 'lines') : o.mode;
  const now = o.now ?? (() => performance.now());
  if (mode === 'none') return { mode, start() {}, tick() {}, done() {}, log() {}, close() {} };
  const r = mode === 'bar' ? barRenderer(o.prefix, o.columns ?? 80) : mode === 'json' ? jsonRenderer(o.prefix) : linesRenderer(o.prefix);
  const stack: Stage[] = [];
  const emit = (text: string): void => {
    if (text !== '') o.write(text);
  };
  const finish = (): void => {
    const st = stack.pop();
    if (!st) return;
    emit(r.onDone(st, now(), stack[stack.length - 1]));
  };
  return {
    mode,
    start(stage, total) {
      const t = now();
      const st: Stage = { stage, total: Math.max(0, Math.floor(total)), done: 0, detail: undefined, startedAt: t, shownAt: t, shownDone: 0 };
      stack.push(st);
      emit(r.onStart(st, t));
    },
    tick(n = 1, detail) {
      const st = stack[stack.length - 1];
      if (!st) return;
      st.done = st.total > 0 ? Math.min(st.total, st.done + n) : st.done + n;
      if (detail !== undefined) st.detail = detail;
      const t = now();
      // The final count is left to done(), which always reports it.
      if (st.total > 0 && st.done >= st.total) return;
      if (!due(st, t, r.limit)) return;
      st.shownAt = t;
      st.shownDone = st.done;
      emit(r.onTick(st, t));
    },
    done: finish,
    log(message) {
      emit(r.onLog(message, stack[stack.length - 1], now()));
    },
    close() {
      while (stack.length > 0) finish();
      emit(r.onClose());
    },
  };
}
