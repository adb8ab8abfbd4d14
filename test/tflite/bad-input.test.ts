/**
 * Bad input must come back as a TinypruneError with a message naming the file and the part
 * at fault — quickly, never as a RangeError/TypeError, a hang or a huge allocation.
 */
import { readFileSync } from 'node:fs';
import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { TinypruneError } from '../../src/errors.js';
import { readTflite } from '../../src/tflite/read.js';
import { MODEL, OPERATOR, SUBGRAPH, TENSOR } from '../../src/tflite/schema.js';
import { writeTflite } from '../../src/tflite/write.js';
import { clone, smallCnn } from '../ir/fixtures.js';
import { Locator, patchU32 } from './raw.js';
import { hasShared, sharedModel } from './shared-models.js';

const SOURCE = 'model-under-test.tflite';

function rejects(bytes: Uint8Array, code: string, re: RegExp): TinypruneError {
  const t0 = performance.now();
  let err: unknown;
  try {
    readTflite(bytes, SOURCE);
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  expect(err, 'expected a TinypruneError').toBeInstanceOf(TinypruneError);
  const te = err as TinypruneError;
  expect(te.message).not.toMatch(/internal error/);
  expect({ code: te.code, message: te.message }).toMatchObject({ code, message: expect.stringMatching(re) });
  expect(te.message).toContain(SOURCE);
  expect(ms).toBeLessThan(1000);
  return te;
}

/** Bytes of a valid model: person_detect when ../shared is there, else the hand-built CNN. */
const personDetect = hasShared ? new Uint8Array(readFileSync(sharedModel('person_detect.tflite')!)) : undefined;
const small = writeTflite(smallCnn());

describe('bad input: headers', () => {
  it('zero-length and tiny files', () => {
    rejects(new Uint8Array(0), 'E_TFLITE_TRUNCATED', /0 bytes.*at least an 8-byte header/);
    rejects(small.subarray(0, 7), 'E_TFLITE_TRUNCATED', /7 bytes/);
  });

  it('garbage bytes', () => {
    let s = 12345;
    const garbage = Uint8Array.from({ length: 4096 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    rejects(garbage, 'E_TFLITE_IDENTIFIER', /not a TFLite model.*expected the identifier 'TFL3'/);
    // Garbage that happens to carry the identifier still fails cleanly.
    const tagged = garbage.slice();
    tagged.set([0x54, 0x46, 0x4c, 0x33], 4);
    expect(() => readTflite(tagged, SOURCE)).toThrow(TinypruneError);
  });

  it('a file of another kind is named (a JPEG, PNG, HDF5, ZIP, JSON renamed .tflite)', () => {
    const withHead = (head: number[]) => Uint8Array.from([...head, ...new Array(64).fill(0)]);
    rejects(withHead([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), 'E_TFLITE_IDENTIFIER', /not a TFLite model: it is a JPEG image \(bytes 4\.\.7 are '\.\.JF'/);
    rejects(withHead([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'E_TFLITE_IDENTIFIER', /it is a PNG image/);
    rejects(withHead([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), 'E_TFLITE_IDENTIFIER', /it is an HDF5 file \(a Keras \.h5 model\?\)/);
    rejects(withHead([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), 'E_TFLITE_IDENTIFIER', /it is a ZIP archive/);
    rejects(new TextEncoder().encode('  {"format": "layers-model", "modelTopology": {}}'), 'E_TFLITE_IDENTIFIER', /it is JSON text/);
  });

  it('wrong identifier', () => {
    const b = small.slice();
    b.set([0x54, 0x46, 0x4c, 0x32], 4); // TFL2
    const e = rejects(b, 'E_TFLITE_IDENTIFIER', /bytes 4\.\.7 are 'TFL2'/);
    expect(e.hint).toMatch(/converter/);
  });

  it('schema version 2 and 4', () => {
    const loc = new Locator(small);
    const at = loc.field(loc.model, MODEL.version);
    rejects(patchU32(small, at, 2), 'E_TFLITE_VERSION', /schema version 2 is not supported \(only version 3\)/);
    rejects(patchU32(small, at, 4), 'E_TFLITE_VERSION', /schema version 4/);
  });

  it('root offset out of range', () => {
    rejects(patchU32(small, 0, 0xffffff00), 'E_TFLITE_TRUNCATED', /offset at byte 0 points to byte/);
    rejects(patchU32(small, 0, 0), 'E_TFLITE_MALFORMED', /points at itself/);
  });
});

describe.skipIf(!hasShared)('bad input: truncated person_detect', () => {
  const len = personDetect?.length ?? 0;
  it.each([8, 9, 12, 16, 64, 200, 1000, 4096, 50_000, Math.floor(len / 2), len - 1000, len - 17, len - 1])('cut at %i bytes', (n) => {
    rejects(personDetect!.subarray(0, n), 'E_TFLITE_TRUNCATED', /truncated or corrupt/);
  });
});

describe('bad input: structure', () => {
  const base = personDetect ?? small;

  it('a buffer index out of range names the tensor', () => {
    const loc = new Locator(base);
    const at = loc.field(loc.tensor(3), TENSOR.buffer);
    rejects(patchU32(base, at, 99_999), 'E_TFLITE_MALFORMED', /tensor 3 '[^']*'.*refers to buffer 99999 but the model has \d+ buffers/);
  });

  it('a self-referencing vector offset', () => {
    const loc = new Locator(base);
    const at = loc.field(loc.subgraph(), SUBGRAPH.tensors);
    rejects(patchU32(base, at, 0), 'E_TFLITE_MALFORMED', /offset at byte \d+ points at itself/);
  });

  it('a huge declared vector length', () => {
    const loc = new Locator(base);
    const at = loc.vectorStart(loc.tensor(0), TENSOR.shape) - 4;
    rejects(patchU32(base, at, 0x7fffffff), 'E_TFLITE_TRUNCATED', /declares 2147483647 elements/);
    const ops = loc.vectorStart(loc.subgraph(), SUBGRAPH.operators) - 4;
    rejects(patchU32(base, ops, 0xffffffff), 'E_TFLITE_TRUNCATED', /declares 4294967295 elements/);
  });

  it('operator code and tensor indices out of range name the operator', () => {
    const loc = new Locator(base);
    rejects(patchU32(base, loc.field(loc.operator(0), OPERATOR.opcodeIndex), 4000), 'E_TFLITE_MALFORMED', /operator 0: opcode_index 4000 is out of range \(the model has \d+ operator codes\)/);
    const inputs = loc.vectorStart(loc.operator(1), OPERATOR.inputs);
    rejects(patchU32(base, inputs + 4, 5000), 'E_TFLITE_MALFORMED', /operator 1 \([A-Z_0-9]+\): inputs\[1\] = 5000 is not a tensor index/);
    rejects(patchU32(base, inputs + 4, -7), 'E_TFLITE_MALFORMED', /inputs\[1\] = -7/);
  });

  it('a field outside its table, and a vtable outside the file', () => {
    const loc = new Locator(base);
    const t = loc.tensor(2);
    // Rewrite the vtable slot of 'buffer' to point far past the table's end.
    const slot = t.vtable + 4 + 2 * TENSOR.buffer;
    const b = base.slice();
    new DataView(b.buffer).setUint16(slot, 60_000, true);
    // Tensors share vtables, so the first tensor using this one is the one reported.
    rejects(b, 'E_TFLITE_MALFORMED', /tensor \d+ '[^']*'\.buffer: field lies outside its table \(offset 60000/);
    rejects(patchU32(base, t.pos, -0x7fffffff), 'E_TFLITE_TRUNCATED', /vtable of the table at byte/);
  });

  it('a shape with 2^40 elements, a negative dimension, an absurd rank', () => {
    const g = clone(smallCnn());
    g.tensors[3]!.shape = [1 << 20, 1 << 20];
    rejects(writeTflite(g), 'E_TFLITE_LIMIT', /tensor 3 'conv\/out' has shape \[1048576, 1048576\] = 1099511627776 elements/);
    g.tensors[3]!.shape = [1, -4];
    rejects(writeTflite(g), 'E_TFLITE_MALFORMED', /tensor 3 'conv\/out': shape \[1, -4\] has a negative dimension/);
    g.tensors[3]!.shape = new Array<number>(17).fill(1);
    rejects(writeTflite(g), 'E_TFLITE_LIMIT', /tensor 3 'conv\/out' has rank 17/);
    g.tensors[3]!.shape = [1 << 16, 1 << 14];
    g.tensors[3]!.dtype = 'float32';
    rejects(writeTflite(g), 'E_TFLITE_LIMIT', /would need 4294967296 bytes/);
  });

  it('a constant whose buffer does not match shape x dtype', () => {
    const g = clone(smallCnn());
    g.tensors[1]!.data = new Uint8Array(10);
    rejects(writeTflite(g), 'E_TFLITE_MALFORMED', /tensor 1 'conv\/w': constant data is 10 bytes but shape \[4, 3, 3, 3\] of int8 needs 108 bytes/);
  });

  it('aliased offsets cannot blow up time or memory', () => {
    // 20,000 tensors whose names all point at one 1 MB string: 20 GB if expanded.
    const b = new Builder(1 << 21);
    const name = b.createString('n'.repeat(1 << 20));
    const tensors: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      b.startObject(TENSOR.NUM_FIELDS);
      b.addFieldOffset(TENSOR.name, name, 0);
      tensors.push(b.endObject());
    }
    b.startVector(4, tensors.length, 4);
    for (let i = tensors.length - 1; i >= 0; i--) b.addOffset(tensors[i]!);
    const tv = b.endVector();
    b.startObject(SUBGRAPH.NUM_FIELDS);
    b.addFieldOffset(SUBGRAPH.tensors, tv, 0);
    const sub = b.endObject();
    b.startVector(4, 1, 4);
    b.addOffset(sub);
    const sv = b.endVector();
    b.startObject(MODEL.NUM_FIELDS);
    b.addFieldInt32(MODEL.version, 3, 0);
    b.addFieldOffset(MODEL.subgraphs, sv, 0);
    b.finish(b.endObject(), 'TFL3');
    rejects(b.asUint8Array(), 'E_TFLITE_LIMIT', /refers to the same data far more often than its size allows/);
  });
});
