/**
 * Lines out of a byte stream, with a bounded wait for each. Bytes are decoded as latin1 so
 * that garbage (wrong baud rate, another firmware's binary output) survives as characters the
 * protocol layer can recognise and quote, instead of turning into U+FFFD.
 */
import type { TinypruneError } from '../errors.js';
import type { Transport } from './transport.js';

export interface LineReaderOptions {
  /** A "line" longer than this without a newline is garbage (default 64 KiB). */
  maxLineBytes?: number;
}

interface Waiter {
  resolve: (line: string | undefined) => void;
  reject: (e: TinypruneError) => void;
  timer: NodeJS.Timeout;
}

export class LineReader {
  private partial = '';
  private readonly queue: string[] = [];
  private waiter: Waiter | undefined;
  private failure: TinypruneError | undefined;
  private readonly maxLine: number;
  /** Bytes received in total. */
  bytes = 0;
  /** The last few hundred characters received (for error messages). */
  tail = '';

  constructor(transport: Transport, opts: LineReaderOptions = {}) {
    this.maxLine = opts.maxLineBytes ?? 64 * 1024;
    transport.onData((chunk) => this.push(chunk));
    transport.onDisconnect((e) => this.fail(e));
  }

  private push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const text = chunk.toString('latin1');
    this.tail = (this.tail + text).slice(-300);
    this.partial += text;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl).replace(/\r+$/, '');
      this.partial = this.partial.slice(nl + 1);
      this.deliver(line);
    }
    if (this.partial.length > this.maxLine) {
      // Deliver it anyway: the protocol layer sees a line that is not a reply and says so.
      const line = this.partial;
      this.partial = '';
      this.deliver(line);
    }
  }

  private deliver(line: string): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(line);
    } else {
      this.queue.push(line);
    }
  }

  private fail(e: TinypruneError): void {
    this.failure ??= e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /** The characters received after the last newline. */
  get pending(): string {
    return this.partial;
  }

  /**
   * The next complete line (CR/LF stripped), or undefined when none arrives within
   * timeoutMs. Rejects with the transport's error once it has disconnected (lines already
   * received are still returned first).
   */
  next(timeoutMs: number): Promise<string | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) throw new Error('LineReader.next: one reader at a time');
    return new Promise<string | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      this.waiter = { resolve, reject, timer };
    });
  }

  /** Drops every line received so far (and the partial one). */
  discard(): void {
    this.queue.length = 0;
    this.partial = '';
  }
}
