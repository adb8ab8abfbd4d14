/**
 * Long fuzz run of the TFLite reader -> verifier -> writer (the property is in
 * test/tflite/fuzz-lib.ts). Usage:
 *
 *   npm run bench:fuzz -- [cases=100000] [seed=1]
 *
 * Prints cases/s, the outcome mix and every failure with the steps that reproduce it; exits 1
 * when any case fails.
 */
import { fuzz, fuzzSeeds } from '../test/tflite/fuzz-lib.js';

function intArg(i: number, def: number): number {
  const v = process.argv[i];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`usage: npm run bench:fuzz -- [cases] [seed]   (got '${v}')`);
    process.exit(2);
  }
  return n;
}

const cases = intArg(2, 100_000);
const seed = intArg(3, 1);
const seeds = fuzzSeeds();
console.log(`fuzzing ${cases} cases from seed ${seed} over ${seeds.length} models: ${seeds.map((s) => s.name).join(', ')}`);

const t0 = performance.now();
const chunk = 10_000;
let failures = 0;
let done = 0;
let maxMs = 0;
let slowest = '';
const outcomes: Record<string, number> = {};
const codes: Record<string, number> = {};
// Chunks with derived seeds keep progress output regular without changing the case stream's
// determinism for a given (cases, seed).
for (let c = 0; done < cases; c++) {
  const n = Math.min(chunk, cases - done);
  const s = fuzz(seeds, n, (seed * 1_000_003 + c) >>> 0);
  done += n;
  for (const [k, v] of Object.entries(s.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.codes)) codes[k] = (codes[k] ?? 0) + v;
  if (s.maxMs > maxMs) {
    maxMs = s.maxMs;
    slowest = `chunk ${c} ${s.slowest}`;
  }
  for (const f of s.failures) {
    failures++;
    if (failures <= 50) console.log(`FAIL chunk ${c} case ${f.caseIndex} (${f.seed}): ${f.failure}\n  steps: ${f.steps.join('; ')}`);
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`${done}/${cases} cases, ${(done / secs).toFixed(0)} cases/s, ${failures} failures`);
}
const secs = (performance.now() - t0) / 1000;
console.log(`done: ${done} cases in ${secs.toFixed(1)} s (${(done / secs).toFixed(0)} cases/s)`);
console.log(`outcomes: ${JSON.stringify(outcomes)}`);
console.log(`error codes: ${JSON.stringify(codes)}`);
console.log(`slowest case: ${maxMs.toFixed(1)} ms (${slowest})`);
console.log(`failures: ${failures}`);
process.exit(failures > 0 ? 1 : 0);
