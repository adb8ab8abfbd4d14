/**
 * `build --sparsity X --granularity channel` removes the weakest channels instead of zeroing
 * them (issue #13): the weights, the arena and the instructions shrink with them, the output
 * width stays, and the smaller model still runs bit-exact with the interpreter in QEMU.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/firmware/toolchain.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/shared.js';

const haveTools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
if (!haveTools) console.warn('[skip] build --granularity channel: arm-none-eabi-gcc or qemu-system-arm is missing');

const model = path.join(REPO_ROOT, 'examples/digits-dscnn/model.tflite');

describe.skipIf(!haveTools)('build --sparsity 0.5 --granularity channel', () => {
  it('removes half the channels of every layer but the output, and runs bit-exact', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tp-channel-'));
    const dense = path.join(root, 'dense');
    const half = path.join(root, 'half');
    for (const [out, extra] of [[dense, []], [half, ['--sparsity', '0.5', '--granularity', 'channel']]] as const) {
      const r = await runCli(['build', '--board', 'mps2-an386', model, ...extra, '-o', out, '-q']);
      expect(r.code, r.stderr).toBe(0);
    }
    const before = readTfliteFile(path.join(dense, 'model.tflite')).graph;
    const after = readTfliteFile(path.join(half, 'model.tflite')).graph;
    const widths = (g: typeof before) => g.ops.filter((o) => o.opcode === 'CONV_2D' || o.opcode === 'DEPTHWISE_CONV_2D').map((o) => g.tensors[o.outputs[0]!]!.shape.at(-1));
    expect(widths(after)).toEqual(widths(before).map((w) => Math.ceil(w! / 2)));
    expect(after.tensors[after.outputs[0]!]!.shape).toEqual(before.tensors[before.outputs[0]!]!.shape);
    const rd = JSON.parse(readFileSync(path.join(dense, 'report.json'), 'utf8'));
    const rh = JSON.parse(readFileSync(path.join(half, 'report.json'), 'utf8'));
    expect(rh.flash.weights).toBeLessThan(rd.flash.weights * 0.6);
    expect(rh.arena.bytes).toBeLessThan(rd.arena.bytes);
    // The pruned build runs in QEMU and agrees with the interpreter byte for byte.
    const run = await runCli(['bench', '--board', 'mps2-an386', half, '--iterations', '1', '--warmup', '0', '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(JSON.stringify(JSON.parse(run.stdout))).toMatch(/"match(es)?":\s*true|"mismatches":\s*0/);
  });
});
