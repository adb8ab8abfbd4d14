import { describe, expect, it } from 'vitest';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { readTflite } from '../../src/tflite/read.js';
import { writeTflite } from '../../src/tflite/write.js';
import { interpret } from '../../src/interp/interpret.js';

describe('synthetic digits CNN (the quick-start model)', () => {
  it('is a valid graph that survives write → read and runs', () => {
    const g = synthDigitsCnn(1);
    verifyGraph(g);
    const bytes = writeTflite(g);
    const back = readTflite(bytes, 'synthetic').graph;
    verifyGraph(back);
    expect(back.ops.map((o) => o.opcode)).toEqual(g.ops.map((o) => o.opcode));
    expect(writeTflite(back)).toEqual(bytes);
    const input = new Uint8Array(64).fill(0x80);
    const a = interpret(g, [input]).outputs[0]!;
    const b = interpret(back, [input]).outputs[0]!;
    expect(a).toEqual(b);
    // Probabilities at scale 1/256: they sum to about 1.
    const sum = Array.from(new Int8Array(a.buffer, a.byteOffset, a.length)).reduce((s, q) => s + (q + 128) / 256, 0);
    expect(sum).toBeGreaterThan(0.9);
    expect(sum).toBeLessThan(1.1);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(writeTflite(synthDigitsCnn(3))).toEqual(writeTflite(synthDigitsCnn(3)));
    expect(writeTflite(synthDigitsCnn(3))).not.toEqual(writeTflite(synthDigitsCnn(4)));
  });
});
