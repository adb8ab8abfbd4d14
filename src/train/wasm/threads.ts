/**
 * The multi-threaded WASM build (XNNPACK on a pthreadpool) under Node. TF.js 4.22 turns it off
 * there: WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE (tensorflow/tfjs#3830). Forcing
 * the flag on fails three times over, each fixed here without touching the package:
 *
 * 1. Emscripten starts its 8 pool workers with `new Worker(<blob: URL of the worker script>)`;
 *    Node's worker_threads take a file path or source text, not blob: URLs (ERR_WORKER_PATH).
 *    The global Worker the Emscripten loader uses is replaced by a worker_threads Worker that
 *    evaluates the same script, read from the installed package's bundle.
 * 2. Each worker then loads the main script from a Blob the main thread posts it, through
 *    URL.createObjectURL + importScripts (= fs.readFileSync): a blob: URL is no file. The
 *    Blob's text is posted instead (read asynchronously; the workers wait for it).
 * 3. That main script is the factory function's source cut out of the CommonJS bundle, so it
 *    names the bundle's module-scope variables (commonjsGlobal, require$$0… for fs, path,
 *    perf_hooks, os), undefined in a worker; they are declared in front of it.
 *
 * Last, the backend's C++ caps the pool at navigator.hardwareConcurrency / 2 (it assumes two
 * hyper-threads per core; Node reports os.cpus().length), so a 2-core machine gets 1 thread
 * whatever setThreadsCount says. os.cpus() reports twice the wanted count while the module
 * initialises. Workers are unref'd (and stay so) so they never keep the process alive.
 *
 * Results do not depend on the thread count: XNNPACK splits GEMM and convolution outputs into
 * tiles, each summed over its whole reduction by one thread.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker as NodeWorker, type TransferListItem } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
/** Prefix marking a posted main script as source text rather than a path. */
const SOURCE = '\u0000source:';

interface ThreadedParts {
  /** The pthread worker script, ready for `new Worker(src, { eval: true })`. */
  workerSource: string;
  /** Declarations the factory source needs in a worker. */
  prelude: string;
}

/** The worker script and the bundle's module-scope names, from the installed package. */
function threadedParts(): ThreadedParts {
  const bundle = readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
  const worker = /^var wasmWorkerContents = (".*");$/m.exec(bundle);
  if (!worker) throw new Error('the worker script (wasmWorkerContents) is not in the tfjs-backend-wasm bundle');
  // TF.js escapes newlines the same way before making its blob: the script has "\n" in strings.
  const script = (JSON.parse(worker[1]!) as string).replace(/\n/g, '\\n');
  const redirect = `;{const load=global.importScripts;global.importScripts=(f)=>f.startsWith(${JSON.stringify(SOURCE)})?(0,eval)(f.slice(${SOURCE.length})):load(f);}`;
  const modules = [...bundle.matchAll(/^var (require\$\$\d+) = require\('([a-z_]+)'\);$/gm)].map((m) => `${m[1]}=require(${JSON.stringify(m[2])})`);
  return { workerSource: script + redirect, prelude: `var ${['commonjsGlobal=globalThis', ...modules].join(',')};` };
}

function pthreadWorkerClass(parts: ThreadedParts): typeof NodeWorker {
  return class PthreadWorker extends NodeWorker {
    constructor() {
      super(parts.workerSource, { eval: true });
      this.unref();
    }
    /** Emscripten refs a worker while it runs a pthread: the pool's threads run for good. */
    override ref(): void {}
    override postMessage(msg: unknown, transfer?: readonly TransferListItem[]): void {
      const m = msg as { cmd?: string; urlOrBlob?: unknown };
      if (m?.cmd === 'load' && m.urlOrBlob instanceof Blob) {
        void m.urlOrBlob.text().then((src) => super.postMessage({ ...m, urlOrBlob: SOURCE + parts.prelude + src }, transfer));
        return;
      }
      super.postMessage(msg, transfer);
    }
  };
}

/**
 * Makes the next WASM backend initialisation use the threaded SIMD build with `threads`
 * threads (the calling thread included), then runs `init` (which must initialise the backend).
 * Throws if the bundle does not have the expected shape.
 */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const parts = threadedParts();
  const Worker = pthreadWorkerClass(parts);
  // The loader assigns global.Worker = worker_threads.Worker before using it: keep ours.
  Object.defineProperty(globalThis, 'Worker', { get: () => Worker, set: () => {}, configurable: true });
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const os = require('node:os') as { cpus: () => unknown[] };
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus()[i % cpus().length]);
  try {
    return await init();
  } finally {
    os.cpus = cpus;
  }
}
