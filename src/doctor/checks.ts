/**
 * What `tinyprune doctor` checks (issue #8): one named check per line, in the order a user
 * needs the pieces — Node and the training backend, the emulated path (Arm GCC, QEMU), then
 * what real boards and reports need (GDB, socat, the flashers, Chromium, serial access).
 * Install commands come from where the tools are used (src/firmware/toolchain.ts,
 * src/device/flashers.ts, src/device/transport.ts), so doctor and the error a command would
 * throw give the same advice.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { findTool, installHint, which, type ToolName } from '../firmware/toolchain.js';
import { FLASHERS, FLASHER_NAMES } from '../device/flashers.js';
import { loadConfig } from '../config/load.js';
import { CONFIG_FILE } from '../config/schema.js';

export type CheckStatus = 'ok' | 'missing' | 'warn';

export interface CheckResult {
  /** "node", "arm-none-eabi-gcc", "flasher openocd" … */
  name: string;
  /** What tinyprune uses it for. */
  purpose: string;
  /** Needed for the emulated path (build + run in QEMU): doctor exits 1 without it. */
  required: boolean;
  status: CheckStatus;
  /** Version, path, or what is wrong. */
  detail: string;
  /** The command (or step) that fixes a missing / warned piece. */
  fix?: string;
}

export interface Check {
  name: string;
  purpose: string;
  required: boolean;
  run(): Promise<Omit<CheckResult, 'name' | 'purpose' | 'required'>> | Omit<CheckResult, 'name' | 'purpose' | 'required'>;
}

/** The version line `<tool> <args>` prints (OpenOCD prints it on stderr), or ''. */
function firstLine(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (lines.find((l) => /version/i.test(l)) ?? lines[0] ?? '').trim().slice(0, 100);
}

function toolCheck(tool: ToolName, purpose: string, required: boolean, versionArgs = ['--version']): Check {
  return {
    name: tool,
    purpose,
    required,
    run() {
      try {
        const file = findTool(tool);
        const version = firstLine(file, versionArgs);
        return { status: 'ok', detail: version ? `${version} (${file})` : file };
      } catch {
        return { status: 'missing', detail: 'not found on PATH', fix: installHint(tool) };
      }
    },
  };
}

/** A program found by name on PATH (tools tinyprune does not run through findTool). */
function programCheck(name: string, candidates: string[], purpose: string, fix: string, versionArgs = ['--version']): Check {
  return {
    name,
    purpose,
    required: false,
    run() {
      for (const c of candidates) {
        const file = which(c);
        if (file) {
          const version = firstLine(file, versionArgs);
          return { status: 'ok', detail: version ? `${version} (${file})` : file };
        }
      }
      return { status: 'missing', detail: `${candidates.join(' / ')} not found on PATH`, fix };
    },
  };
}

export const MIN_NODE_MAJOR = 20;

const nodeCheck: Check = {
  name: 'node',
  purpose: 'runs tinyprune',
  required: true,
  run() {
    const major = Number(process.versions.node.split('.')[0]);
    return major >= MIN_NODE_MAJOR
      ? { status: 'ok', detail: `v${process.versions.node}` }
      : { status: 'missing', detail: `v${process.versions.node} is older than ${MIN_NODE_MAJOR}`, fix: `install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org, or nvm install ${MIN_NODE_MAJOR})` };
  },
};

const backendCheck: Check = {
  name: 'tfjs backend',
  purpose: 'training and fine-tuning in `tinyprune prune`',
  required: false,
  async run() {
    try {
      // Lazy: loading TF.js takes a while and only prune needs it.
      const { initBackend, describeBackend, TFJS_NODE_INSTALL } = await import('../train/backend.js');
      const b = await initBackend('auto');
      const native = `for native speed: ${TFJS_NODE_INSTALL.checkout} (in a tinyprune checkout; needs network access for libtensorflow), or ${TFJS_NODE_INSTALL.global}`;
      if (b.name === 'cpu') {
        return { status: 'warn', detail: `training will use ${describeBackend(b)}`, fix: `npm ci (restores @tensorflow/tfjs-backend-wasm); ${native}` };
      }
      return { status: 'ok', detail: `training will use ${describeBackend(b)}`, ...(b.name === 'wasm' ? { fix: native } : {}) };
    } catch (e) {
      return { status: 'missing', detail: `TF.js failed to load: ${(e as Error).message.split('\n')[0]}`, fix: 'npm ci (reinstall the dependencies)' };
    }
  },
};

/** The exec flashers of the registry; GDB loads are covered by the gdb-multiarch line. */
function flasherChecks(): Check[] {
  return FLASHER_NAMES.filter((n) => FLASHERS[n].kind === 'exec').map((n) => {
    const f = FLASHERS[n];
    return programCheck(`flasher ${n}`, [f.program!], f.description, f.install, n === 'bossac' ? ['--help'] : ['--version']);
  });
}

/** The gid of a group by name, from /etc/group (undefined when there is no such group). */
function groupId(name: string): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    return line ? Number(line.split(':')[2]) : undefined;
  } catch {
    return undefined;
  }
}

const serialCheck: Check = {
  name: 'serial ports',
  purpose: 'talking to real boards (tinyprune bench/run on a device)',
  required: false,
  async run() {
    if (process.platform !== 'linux') return { status: 'ok', detail: `not checked on ${process.platform}` };
    const { PERMISSION_HINT } = await import('../device/transport.js');
    const ports = readdirSync('/dev')
      .filter((f) => /^tty(ACM|USB)\d+$/.test(f))
      .map((f) => `/dev/${f}`);
    const denied: string[] = [];
    for (const p of ports) {
      try {
        // O_NONBLOCK: a port whose modem lines are down would otherwise block the open.
        closeSync(openSync(p, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM') denied.push(p);
      }
    }
    const dialout = groupId('dialout') ?? groupId('uucp');
    const inGroup = process.getuid?.() === 0 || (dialout !== undefined && (process.getgroups?.() ?? []).includes(dialout));
    const who = `${userInfo().username} ${inGroup ? 'can use' : 'is not in the group of'} serial ports`;
    if (denied.length > 0) return { status: 'warn', detail: `cannot open ${denied.join(', ')}; ${who}`, fix: PERMISSION_HINT };
    if (ports.length === 0) {
      return inGroup
        ? { status: 'ok', detail: `${who}; no /dev/ttyACM* or /dev/ttyUSB* now (no board plugged in)` }
        : { status: 'warn', detail: `${who}; no /dev/ttyACM* or /dev/ttyUSB* now (no board plugged in)`, fix: PERMISSION_HINT };
    }
    return { status: 'ok', detail: `${ports.join(', ')} can be opened` };
  },
};

function configCheck(cwd: string, file: string | undefined): Check {
  return {
    name: 'config file',
    purpose: 'defaults for build and prune',
    required: false,
    run() {
      try {
        const c = loadConfig(cwd, file);
        return { status: 'ok', detail: c ? `${c.file} is valid` : `no ${CONFIG_FILE} here (optional)` };
      } catch (e) {
        // The problem lines of the E_CONFIG message, without the long "allowed:" lists.
        const [first, ...rest] = (e as Error).message.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
        const problems = rest.filter((l) => !l.startsWith('allowed:')).join(' ').replace(/^- /, '').replace(/ - /g, '; ');
        return { status: 'warn', detail: first!, fix: problems || 'fix the file' };
      }
    },
  };
}

export interface DoctorOptions {
  /** Where to look for tinyprune.config.json, or the file given with --config. */
  cwd: string;
  configFile?: string;
}

/** Every check, in the order they are shown. */
export function doctorChecks(o: DoctorOptions): Check[] {
  return [
    nodeCheck,
    backendCheck,
    toolCheck('arm-none-eabi-gcc', 'compiles the generated C and the firmware', true),
    toolCheck('qemu-system-arm', 'runs firmware on emulated boards (build --measure, run, bench)', true),
    toolCheck('gdb-multiarch', 'loads firmware through QEMU or a probe\'s GDB server (flash --flasher gdb)', false),
    programCheck('socat', ['socat'], 'virtual serial links for testing the device path without a board', 'sudo apt-get install socat', ['-V']),
    ...flasherChecks(),
    programCheck('chromium', ['chromium', 'chromium-browser', 'google-chrome'], 'screenshots of HTML reports', 'sudo apt-get install chromium'),
    serialCheck,
    configCheck(o.cwd, o.configFile),
  ];
}

export async function runDoctor(checks: Check[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const c of checks) out.push({ name: c.name, purpose: c.purpose, required: c.required, ...(await c.run()) });
  return out;
}

/** The emulated path works: every required check is ok. */
export function emulatedPathReady(results: readonly CheckResult[]): boolean {
  return results.every((r) => !r.required || r.status === 'ok');
}
