/**
 * The threaded WASM build under Node (src/train/wasm/threads.ts): it initialises with the
 * threads asked for, and the gradients it computes are bit-identical to the single-threaded
 * build's (XNNPACK gives each output tile to one thread).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RUN = fileURLToPath(new URL('./fixtures/wasm_threads_run.ts', import.meta.url));

function run(threads: string): { threads: number; checksum: string; notes: string[] } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', RUN], { env: { ...process.env, TINYPRUNE_WASM_THREADS: threads }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { threads: number; checksum: string; notes: string[] };
}

describe('threaded WASM build', () => {
  it('runs with 2 threads and computes what 1 thread computes, bit for bit', () => {
    const one = run('1');
    const two = run('2');
    expect(one.threads).toBe(1);
    expect(two.notes).toEqual([]);
    expect(two.threads).toBe(2);
    expect(two.checksum).toBe(one.checksum);
  });

  it('ignores a malformed thread count and says so', () => {
    const r = run('two');
    expect(r.threads).toBe(1);
    expect(r.notes.join(' ')).toMatch(/TINYPRUNE_WASM_THREADS=two is not a positive integer/);
  });
});
