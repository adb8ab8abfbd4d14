/**
 * Rules across keys of a board profile that a per-key schema cannot express (an FPU the core
 * does not have, a UART kind the QEMU machine does not emulate, regions that overlap...).
 * Pure: returns issues and warnings, never throws.
 */
import type { Warning } from '../errors.js';
import { CORE_FACTS, MACHINE_FACTS } from './cores.js';
import type { BoardProfile } from './schema.js';
import { show, type Issue } from './spec.js';

export interface RuleResult {
  errors: Issue[];
  warnings: Warning[];
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

export function checkBoardRules(b: BoardProfile): RuleResult {
  const out: RuleResult = { errors: [], warnings: [] };
  checkCoreFeatures(b, out);
  checkUart(b, out);
  checkRegions(b, out);
  checkBudgets(b, out);
  checkEmulation(b, out);
  return out;
}

/** FPU, DSP and MVE against what the core can have. */
function checkCoreFeatures(b: BoardProfile, { errors, warnings }: RuleResult): void {
  const core = CORE_FACTS[b.core];

  if (!core.fpus.includes(b.fpu)) {
    errors.push({
      path: 'fpu',
      message: `${b.core} has no ${b.fpu} FPU`,
      value: show(b.fpu),
      allowed: core.fpus.map((f) => JSON.stringify(f)).join(', '),
    });
  }
  if (b.dsp && core.dsp === 'never') {
    errors.push({ path: 'dsp', message: `${b.core} has no DSP extension`, value: 'true', allowed: 'false' });
  }
  if (!b.dsp && core.dsp === 'always') {
    warnings.push({ code: 'W_BOARD_DSP', message: `${b.core} always has the DSP extension; "dsp": false only disables its use`, where: 'dsp' });
  }
  if (b.mve !== 'none' && !core.mve) {
    errors.push({ path: 'mve', message: `${b.core} has no M-profile Vector Extension (Helium)`, value: show(b.mve), allowed: '"none"' });
  }
  if (b.mve === 'float' && b.fpu === 'none') {
    errors.push({ path: 'mve', message: 'floating-point MVE needs the FPU', value: show(b.mve), allowed: '"int", or set "fpu"', hint: 'set "fpu": "fpv5-d16" or "mve": "int"' });
  }
}

/** The UART's register-layout variant, which only stm32-usart has and needs. */
function checkUart(b: BoardProfile, { errors }: RuleResult): void {
  if (b.uart.kind === 'stm32-usart' && b.uart.variant === undefined) {
    errors.push({
      path: 'uart.variant',
      message: 'stm32-usart needs its register layout',
      allowed: '"sr" (F1/F2/F4), "isr" (F0/F3/F7/L4/H7/U5), "lpuart"',
      hint: 'add "variant": "sr" for STM32F4, "isr" for newer families',
    });
  }
  if (b.uart.kind !== 'stm32-usart' && b.uart.variant !== undefined) {
    errors.push({ path: 'uart.variant', message: `"variant" only applies to stm32-usart, not ${b.uart.kind}`, value: show(b.uart.variant), hint: 'remove it' });
  }
}

/** Memory regions: inside the address space, not overlapping, uniquely named. */
function checkRegions(b: BoardProfile, { errors }: RuleResult): void {
  const regions = [
    { path: 'flash', name: 'flash', origin: b.flash.origin, size: b.flash.size },
    { path: 'ram', name: 'ram', origin: b.ram.origin, size: b.ram.size },
    ...b.regions.map((r, i) => ({ path: `regions[${i}]`, name: r.name, origin: r.origin, size: r.size })),
  ];
  for (const r of regions) {
    if (r.origin + r.size > 0x1_0000_0000) {
      errors.push({ path: `${r.path}.size`, message: `region ${r.name} ends past the 4 GiB address space`, value: String(r.size) });
    }
  }
  for (let i = 0; i < regions.length; i++) {
    for (let j = i + 1; j < regions.length; j++) {
      const a = regions[i]!;
      const c = regions[j]!;
      if (a.origin < c.origin + c.size && c.origin < a.origin + a.size) {
        errors.push({
          path: c.path,
          message: `region ${c.name} (${hex(c.origin)}+${c.size}) overlaps ${a.name} (${hex(a.origin)}+${a.size})`,
          hint: 'fix the origin or size of one of them',
        });
      }
    }
  }
  const names = new Set<string>();
  for (const [i, r] of b.regions.entries()) {
    if (r.name === 'flash' || r.name === 'ram' || names.has(r.name)) {
      errors.push({ path: `regions[${i}].name`, message: `duplicate region name ${JSON.stringify(r.name)}`, value: show(r.name) });
    }
    names.add(r.name);
  }
}

/** Reserved bytes, stack and heap against the memory there is. */
function checkBudgets(b: BoardProfile, { errors }: RuleResult): void {
  if (b.reservedBytes.flash >= b.flash.size) {
    errors.push({ path: 'reservedBytes.flash', message: `reserves all of flash (${b.flash.size} bytes)`, value: String(b.reservedBytes.flash) });
  }
  if (b.reservedBytes.ram >= b.ram.size) {
    errors.push({ path: 'reservedBytes.ram', message: `reserves all of RAM (${b.ram.size} bytes)`, value: String(b.reservedBytes.ram) });
  }
  if (b.stackBytes + b.heapBytes >= b.ram.size) {
    errors.push({
      path: 'stackBytes',
      message: `stack (${b.stackBytes}) + heap (${b.heapBytes}) leave no RAM of ${b.ram.size}`,
      value: String(b.stackBytes),
      hint: 'lower stackBytes/heapBytes',
    });
  }
  if (b.stackBytes % 8 !== 0) {
    errors.push({ path: 'stackBytes', message: 'the AAPCS needs an 8-byte aligned stack', value: String(b.stackBytes), allowed: 'a multiple of 8' });
  }
}

/** A QEMU board must match its machine; a real board should say how to emulate and flash it. */
function checkEmulation(b: BoardProfile, { errors, warnings }: RuleResult): void {
  if (b.qemu && b.emulateWith !== undefined) {
    errors.push({
      path: 'emulateWith',
      message: 'a board with "qemu" is emulated already; "emulateWith" is for real boards',
      value: show(b.emulateWith),
      hint: 'remove "emulateWith"',
    });
  }
  if (b.qemu) {
    const m = MACHINE_FACTS[b.qemu.machine];
    if (m.core !== b.core && b.qemu.cpu === undefined) {
      errors.push({
        path: 'core',
        message: `QEMU machine ${b.qemu.machine} emulates a ${m.core}, not a ${b.core}`,
        value: show(b.core),
        allowed: JSON.stringify(m.core),
      });
    }
    if (m.uart !== b.uart.kind) {
      errors.push({
        path: 'uart.kind',
        message: `QEMU machine ${b.qemu.machine} has a ${m.uart} UART, not ${b.uart.kind}`,
        value: show(b.uart.kind),
        allowed: JSON.stringify(m.uart),
      });
    }
  } else {
    if (b.emulateWith === undefined) {
      warnings.push({ code: 'W_BOARD_NO_EMULATION', message: 'no "emulateWith": this board cannot be run with --emulate', where: 'emulateWith' });
    }
    if (b.flashers.length === 0) {
      warnings.push({ code: 'W_BOARD_NO_FLASHER', message: 'no "flashers": tinyprune cannot flash this board', where: 'flashers' });
    }
  }
}
