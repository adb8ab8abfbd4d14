/**
 * Deterministic mutation fuzzing of the TFLite reader (used by fuzz.test.ts and bench/fuzz.ts).
 *
 * Each case mutates a valid model (byte flips, truncation, overwriting 32/16-bit words with
 * values that make interesting offsets and lengths, splices from elsewhere in the same or
 * another model, insertions and deletions) and runs the pipeline's front end on it. The
 * property: readTflite either returns a graph or throws a TinypruneError; a returned graph
 * either passes verifyGraph or fails it with a TinypruneError; a graph that passes survives
 * writeTflite -> readTflite unchanged. Anything else (a RangeError, an "internal error", a
 * slow case) is a failure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { TinypruneError } from '../../src/errors.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { FbReader } from '../../src/tflite/flatbuf.js';
import { readTflite } from '../../src/tflite/read.js';
import { BUFFER, MODEL } from '../../src/tflite/schema.js';
import { writeTflite } from '../../src/tflite/write.js';
import { elementwiseGraph, smallCnn } from '../ir/fixtures.js';
import { comparable } from './comparable.js';
import { sharedModels } from './shared-models.js';

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface Seed {
  name: string;
  bytes: Uint8Array;
  /** Positions outside constant-data payloads: where mutations change structure, not weights. */
  structure: Int32Array;
}

/** Prepare a valid model for mutation: find which bytes are flatbuffer structure. */
export function makeSeed(name: string, bytes: Uint8Array): Seed {
  const isData = new Uint8Array(bytes.length);
  const r = new FbReader(bytes, name);
  const model = r.root('model');
  const v = r.vectorField(model, MODEL.buffers, 4, 'buffers');
  if (v) {
    for (const t of r.tableVector(v, (i) => `buffer ${i}`)) {
      const d = r.vectorField(t, BUFFER.data, 1, 'data');
      if (d) isData.fill(1, d.start, d.start + d.length);
    }
  }
  const positions: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (!isData[i]) positions.push(i);
  return { name, bytes, structure: Int32Array.from(positions) };
}

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, for reproducing a failure by hand. */
  steps: string[];
}

/** Apply 1-4 random mutations to one of the seeds. */
export function mutate(seeds: readonly Seed[], rand: () => number): { seed: Seed; mutant: Mutant } {
  const seed = seeds[rand() % seeds.length]!;
  let bytes = seed.bytes.slice();
  const steps: string[] = [];
  const n = 1 + (rand() % 4);
  const structPos = (): number => {
    // 9 in 10 mutations hit the structure (tables, vtables, vectors of indices); the rest
    // land anywhere, data included.
    if (rand() % 10 !== 0 && seed.structure.length > 0) {
      const p = seed.structure[rand() % seed.structure.length]!;
      return Math.min(p, Math.max(0, bytes.length - 1));
    }
    return bytes.length > 0 ? rand() % bytes.length : 0;
  };
  const interesting = (): number => {
    const size = bytes.length;
    const picks = [0, 1, 2, 3, 4, 8, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffc, size, size - 1, size - 4, size + 4, 0xffff, 0x10000, 1 << 20];
    if (rand() % 3 === 0) return rand() % Math.max(1, size);
    if (rand() % 4 === 0) return rand() % 64;
    return picks[rand() % picks.length]! >>> 0;
  };
  for (let k = 0; k < n && bytes.length > 0; k++) {
    const kind = rand() % 8;
    switch (kind) {
      case 0:
      case 1: {
        const p = structPos();
        const bit = 1 << (rand() % 8);
        bytes[p] = (bytes[p] ?? 0) ^ bit;
        steps.push(`flip byte ${p} bit ${bit}`);
        break;
      }
      case 2: {
        const len = rand() % 3 === 0 ? rand() % Math.min(bytes.length, 256) : rand() % bytes.length;
        bytes = bytes.slice(0, len);
        steps.push(`truncate to ${len}`);
        break;
      }
      case 3:
      case 4: {
        const p = structPos() & ~3;
        if (p + 4 <= bytes.length) {
          const v = interesting();
          new DataView(bytes.buffer, bytes.byteOffset).setUint32(p, v >>> 0, true);
          steps.push(`u32 at ${p} = ${v >>> 0}`);
        }
        break;
      }
      case 5: {
        const p = structPos() & ~1;
        if (p + 2 <= bytes.length) {
          const v = rand() % 2 === 0 ? interesting() & 0xffff : rand() % 64;
          new DataView(bytes.buffer, bytes.byteOffset).setUint16(p, v, true);
          steps.push(`u16 at ${p} = ${v}`);
        }
        break;
      }
      case 6: {
        // Splice: copy a chunk from another (or the same) seed over this one.
        const other = seeds[rand() % seeds.length]!;
        const len = 1 + (rand() % 64);
        const from = rand() % Math.max(1, other.bytes.length - len);
        const to = structPos();
        const chunk = other.bytes.subarray(from, from + len);
        bytes.set(chunk.subarray(0, Math.max(0, Math.min(chunk.length, bytes.length - to))), to);
        steps.push(`splice ${len} bytes of ${other.name}@${from} to ${to}`);
        break;
      }
      default: {
        // Insert or delete a few bytes: shifts every offset that crosses the point.
        const p = structPos();
        const len = 1 + (rand() % 8);
        if (rand() % 2 === 0) {
          const out = new Uint8Array(bytes.length + len);
          out.set(bytes.subarray(0, p), 0);
          for (let i = 0; i < len; i++) out[p + i] = rand() & 0xff;
          out.set(bytes.subarray(p), p + len);
          bytes = out;
          steps.push(`insert ${len} bytes at ${p}`);
        } else {
          const out = new Uint8Array(Math.max(0, bytes.length - len));
          const at = Math.min(p, out.length);
          out.set(bytes.subarray(0, at), 0);
          out.set(bytes.subarray(at + len), at);
          bytes = out;
          steps.push(`delete ${len} bytes at ${at}`);
        }
      }
    }
  }
  return { seed, mutant: { bytes, steps } };
}

export type Outcome = 'rejected' | 'invalid-graph' | 'valid-graph';

export interface CaseResult {
  outcome: Outcome;
  code?: string;
  ms: number;
  /** Set when the property does not hold. */
  failure?: string;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}` : String(e);
}

/** Run one mutated file through read -> verify -> write -> read and check the property. */
export function runCase(bytes: Uint8Array, source: string): CaseResult {
  const t0 = performance.now();
  const done = (r: Omit<CaseResult, 'ms'>): CaseResult => ({ ...r, ms: performance.now() - t0 });
  let graph;
  try {
    graph = readTflite(bytes, source).graph;
  } catch (e) {
    if (!(e instanceof TinypruneError)) return done({ outcome: 'rejected', failure: `reader threw ${describeError(e)}` });
    if (/internal error/.test(e.message)) return done({ outcome: 'rejected', failure: `reader bug: ${e.message.slice(0, 300)}` });
    return done({ outcome: 'rejected', code: e.code });
  }
  try {
    verifyGraph(graph);
  } catch (e) {
    if (!(e instanceof TinypruneError)) return done({ outcome: 'invalid-graph', failure: `verifyGraph threw ${describeError(e)}` });
    return done({ outcome: 'invalid-graph', code: e.code });
  }
  try {
    const again = readTflite(writeTflite(graph), `${source} (rewritten)`).graph;
    if (!isDeepStrictEqual(comparable(again), comparable(graph))) {
      return done({ outcome: 'valid-graph', failure: 'write -> read changed a verified graph' });
    }
  } catch (e) {
    return done({ outcome: 'valid-graph', failure: `rewriting a verified graph failed: ${describeError(e)}` });
  }
  return done({ outcome: 'valid-graph' });
}

export interface FuzzSummary {
  cases: number;
  outcomes: Record<Outcome, number>;
  codes: Record<string, number>;
  maxMs: number;
  slowest: string;
  failures: { seed: string; caseIndex: number; steps: string[]; failure: string }[];
}

/** Run `cases` deterministic cases from `seedValue`. */
export function fuzz(seeds: readonly Seed[], cases: number, seedValue: number, onProgress?: (done: number) => void): FuzzSummary {
  const rand = prng(seedValue);
  const summary: FuzzSummary = {
    cases: 0,
    outcomes: { rejected: 0, 'invalid-graph': 0, 'valid-graph': 0 },
    codes: {},
    maxMs: 0,
    slowest: '',
    failures: [],
  };
  for (let i = 0; i < cases; i++) {
    const { seed, mutant } = mutate(seeds, rand);
    const r = runCase(mutant.bytes, `fuzz#${i}(${seed.name})`);
    summary.cases++;
    summary.outcomes[r.outcome]++;
    if (r.code) summary.codes[r.code] = (summary.codes[r.code] ?? 0) + 1;
    if (r.ms > summary.maxMs) {
      summary.maxMs = r.ms;
      summary.slowest = `case ${i} (${seed.name}: ${mutant.steps.join('; ')})`;
    }
    if (r.failure) summary.failures.push({ seed: seed.name, caseIndex: i, steps: mutant.steps, failure: r.failure });
    if (onProgress && (i + 1) % 1000 === 0) onProgress(i + 1);
  }
  return summary;
}

/** The models to mutate: the hand-built fixtures always, every shared model when present. */
export function fuzzSeeds(): Seed[] {
  const seeds = [makeSeed('small_cnn', writeTflite(smallCnn())), makeSeed('elementwise', writeTflite(elementwiseGraph()))];
  for (const file of sharedModels()) seeds.push(makeSeed(path.basename(file), new Uint8Array(readFileSync(file))));
  return seeds;
}
