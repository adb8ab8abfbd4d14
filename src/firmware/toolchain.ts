/**
 * Finding the external tools: the Arm GNU toolchain, QEMU, gdb and the host C compiler.
 * A missing tool is an E_TOOL_MISSING error that says which package installs it.
 *
 * Overrides (for toolchains outside PATH): TINYPRUNE_ARM_PREFIX (e.g.
 * "/opt/arm-gnu/bin/arm-none-eabi-"), TINYPRUNE_QEMU, TINYPRUNE_GDB, CC.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

import { TinypruneError } from '../errors.js';

export type ArmTool = 'gcc' | 'objcopy' | 'objdump' | 'nm' | 'size' | 'addr2line';
export type ToolName = `arm-none-eabi-${ArmTool}` | 'qemu-system-arm' | 'gdb-multiarch' | 'cc';

const INSTALL_HINT: Record<ToolName, string> = {
  'arm-none-eabi-gcc': 'sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi',
  'arm-none-eabi-objcopy': 'sudo apt-get install binutils-arm-none-eabi',
  'arm-none-eabi-objdump': 'sudo apt-get install binutils-arm-none-eabi',
  'arm-none-eabi-nm': 'sudo apt-get install binutils-arm-none-eabi',
  'arm-none-eabi-size': 'sudo apt-get install binutils-arm-none-eabi',
  'arm-none-eabi-addr2line': 'sudo apt-get install binutils-arm-none-eabi',
  'qemu-system-arm': 'sudo apt-get install qemu-system-arm',
  'gdb-multiarch': 'sudo apt-get install gdb-multiarch',
  cc: 'sudo apt-get install gcc (or build-essential)',
};

export function installHint(tool: ToolName): string {
  return INSTALL_HINT[tool];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? path.resolve(name) : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function candidate(tool: ToolName): string {
  const env = process.env;
  if (tool.startsWith('arm-none-eabi-') && env['TINYPRUNE_ARM_PREFIX']) {
    return env['TINYPRUNE_ARM_PREFIX'] + tool.slice('arm-none-eabi-'.length);
  }
  if (tool === 'qemu-system-arm' && env['TINYPRUNE_QEMU']) return env['TINYPRUNE_QEMU'];
  if (tool === 'gdb-multiarch' && env['TINYPRUNE_GDB']) return env['TINYPRUNE_GDB'];
  if (tool === 'cc' && env['CC']) return env['CC'];
  return tool;
}

/** Absolute path of a tool; throws E_TOOL_MISSING with the install command. */
export function findTool(tool: ToolName): string {
  const name = candidate(tool);
  const found = which(name) ?? (tool === 'cc' && name === 'cc' ? which('gcc') : undefined);
  if (found === undefined) {
    throw new TinypruneError('E_TOOL_MISSING', `${name} not found`, {
      where: name.includes('/') ? name : `PATH=${process.env['PATH'] ?? ''}`,
      hint: `install it: ${INSTALL_HINT[tool]}`,
    });
  }
  return found;
}

/** True when the tool can be found (for tests that skip without it). */
export function hasTool(tool: ToolName): boolean {
  try {
    findTool(tool);
    return true;
  } catch {
    return false;
  }
}
