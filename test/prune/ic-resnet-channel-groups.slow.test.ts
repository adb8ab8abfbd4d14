/**
 * SLOW (two firmware builds and QEMU runs, one to three minutes): the MLPerf Tiny IC ResNet
 * channel-pruned by 50% over its dependency groups (magnitude criterion: there is no CIFAR-10
 * here), built for mps2-an386, run in QEMU and compared byte for byte with the interpreter on
 * the pruned model; its arena and weights must be smaller than the dense build's. The
 * instruction counts are printed, not asserted (they are measurements).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/firmware/toolchain.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { Prng } from '../../src/util/prng.js';
import { runCli } from '../helpers/cli.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools || !hasShared) console.warn('[skip] IC ResNet channel groups in QEMU: needs arm-none-eabi-gcc, qemu-system-arm and ../shared');

describe.skipIf(!haveTools || !hasShared)('[slow] IC ResNet pruned 50% by channel groups, in QEMU', () => {
  it('builds, runs bit-exact against the interpreter, with a smaller arena and weights than dense', async () => {
    const model = sharedPath('models/mlperf-tiny/ic/pretrainedResnet_quant.tflite');
    const root = mkdtempSync(path.join(tmpdir(), 'tp-ic-groups-'));
    const plan = path.join(root, 'plan.json');
    writeFileSync(plan, JSON.stringify({ granularity: 'channel', sparsity: 0.5 }));
    const dense = path.join(root, 'dense');
    const pruned = path.join(root, 'pruned');
    for (const [out, extra] of [[dense, []], [pruned, ['--plan', plan, '--unverified']]] as const) {
      const r = await runCli(['build', '--board', 'mps2-an386', model, '-o', out, '--measure', '-q', ...extra]);
      expect(r.code, r.stderr).toBe(0);
    }
    const report = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const [d, p] = [report(dense), report(pruned)];
    expect(p.ram.arena).toBeLessThan(d.ram.arena);
    expect(p.flash.weights).toBeLessThan(d.flash.weights);
    // Both sides of every coupled conv lost half their channels (residual groups included).
    const convShapes = (file: string) => {
      const g = readTfliteFile(file).graph;
      return g.ops.filter((o) => o.opcode === 'CONV_2D').map((o) => g.tensors[o.inputs[1]!]!.shape);
    };
    const before = convShapes(model);
    const after = convShapes(path.join(pruned, 'model.tflite'));
    after.forEach((s, i) => {
      expect(s[0]).toBe(before[i]![0]! / 2);
      expect(s[3]).toBe(i === 0 ? 3 : before[i]![3]! / 2);
    });
    const rng = new Prng(13);
    for (const k of [0, 1]) {
      const input = path.join(root, `in${k}.bin`);
      writeFileSync(input, Uint8Array.from({ length: 32 * 32 * 3 }, () => rng.int(0, 255)));
      const onBoard = path.join(root, `run${k}.bin`);
      const reference = path.join(root, `interp${k}.bin`);
      const run = await runCli(['run', '--board', 'mps2-an386', pruned, '--input', input, '--output', onBoard, '-q']);
      expect(run.code, run.stderr).toBe(0);
      const interp = await runCli(['interpret', path.join(pruned, 'model.tflite'), '--input', input, '--output', reference, '-q']);
      expect(interp.code, interp.stderr).toBe(0);
      expect(readFileSync(onBoard)).toEqual(readFileSync(reference));
    }
    console.log(`IC ResNet mps2-an386: dense ${d.measured.instructions} instructions, arena ${d.ram.arena} B, flash ${d.flash.total} B; channel groups 50%: ${p.measured.instructions} instructions, arena ${p.ram.arena} B, flash ${p.flash.total} B`);
  }, 900_000);
});
