/**
 * Round trip on every shared model: read -> write -> read gives the same graph, writing is
 * deterministic and idempotent, and the written file keeps TFLM's layout rules (TFL3, version
 * 3, empty buffer 0, 16-byte aligned constant data).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FbReader } from '../../src/tflite/flatbuf.js';
import { readTfliteFile, readTflite } from '../../src/tflite/read.js';
import { BUFFER, MODEL } from '../../src/tflite/schema.js';
import { writeTflite } from '../../src/tflite/write.js';
import { comparable } from './comparable.js';
import { hasShared, sharedModels } from './shared-models.js';

/** Start offset and length of every buffer's data vector in a file. */
function bufferLayout(bytes: Uint8Array): { start: number; length: number }[] {
  const r = new FbReader(bytes, 'test');
  const model = r.root('model');
  const v = r.vectorField(model, MODEL.buffers, 4, 'buffers');
  if (!v) return [];
  return r.tableVector(v, (i) => `buffer ${i}`).map((t) => r.vectorField(t, BUFFER.data, 1, 'data') ?? { start: 0, length: 0 });
}

const models = sharedModels();

describe.skipIf(!hasShared)('TFLite round trip on the shared models', () => {
  it.each(models.map((m) => [path.basename(m), m]))('%s', (_name, file) => {
    const first = readTfliteFile(file).graph;
    const bytes = writeTflite(first);
    const { graph: second, warnings } = readTflite(bytes, 'written');
    expect(comparable(second)).toEqual(comparable(first));
    expect(warnings).toEqual([]);

    // Deterministic and idempotent.
    expect(Buffer.from(writeTflite(first)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(writeTflite(second)).equals(Buffer.from(bytes))).toBe(true);

    // TFLM's rules.
    expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('TFL3');
    const layout = bufferLayout(bytes);
    expect(layout[0]?.length).toBe(0);
    for (const { start, length } of layout) if (length > 0) expect(start % 16).toBe(0);
    const nConst = new Set(first.tensors.filter((t) => t.data).map((t) => t.data)).size;
    expect(layout.length).toBe(1 + nConst + first.metadata.length);
  });
});
