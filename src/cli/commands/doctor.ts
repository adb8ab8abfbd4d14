/**
 * tinyprune doctor: is everything tinyprune needs installed? One line per piece, OK or what is
 * missing with the command that installs it. Exit 0 when the emulated path (Node, Arm GCC,
 * QEMU) works, 1 otherwise — so CI can run it first and fail with the fix in the log.
 */
import type { Command } from '../command.js';
import { doctorChecks, emulatedPathReady, runDoctor, type CheckResult } from '../../doctor/checks.js';

const MARK: Record<CheckResult['status'], string> = { ok: 'OK     ', missing: 'MISSING', warn: 'WARN   ' };

function line(r: CheckResult): string {
  const head = `${MARK[r.status]} ${r.name.padEnd(22)} ${r.detail}`;
  const why = r.status === 'ok' ? '' : `\n        ${''.padEnd(22)} ${r.required ? 'required' : 'optional'}, for: ${r.purpose}`;
  // An OK check may still say how to do better (the training backend: tfjs-node over WASM).
  const fix = r.fix ? `\n        ${''.padEnd(22)} ${r.status === 'ok' ? 'better' : 'fix'}: ${r.fix}` : '';
  return head + why + fix;
}

export const doctorCommand: Command<'doctor'> = {
  spec: {
    name: 'doctor',
    summary: 'Check the tools tinyprune uses (Node, TF.js backend, Arm GCC, QEMU, GDB, flashers, serial access) and how to install what is missing.',
    usage: 'tinyprune doctor [--json]',
    positionals: [0, 0],
  },
  ignoresConfig: true,
  async run(args, io) {
    const configFile = args.options.config;
    const results = await runDoctor(doctorChecks({ cwd: io.cwd, ...(configFile !== undefined ? { configFile } : {}) }));
    const ok = emulatedPathReady(results);
    if (args.options.json) {
      io.out(JSON.stringify({ ok, checks: results }, null, 2) + '\n');
      return ok ? 0 : 1;
    }
    const missing = results.filter((r) => r.required && r.status !== 'ok').map((r) => r.name);
    io.out(
      results.map(line).join('\n') +
        '\n\n' +
        (ok
          ? 'The emulated path works: tinyprune can build for and run on QEMU boards.\n'
          : `Missing for the emulated path: ${missing.join(', ')}. Install them with the commands above.\n`),
    );
    return ok ? 0 : 1;
  },
};
