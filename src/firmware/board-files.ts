/** tp_board.h and the linker script of a target, rendered from templates (pure). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Target } from '../boards/index.js';
import { needsBoot2 } from './flags.js';
import { packageRoot } from './paths.js';
import { hex32, renderTemplate } from './render.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const cComment = (s: string) => s.replace(/\*\//g, '* /').replace(/[\r\n]+/g, ' ');

/** Renders tp_board.h and the linker script for a target (pure: returns the texts). */
export function renderBoardFiles(target: Target, sizes: { stackBytes: number; heapBytes: number }): { header: string; linker: string } {
  const b = target.board;
  const describe =
    target.mode === 'emulate'
      ? `${b.name} emulated on ${target.qemuBoard!.name} (QEMU ${target.machine})`
      : target.mode === 'qemu'
        ? `${b.name} (QEMU ${target.machine})`
        : `${b.name} (device)`;
  const boardFile = `boards/${b.name}.json`;
  const layout = { sr: '0', isr: '1', lpuart: '2' } as const;
  const opCode = { write: 0, modify: 1, wait: 2 } as const;
  const header = renderTemplate('tp_board.h.hbs', {
    version: version(),
    target: describe,
    boardFile,
    boardName: b.name,
    emulated: target.mode === 'device' ? 0 : 1,
    boot2: needsBoot2(target),
    clockHz: target.clockHz,
    uart: {
      base: hex32(target.uart.base),
      baud: target.uart.baud,
      clockHz: target.uart.clockHz ?? target.clockHz,
      stm32Layout: target.uart.variant ? layout[target.uart.variant] : '',
      txPin: target.uart.txPin !== undefined ? String(target.uart.txPin) : '',
      rxPin: target.uart.rxPin !== undefined ? String(target.uart.rxPin) : '',
    },
    semihosting: target.semihosting ? 1 : 0,
    timerDwt: target.timer === 'dwt' ? 1 : 0,
    init: target.init.map((op) => ({
      op: opCode[op.op],
      address: hex32(op.address),
      mask: hex32(op.mask),
      value: hex32(op.value),
      why: cComment(op.why),
    })),
  });
  const linker = renderTemplate('tp_link.ld.hbs', {
    version: version(),
    target: describe,
    boardFile,
    flash: { origin: hex32(target.flash.origin), size: target.flash.size },
    ram: { origin: hex32(target.ram.origin), size: target.ram.size },
    regions: target.regions.map((r) => ({ name: r.name, upper: r.name.toUpperCase(), origin: hex32(r.origin), size: r.size })),
    stackBytes: sizes.stackBytes,
    heapBytes: sizes.heapBytes,
    boot2: needsBoot2(target),
  });
  return { header, linker };
}
