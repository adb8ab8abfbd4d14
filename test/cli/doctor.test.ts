import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

interface DoctorJson {
  ok: boolean;
  checks: { name: string; status: 'ok' | 'missing' | 'warn'; required: boolean; detail: string; fix?: string; purpose: string }[];
}

/** Runs with these environment variables changed (undefined = removed), restored afterwards. */
async function withEnv<T>(changes: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (vals: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(vals)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    return await f();
  } finally {
    apply(saved);
  }
}

describe('tinyprune doctor', () => {
  it('--json: one entry per check, node first, the emulated-path tools marked required', async () => {
    const r = await runCli(['doctor', '--json']);
    const out = JSON.parse(r.stdout) as DoctorJson;
    expect(out.checks[0]).toMatchObject({ name: 'node', status: 'ok', required: true });
    const names = out.checks.map((c) => c.name);
    for (const n of ['tfjs backend', 'arm-none-eabi-gcc', 'qemu-system-arm', 'gdb-multiarch', 'socat', 'flasher openocd', 'flasher pyocd', 'flasher probe-rs', 'flasher st-flash', 'flasher bossac', 'flasher dfu-util', 'chromium', 'serial ports']) {
      expect(names).toContain(n);
    }
    expect(out.checks.filter((c) => c.required).map((c) => c.name)).toEqual(['node', 'arm-none-eabi-gcc', 'qemu-system-arm']);
    for (const c of out.checks) if (c.status === 'missing') expect(c.fix, c.name).toBeTruthy();
    expect(r.code).toBe(out.ok ? 0 : 1);
  }, 60_000);

  it('with PATH stripped: names the missing tools with their install commands and exits 1', async () => {
    const r = await withEnv({ PATH: '/nonexistent', TINYPRUNE_ARM_PREFIX: undefined, TINYPRUNE_QEMU: undefined, TINYPRUNE_GDB: undefined }, () => runCli(['doctor', '--json']));
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as DoctorJson;
    expect(out.ok).toBe(false);
    const gcc = out.checks.find((c) => c.name === 'arm-none-eabi-gcc')!;
    expect(gcc).toMatchObject({ status: 'missing', required: true });
    expect(gcc.fix).toMatch(/apt-get install gcc-arm-none-eabi/);
    expect(out.checks.find((c) => c.name === 'qemu-system-arm')!.fix).toMatch(/apt-get install qemu-system-arm/);
    expect(out.checks.find((c) => c.name === 'flasher openocd')!.fix).toBe('sudo apt-get install openocd');
  }, 60_000);

  it('the table: one line per check, MISSING with the fix, and what is missing for the emulated path', async () => {
    const r = await withEnv({ PATH: '/nonexistent', TINYPRUNE_ARM_PREFIX: undefined, TINYPRUNE_QEMU: undefined }, () => runCli(['doctor']));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^OK {6}node {19}v\d+\./m);
    expect(r.stdout).toMatch(/^MISSING qemu-system-arm .*\n.*required, for: .*\n.*fix: sudo apt-get install qemu-system-arm$/m);
    expect(r.stdout).toMatch(/Missing for the emulated path: arm-none-eabi-gcc, qemu-system-arm\./);
  }, 60_000);

  it('reports a bad tinyprune.config.json instead of failing on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-doctor-'));
    writeFileSync(join(dir, 'tinyprune.config.json'), JSON.stringify({ bord: 'mps2-an386' }));
    const r = await runCli(['doctor', '--json'], dir);
    const out = JSON.parse(r.stdout) as DoctorJson;
    const c = out.checks.find((x) => x.name === 'config file')!;
    expect(c).toMatchObject({ status: 'warn', required: false });
    expect(c.fix).toMatch(/"bord": unknown key .* did you mean "board"\?/);
  }, 60_000);
});
