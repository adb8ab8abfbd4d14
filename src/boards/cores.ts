/**
 * Facts about each Cortex-M core and each QEMU machine that the board rules and the firmware
 * build need. Sources: Arm's core TRMs (which options exist) and FIRMWARE.md (gcc flags and
 * QEMU machines measured on this project's machines).
 */
import type { Core, Fpu, QemuMachine, UartKind } from './schema.js';

export interface CoreFacts {
  /** Architecture, for humans and for choosing startup code paths. */
  arch: 'armv6-m' | 'armv7-m' | 'armv7e-m' | 'armv8-m.main' | 'armv8.1-m.main';
  fpus: readonly Fpu[];
  /** DSP extension: 'always', 'optional' or 'never'. */
  dsp: 'always' | 'optional' | 'never';
  mve: boolean;
  /** DWT with CYCCNT (real silicon; QEMU 7.2 reads 0). */
  cycleCounter: boolean;
}

export const CORE_FACTS: Record<Core, CoreFacts> = {
  'cortex-m0': { arch: 'armv6-m', fpus: ['none'], dsp: 'never', mve: false, cycleCounter: false },
  'cortex-m0plus': { arch: 'armv6-m', fpus: ['none'], dsp: 'never', mve: false, cycleCounter: false },
  'cortex-m3': { arch: 'armv7-m', fpus: ['none'], dsp: 'never', mve: false, cycleCounter: true },
  'cortex-m4': { arch: 'armv7e-m', fpus: ['none', 'fpv4-sp-d16'], dsp: 'always', mve: false, cycleCounter: true },
  'cortex-m7': { arch: 'armv7e-m', fpus: ['none', 'fpv5-sp-d16', 'fpv5-d16'], dsp: 'always', mve: false, cycleCounter: true },
  'cortex-m33': { arch: 'armv8-m.main', fpus: ['none', 'fpv5-sp-d16'], dsp: 'optional', mve: false, cycleCounter: true },
  'cortex-m55': { arch: 'armv8.1-m.main', fpus: ['none', 'fpv5-d16'], dsp: 'always', mve: true, cycleCounter: true },
};

export interface MachineFacts {
  core: Core;
  uart: UartKind;
}

export const MACHINE_FACTS: Record<QemuMachine, MachineFacts> = {
  'mps2-an385': { core: 'cortex-m3', uart: 'cmsdk' },
  'mps2-an386': { core: 'cortex-m4', uart: 'cmsdk' },
  'mps2-an500': { core: 'cortex-m7', uart: 'cmsdk' },
  'mps2-an505': { core: 'cortex-m33', uart: 'cmsdk' },
  'mps3-an547': { core: 'cortex-m55', uart: 'cmsdk' },
  lm3s6965evb: { core: 'cortex-m3', uart: 'pl011' },
  microbit: { core: 'cortex-m0', uart: 'nrf51' },
  netduinoplus2: { core: 'cortex-m4', uart: 'stm32-usart' },
};

/** ARMv6-M cores run each other's code unchanged (M0+ adds no instructions over M0). */
export function sameCoreFamily(a: Core, b: Core): boolean {
  const fam = (c: Core) => (c === 'cortex-m0plus' ? 'cortex-m0' : c);
  return fam(a) === fam(b);
}
