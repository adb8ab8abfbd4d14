import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, test } from 'vitest';

import { TinypruneError } from '../../src/errors.js';
import { buildHost, runHost } from '../../src/firmware/host.js';
import { hasTool } from '../../src/firmware/toolchain.js';

const hasCc = hasTool('cc');
if (!hasCc) console.warn('test/firmware/host.test.ts skipped: no host C compiler (sudo apt-get install gcc)');

const fixture = (f: string) => path.join(import.meta.dirname, 'fixtures', f);
const out = mkdtempSync(path.join(os.tmpdir(), 'tinyprune-host-'));

async function rejection(p: Promise<unknown>): Promise<TinypruneError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TinypruneError) return e;
    throw e;
  }
  throw new Error('expected a TinypruneError');
}

describe.skipIf(!hasCc)('host build and run', () => {
  test('builds, feeds stdin bytes, returns stdout', async () => {
    const { exe } = await buildHost({ sources: [fixture('host_sum.c')], outDir: out, name: 'sum' });
    const r = await runHost(exe, new Uint8Array([1, 2, 3, 250]), 10_000);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toBe('n=4 sum=256\n');
  });

  test('with sanitize, an out-of-bounds read is caught (non-zero exit, report on stderr)', async () => {
    const { exe, command } = await buildHost({ sources: [fixture('host_sum.c')], outDir: out, name: 'oob', sanitize: true, defines: { OOB: true } });
    expect(command).toContain('-fsanitize=address,undefined');
    expect(command).toContain('-ffp-contract=off');
    const r = await runHost(exe, 'abc', 30_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/AddressSanitizer|runtime error/);
  });

  test('a compile error is E_TOOL_FAILED with the compiler message', async () => {
    const src = path.join(out, 'broken.c');
    writeFileSync(src, 'int main(void) { return undeclared; }\n');
    const e = await rejection(buildHost({ sources: [src], outDir: out, name: 'broken' }));
    expect(e.code).toBe('E_TOOL_FAILED');
    expect(e.message).toContain('undeclared');
  });

  test('a hang is E_TIMEOUT', async () => {
    const src = path.join(out, 'hang.c');
    writeFileSync(src, 'int main(void) { volatile int x = 0; for (;;) { x++; } }\n');
    const { exe } = await buildHost({ sources: [src], outDir: out, name: 'hang' });
    const e = await rejection(runHost(exe, '', 500));
    expect(e.code).toBe('E_TIMEOUT');
  });
});
