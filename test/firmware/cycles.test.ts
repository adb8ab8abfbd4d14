/**
 * Estimated cycles (firmware/qemu-plugin/tp_cycles.h): sequences of known timing run in QEMU
 * and priced with the Cortex-M4 and Cortex-M0 tables of the Arm manuals. Each segment is
 * measured against an empty one, so the marker calls cancel out; the instruction difference
 * proves the segment is what the test thinks it is.
 */
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, test } from 'vitest';

import { buildFirmware } from '../../src/firmware/build.js';
import { runQemu } from '../../src/firmware/qemu.js';
import { parsePluginOutput } from '../../src/firmware/plugin.js';
import { findTool } from '../../src/firmware/toolchain.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { runBuild } from '../../src/run/run.js';
import { writeTflite } from '../../src/tflite/write.js';
import { runCli } from '../helpers/cli.js';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
let tools = true;
try {
  findTool('arm-none-eabi-gcc');
  findTool('qemu-system-arm');
} catch {
  tools = false;
}

describe('parsePluginOutput', () => {
  test('instruction and cycle marks are kept apart; a file without core= has no cycles', () => {
    expect(parsePluginOutput('mark 10\ncmark 14\nmark 20\ncmark 31\ntotal 25\nctotal 40\n')).toEqual({ marks: [10, 20], instructions: 25, cycleMarks: [14, 31], estimatedCycles: 40 });
    expect(parsePluginOutput('mark 10\ntotal 12\n')).toEqual({ marks: [10], instructions: 12, cycleMarks: undefined, estimatedCycles: undefined });
  });
});

describe.skipIf(!tools)('estimated cycles in QEMU', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-cycles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function segments(board: string): Promise<{ insns: number[]; cycles: number[] }> {
    const fw = await buildFirmware({ board, sources: [path.join(fixtures, 'cycles.c')], outDir: path.join(dir, board) });
    const r = await runQemu({ board, elf: fw.elf, markers: true, cycles: true, markAddress: fw.markAddress });
    expect(r.exitCode).toBe(0);
    const m = r.marks!;
    const c = r.cycleMarks!;
    expect(c.length).toBe(m.length);
    const base = { i: m[1]! - m[0]!, c: c[1]! - c[0]! };
    const insns: number[] = [];
    const cycles: number[] = [];
    for (let k = 2; k + 1 < m.length; k += 2) {
      insns.push(m[k + 1]! - m[k]! - base.i);
      cycles.push(c[k + 1]! - c[k]! - base.c);
    }
    return { insns, cycles };
  }

  test('Cortex-M4 (mps2-an386): ALU 1, pipelined loads 2+1+1+1, MUL 1, taken branch 1+2, PUSH/POP 1+N, MLA/SMLAD 1, SDIV 7, VMLA 3', async () => {
    const { insns, cycles } = await segments('mps2-an386');
    expect(insns).toEqual([8, 4, 2, 11, 2, 4]);
    // loop: movs 1 + 5 x (subs 1 + bne 1) + 4 taken refills x 2 = 19
    expect(cycles).toEqual([8, 5, 2, 19, 10, 12]);
  });

  test('Cortex-M0 (microbit): loads 2 each, taken branch 3, the same run twice gives the same count', async () => {
    const a = await segments('microbit');
    expect(a.insns).toEqual([8, 4, 2, 11, 2]);
    // loop: movs 1 + 5 x (subs 1 + bne 1) + 4 taken x 2 = 19; PUSH/POP 2 x (1 + 4)
    expect(a.cycles).toEqual([8, 8, 2, 19, 10]);
    const b = await segments('microbit');
    expect(b.cycles).toEqual(a.cycles);
  });

  test('runBuild estimates cycles only when asked; the instruction counts and outputs are the same either way', async () => {
    const model = path.join(dir, 'synth.tflite');
    writeFileSync(model, writeTflite(synthDigitsCnn(5)));
    const out = path.join(dir, 'synth');
    const b = await runCli(['build', '--board', 'mps2-an386', model, '-o', out]);
    expect(b.code, b.stderr).toBe(0);
    const input = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
    const counted = await runBuild({ dir: out, input });
    const priced = await runBuild({ dir: out, input, cycles: true });
    expect(counted.estimatedCycles).toBeUndefined();
    expect(priced.estimatedCycles.core).toBe('cortex-m4');
    expect(priced.estimatedCycles.layers).toHaveLength(7);
    expect(priced.estimatedCycles.total).toBeGreaterThan(priced.instructions.total);
    expect(counted.instructions).toEqual(priced.instructions);
    expect(counted.outputs).toEqual(priced.outputs);
  });
});
