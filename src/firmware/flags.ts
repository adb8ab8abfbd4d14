/**
 * gcc flags and platform sources of a target: what the firmware build compiles with (FIRMWARE.md).
 */
import path from 'node:path';

import type { BoardProfile, Target } from '../boards/index.js';
import { platformDir } from './paths.js';

const PLATFORM_COMMON = ['tp_startup.c', 'tp_semihost.c', 'tp_console.c', 'tp_timer.c', 'tp_mark.c', 'tp_syscalls.c'];

const UART_SOURCE: Record<BoardProfile['uart']['kind'], string> = {
  cmsdk: 'tp_uart_cmsdk.c',
  pl011: 'tp_uart_pl011.c',
  // The RP2040's UART is a PL011; its resets, clocks and pin functions are the profile's init.
  rp2040: 'tp_uart_pl011.c',
  nrf51: 'tp_uart_nrf51.c',
  'nrf52-uarte': 'tp_uart_nrf52_uarte.c',
  'stm32-usart': 'tp_uart_stm32_usart.c',
};

/** A device build of a board that boots through a second-stage bootloader (RP2040). */
export function needsBoot2(target: Target): boolean {
  return target.mode === 'device' && target.board.boot2 !== undefined;
}

/** The platform C files a target needs. */
export function platformSources(target: Target): string[] {
  return [...PLATFORM_COMMON, UART_SOURCE[target.uart.kind]].map((f) => path.join(platformDir(), f));
}

/** gcc code-generation flags for a board's core, FPU and extensions (FIRMWARE.md table). */
export function cpuFlags(board: BoardProfile): string[] {
  const flags = ['-mthumb'];
  switch (board.core) {
    case 'cortex-m0':
    case 'cortex-m0plus':
    case 'cortex-m3':
      return [...flags, `-mcpu=${board.core}`, '-mfloat-abi=soft'];
    case 'cortex-m4':
    case 'cortex-m7':
      return board.fpu === 'none'
        ? [...flags, `-mcpu=${board.core}`, '-mfloat-abi=soft']
        : [...flags, `-mcpu=${board.core}`, `-mfpu=${board.fpu}`, '-mfloat-abi=hard'];
    case 'cortex-m33': {
      const cpu = `-mcpu=cortex-m33${board.dsp ? '' : '+nodsp'}${board.fpu === 'none' ? '+nofp' : ''}`;
      return board.fpu === 'none'
        ? [...flags, cpu, '-mfloat-abi=soft']
        : [...flags, cpu, `-mfpu=${board.fpu}`, '-mfloat-abi=hard'];
    }
    case 'cortex-m55': {
      // -mcpu=cortex-m55 means FPU + MVE with float; features are removed with +no...
      if (board.fpu === 'none') return [...flags, '-mcpu=cortex-m55+nofp+nomve', '-mfloat-abi=soft'];
      const mve = board.mve === 'float' ? '' : board.mve === 'int' ? '+nomve.fp' : '+nomve';
      return [...flags, `-mcpu=cortex-m55${mve}`, '-mfloat-abi=hard'];
    }
  }
}

/** -D flags: { NAME: value } (true → -DNAME, false → left out) or raw "NAME=value" strings. */
export function defineFlags(defines: Record<string, string | number | boolean> | string[] | undefined): string[] {
  if (!defines) return [];
  if (Array.isArray(defines)) return defines.map((d) => `-D${d}`);
  return Object.entries(defines)
    .filter(([, v]) => v !== false)
    .map(([k, v]) => (v === true ? `-D${k}` : `-D${k}=${v}`));
}
