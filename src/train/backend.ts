/**
 * TensorFlow.js backends for training: tfjs-node (native TensorFlow) when it loads, else WASM
 * (XNNPACK SIMD kernels, plus the training kernels we register or replace), else the pure-JS CPU
 * backend. tfjs-node is an optional dependency: its installer downloads libtensorflow, which
 * fails offline, so it is imported lazily and a failure only means "not available".
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The full package registers every op's gradient with tfjs-core (tfjs-core's own CommonJS build
// does not), which training needs.
import '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { TinypruneError } from '../errors.js';
import { registerWasmGradientKernels } from './wasm/index.js';
import { withWasmThreads } from './wasm/threads.js';

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];
/** TF.js names: tfjs-node registers itself as 'tensorflow'. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** WASM: threads of its XNNPACK pool (1 = the single-threaded SIMD build). */
  threads?: number;
  /** Why the better backends were not used (for the report). */
  notes: string[];
}

// PROD skips TF.js's debug checks and its console banner about tfjs-node.
tf.env().set('PROD', true);

let wasmPathsSet = false;
/** Threads the WASM backend was initialised with (it initialises once per process). */
let wasmThreads: number | undefined;

/**
 * Threads for the WASM backend: $TINYPRUNE_WASM_THREADS, else 1 (the single-threaded SIMD
 * build). The threaded build (wasm/threads.ts) is opt-in: XNNPACK's pool threads spin while
 * they wait for each other, so on cores shared with other work they cost more than they save
 * (LeNet-5 on this 2-core machine at load average 10: 2 threads took 1.7x the process CPU time
 * and 1.4-2.8x the wall time of 1; README, training speed).
 */
export const WASM_THREADS_ENV = 'TINYPRUNE_WASM_THREADS';

function wantedWasmThreads(notes: string[]): number {
  const env = process.env[WASM_THREADS_ENV];
  if (env === undefined || env === '') return 1;
  const n = Number(env);
  if (Number.isInteger(n) && n >= 1) return n;
  notes.push(`${WASM_THREADS_ENV}=${env} is not a positive integer; ignored`);
  return 1;
}

async function tryNode(notes: string[]): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    return await tf.setBackend('tensorflow');
  } catch (e) {
    notes.push(`tfjs-node unavailable: ${((e as Error).message ?? String(e)).split('\n')[0]}`);
    return false;
  }
}

async function tryWasm(notes: string[]): Promise<boolean> {
  try {
    if (!wasmPathsSet) {
      // The .wasm binaries ship inside the npm package; point the loader at them (no network).
      const require = createRequire(import.meta.url);
      setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      wasmPathsSet = true;
    }
    registerWasmGradientKernels();
    if (wasmThreads === undefined) {
      const wanted = wantedWasmThreads(notes);
      if (wanted > 1) {
        try {
          const ok = await withWasmThreads(wanted, () => tf.setBackend('wasm'));
          wasmThreads = ok ? getThreadsCount() : undefined;
          if (!ok) notes.push('the threaded WASM build failed to initialise');
          return ok;
        } catch (e) {
          notes.push(`threaded WASM build unavailable (${(e as Error).message}); single-threaded`);
        }
      }
    }
    const ok = await tf.setBackend('wasm');
    if (ok) wasmThreads ??= getThreadsCount();
    if (!ok) notes.push('the WASM backend failed to initialise');
    return ok;
  } catch (e) {
    notes.push(`WASM backend unavailable: ${(e as Error).message}`);
    return false;
  }
}

/**
 * How to get the native backend. tfjs-node's install script downloads libtensorflow; npm 11
 * records which dependencies may run install scripts (package.json "allowScripts", managed by
 * `npm approve-scripts`, or "allow-scripts" in .npmrc) and a future npm blocks the others, and an offline machine cannot
 * download the library at all — then tfjs-node is skipped (it is optional) and training runs
 * on WASM.
 */
export const TFJS_NODE_INSTALL = {
  checkout: 'npm config set allow-scripts=@tensorflow/tfjs-node --location=project && npm install @tensorflow/tfjs-node@4.22.0 --no-save',
  global: 'npm install -g --allow-scripts=@tensorflow/tfjs-node tinyprune',
} as const;

/** Which backend training uses and why, in one line (doctor, reports). */
export function describeBackend(info: BackendInfo): string {
  const why = info.notes.length > 0 ? `: ${info.notes.join('; ')}` : '';
  if (info.name === 'tensorflow') return 'tfjs-node (native TensorFlow, multi-threaded)';
  if (info.name === 'wasm') {
    const threads =
      (info.threads ?? 1) > 1
        ? `${info.threads} threads (${WASM_THREADS_ENV})`
        : `1 thread: TF.js turns its threaded build off under Node; ${WASM_THREADS_ENV}=2 turns it on, which pays only on idle cores`;
    return `wasm (XNNPACK SIMD, ${threads}; tfjs-node is the faster native backend${why})`;
  }
  return `cpu (pure JavaScript, 20-300x slower than wasm at training: README, training speed${why})`;
}

/** Selects and initialises a backend. 'auto' = node, then wasm, then cpu. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new TinypruneError('E_USAGE', `unknown backend '${String(choice)}'`, { allowed: BACKEND_CHOICES.join(', ') });
  }
  const notes: string[] = [];
  if (choice === 'node' || choice === 'auto') {
    if (await tryNode(notes)) return { name: 'tensorflow', notes };
    if (choice === 'node') {
      throw new TinypruneError('E_BACKEND', 'the tfjs-node backend is not available', {
        where: notes.join('; '),
        hint: `allow its install script and install it (it downloads libtensorflow, so it needs network access): ${TFJS_NODE_INSTALL.checkout} — or use --backend wasm`,
      });
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    if (await tryWasm(notes)) return { name: 'wasm', threads: wasmThreads ?? 1, notes };
    if (choice === 'wasm') throw new TinypruneError('E_BACKEND', 'the WASM backend is not available', { where: notes.join('; '), hint: 'use --backend cpu' });
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', notes };
}

export { tf };
