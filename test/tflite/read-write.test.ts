/**
 * Reader and writer on small hand-built graphs and hand-built flatbuffers: every options table,
 * sparsity, custom ops, operator-code rules, data stored after the flatbuffer, hybrid and
 * per-channel models.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinypruneError } from '../../src/errors.js';
import type { ModelGraph, OptionValue } from '../../src/ir/graph.js';
import { readTflite, readTfliteFile } from '../../src/tflite/read.js';
import { ENUMS, MODEL, OPERATOR_CODE, OPTIONS_TABLES, type OptionsTable } from '../../src/tflite/schema.js';
import { writeTflite } from '../../src/tflite/write.js';
import { GraphBuilder, clone, elementwiseGraph, smallCnn } from '../ir/fixtures.js';
import { comparable } from './comparable.js';
import { Locator, rawModel } from './raw.js';
import { hasShared, sharedModel } from './shared-models.js';

function roundTrip(g: ModelGraph): ModelGraph {
  const { graph, warnings } = readTflite(writeTflite(g), 'roundtrip');
  expect(warnings).toEqual([]);
  return graph;
}

function expectError(fn: () => unknown, code: string, re: RegExp): TinypruneError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a TinypruneError').toBeInstanceOf(TinypruneError);
  const te = err as TinypruneError;
  expect(te.code).toBe(code);
  expect(te.message).toMatch(re);
  return te;
}

/** Non-default values for every field of an options table. */
function sampleOptions(table: OptionsTable): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  let bigUsed = false;
  for (const f of table.fields) {
    const ty = f.type;
    switch (ty.kind) {
      case 'scalar':
        if (ty.scalar === 'bool') out[f.name] = !ty.default;
        else if (ty.scalar === 'float32') out[f.name] = 0.5 + f.id;
        else if (ty.scalar === 'int64' && !bigUsed) {
          // Beyond 2^53: kept exactly as a decimal string.
          out[f.name] = '-9007199254740993';
          bigUsed = true;
        } else out[f.name] = (ty.scalar.startsWith('u') ? 3 : -3) + f.id * 7;
        break;
      case 'enum': {
        const names = ENUMS[ty.enumName] as readonly string[];
        out[f.name] = names[ty.default === names.length - 1 ? 0 : names.length - 1]!;
        break;
      }
      case 'string':
        out[f.name] = `s_${f.schemaName}`;
        break;
      case 'vector':
        out[f.name] =
          ty.scalar === 'float32' ? [0.5, -1.25, 3] : ty.scalar === 'bool' || ty.scalar.startsWith('u') ? [1, 0, 1] : [-2, 5, 1 << 20];
        break;
    }
  }
  return out;
}

describe('writer -> reader on hand-built graphs', () => {
  it('small CNN (per-channel weights, metadata) and elementwise graph round-trip exactly', () => {
    for (const g of [smallCnn(), elementwiseGraph()]) {
      expect(comparable(roundTrip(g))).toEqual(comparable(g));
    }
  });

  it('every options table of both unions round-trips with non-default values', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [4], 'float32');
    b.g.inputs = [x];
    const tables = [...OPTIONS_TABLES.values()];
    expect(tables.length).toBe(126 + 23);
    for (const table of tables) {
      const y = b.tensor(`y_${table.name}`, [4], 'float32');
      b.op(table.union === 1 ? 'ADD' : 'STABLEHLO_ADD', [x], [y], table.name, sampleOptions(table));
    }
    const back = roundTrip(b.g);
    back.ops.forEach((op, i) => {
      expect({ type: op.optionsType, options: op.options }).toEqual({ type: b.g.ops[i]!.optionsType, options: b.g.ops[i]!.options });
    });
  });

  it('options: an absent table stays absent; an empty table means the schema defaults', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [1, 4, 4, 1], 'float32');
    const w = b.constant('w', [1, 1, 1, 1], 'float32');
    const y = b.tensor('y', [1, 4, 4, 1], 'float32');
    const z = b.tensor('z', [1, 4, 4, 1], 'float32');
    b.op('CAST', [x], [y]); // no options written: TFLite uses its own defaults, not the schema's
    b.op('CONV_2D', [y, w, -1], [z], 'Conv2DOptions', {}); // an empty table: schema defaults
    const [cast, conv] = roundTrip(b.g).ops;
    expect(cast!.optionsType).toBeUndefined();
    expect(cast!.options).toEqual({});
    expect(conv!.optionsType).toBe('Conv2DOptions');
    expect(conv!.options).toEqual({
      padding: 'SAME',
      strideW: 0,
      strideH: 0,
      fusedActivationFunction: 'NONE',
      dilationWFactor: 1,
      dilationHFactor: 1,
      quantizedBiasType: 'FLOAT32',
    });
  });

  it('sparsity parameters with all three index vector types', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [1, 8], 'float32');
    const w = b.tensor('w', [4, 8], 'float32', {
      data: new Uint8Array(5 * 4).map((_, i) => i),
      sparsity: {
        traversalOrder: [0, 1, 2, 3],
        blockMap: [0, 1],
        dimMetadata: [
          { format: 'DENSE', denseSize: 2 },
          { format: 'SPARSE_CSR', denseSize: 0, arraySegments: { type: 'int32', values: [0, 2, 5] }, arrayIndices: { type: 'uint16', values: [0, 3, 1, 2, 65535] } },
          { format: 'DENSE', denseSize: 2 },
          { format: 'SPARSE_CSR', denseSize: 0, arraySegments: { type: 'uint8', values: [0, 1, 255] }, arrayIndices: { type: 'int32', values: [-1, 7] } },
        ],
      },
    });
    const y = b.tensor('y', [1, 4], 'float32');
    b.op('FULLY_CONNECTED', [x, w, -1], [y], 'FullyConnectedOptions', {
      fusedActivationFunction: 'RELU',
      weightsFormat: 'DEFAULT',
      keepNumDims: false,
      asymmetricQuantizeInputs: false,
      quantizedBiasType: 'FLOAT32',
    });
    b.g.inputs = [x];
    b.g.outputs = [y];
    expect(comparable(roundTrip(b.g))).toEqual(comparable(b.g));
  });

  it('custom ops keep their code, version and option bytes; builtin codes above 127', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [4], 'float32');
    const y = b.tensor('y', [4], 'float32');
    const z = b.tensor('z', [4], 'float32');
    const u = b.tensor('u', [4], 'float32');
    const op = b.op('CUSTOM', [x], [y]);
    op.customCode = 'SignalWindow';
    op.version = 2;
    op.customOptions = Uint8Array.from([1, 2, 3, 0, 255]);
    const op2 = b.op('CUSTOM', [y], [z]);
    op2.customCode = 'SignalRfft';
    b.op('GELU', [z], [u], 'GeluOptions', { approximate: true });
    b.g.inputs = [x];
    b.g.outputs = [u];
    const bytes = writeTflite(b.g);
    expect(comparable(readTflite(bytes).graph)).toEqual(comparable(b.g));

    // GELU is 150: builtin_code 150 and the byte-sized field saturated at 127.
    const loc = new Locator(bytes);
    const codes = loc.r.tableVector(loc.r.vectorAt(loc.field(loc.model, MODEL.operatorCodes), 4, 'codes'), (i) => `${i}`);
    expect(codes).toHaveLength(3);
    const gelu = codes[2]!;
    expect(loc.r.intField(gelu, OPERATOR_CODE.builtinCode, 'int32', 0, 'b')).toBe(150);
    expect(loc.r.intField(gelu, OPERATOR_CODE.deprecatedBuiltinCode, 'int8', 0, 'd')).toBe(127);
  });

  it('operator codes are deduplicated (same op, code and version -> one entry)', () => {
    const g = clone(smallCnn());
    // Run the FULLY_CONNECTED twice more, same version.
    const fc = g.ops.find((o) => o.opcode === 'FULLY_CONNECTED')!;
    g.tensors.push({ ...g.tensors[fc.outputs[0]!]!, name: 'fc2' });
    g.ops.push({ ...fc, outputs: [g.tensors.length - 1] });
    const loc = new Locator(writeTflite(g));
    expect(loc.r.vectorAt(loc.field(loc.model, MODEL.operatorCodes), 4, 'codes').length).toBe(6);
  });

  it('writing is deterministic', () => {
    expect(Buffer.from(writeTflite(smallCnn())).equals(Buffer.from(writeTflite(smallCnn())))).toBe(true);
  });
});

describe('reader on hand-built flatbuffers', () => {
  const oneOp = (code: { dep?: number; builtin?: number; version?: number; custom?: string }) =>
    rawModel({
      opcodes: [code],
      tensors: [{ shape: [2] }, { shape: [2] }],
      ops: [{ opcodeIndex: 0, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    });

  it('operator code = max(builtin_code, deprecated_builtin_code)', () => {
    expect(readTflite(oneOp({ dep: 3 })).graph.ops[0]!.opcode).toBe('CONV_2D'); // old files: byte field only
    expect(readTflite(oneOp({ dep: 127, builtin: 150 })).graph.ops[0]!.opcode).toBe('GELU');
    expect(readTflite(oneOp({ builtin: 25 })).graph.ops[0]!.opcode).toBe('SOFTMAX');
    expect(readTflite(oneOp({})).graph.ops[0]!.opcode).toBe('ADD'); // both default to 0
    expect(readTflite(oneOp({ dep: 3 })).graph.ops[0]!.version).toBe(1); // version defaults to 1
    expectError(() => readTflite(oneOp({ builtin: 999 })), 'E_TFLITE_UNSUPPORTED', /operator code 0 has builtin code 999/);
  });

  it('repeated operator codes are accepted', () => {
    const bytes = rawModel({
      opcodes: [{ builtin: 14 }, { builtin: 14 }],
      tensors: [{ shape: [2] }, { shape: [2] }, { shape: [2] }],
      ops: [
        { opcodeIndex: 0, inputs: [0], outputs: [1] },
        { opcodeIndex: 1, inputs: [1], outputs: [2] },
      ],
      inputs: [0],
      outputs: [2],
    });
    expect(readTflite(bytes).graph.ops.map((o) => o.opcode)).toEqual(['LOGISTIC', 'LOGISTIC']);
  });

  it('more than one subgraph is unsupported, naming the count', () => {
    expectError(() => readTflite(rawModel({ subgraphs: 3 }), 'ctrl.tflite'), 'E_TFLITE_UNSUPPORTED', /ctrl\.tflite: the model has 3 subgraphs/);
    expectError(() => readTflite(rawModel({ subgraphs: 0 })), 'E_TFLITE_MALFORMED', /no subgraphs/);
  });

  it('buffers and custom options stored after the flatbuffer (offset/size)', () => {
    const trailing = Uint8Array.from({ length: 24 }, (_, i) => 100 + i);
    const bytes = rawModel({
      opcodes: [{ builtin: 32, custom: 'Big' }],
      tensors: [{ shape: [2] }, { shape: [2], buffer: 1 }, { shape: [2] }],
      buffers: [{ data: [] }, { external: { at: 8, size: 8 } }],
      ops: [{ opcodeIndex: 0, inputs: [0, 1], outputs: [2], largeCustom: { at: 16, size: 8 } }],
      inputs: [0],
      outputs: [2],
      trailing,
    });
    const { graph } = readTflite(bytes);
    expect([...graph.tensors[1]!.data!]).toEqual([...trailing.subarray(8, 16)]);
    expect([...graph.ops[0]!.customOptions!]).toEqual([...trailing.subarray(16, 24)]);
    expect(graph.ops[0]!.customCode).toBe('Big');
    // The writer stores them inline; the graph is unchanged.
    expect(comparable(roundTrip(graph))).toEqual(comparable(graph));
    // An external range past the end of the file.
    const bad = rawModel({
      tensors: [{ shape: [2], buffer: 1 }],
      buffers: [{ data: [] }, { external: { at: 20, size: 8 } }],
      trailing: new Uint8Array(24),
    });
    expectError(() => readTflite(bad), 'E_TFLITE_TRUNCATED', /buffer 1 \(stored after the flatbuffer\)/);
  });

  it('tensor types the IR lacks are unsupported, unknown ones malformed', () => {
    expectError(() => readTflite(rawModel({ tensors: [{ shape: [2], type: 19, name: 'two_bit' }] })), 'E_TFLITE_UNSUPPORTED', /tensor 0 'two_bit' has tensor type INT2/);
    expectError(() => readTflite(rawModel({ tensors: [{ shape: [2], type: 99 }] })), 'E_TFLITE_MALFORMED', /tensor type 99/);
  });
});

describe.skipIf(!hasShared)('reader on the shared models', () => {
  it('person_detect: out-of-range bias axes are normalised to 0 with a W_QUANT_AXIS warning naming each tensor', () => {
    const { graph, warnings } = readTfliteFile(sharedModel('person_detect.tflite')!);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(w.code).toBe('W_QUANT_AXIS');
      const m = /tensor (\d+) '([^']+)'/.exec(w.message);
      expect(m).not.toBeNull();
      const t = graph.tensors[Number(m![1])]!;
      expect(t.name).toBe(m![2]);
      expect(t.shape).toHaveLength(1);
      expect(t.quant!.axis).toBe(0);
      expect(t.quant!.scale).toHaveLength(t.shape[0]!);
    }
  });

  it('hybrid model (int8 weights, float activations) reads as such', () => {
    const { graph } = readTfliteFile(sharedModel('kws_ref_model_float32.tflite')!);
    const conv = graph.ops.find((o) => o.opcode === 'CONV_2D')!;
    expect(graph.tensors[conv.inputs[0]!]!.dtype).toBe('float32');
    expect(graph.tensors[conv.inputs[1]!]!.dtype).toBe('int8');
  });

  it('LSTM state tensors are variables; metadata and custom ops are kept', () => {
    const lstm = readTfliteFile(sharedModel('trained_lstm_int8.tflite')!).graph;
    expect(lstm.tensors.filter((t) => t.isVariable)).toHaveLength(2);
    expect(lstm.metadata.map((m) => m.name)).toEqual(['min_runtime_version', 'CONVERSION_METADATA']);
    const audio = readTfliteFile(sharedModel('audio_preprocessor_int8.tflite')!).graph;
    const custom = audio.ops.filter((o) => o.opcode === 'CUSTOM');
    expect(custom.map((o) => o.customCode)).toContain('SignalFilterBank');
    expect(custom.every((o) => (o.customOptions?.length ?? 0) > 0)).toBe(true);
  });
});

describe('readTfliteFile', () => {
  it('maps file-system errors', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-read-'));
    expectError(() => readTfliteFile(path.join(dir, 'missing.tflite')), 'E_FILE_NOT_FOUND', /missing\.tflite/);
    expectError(() => readTfliteFile(dir), 'E_FILE_READ', /is a directory/);
  });
});

describe('writer rejects graphs it cannot encode', () => {
  it('with E_IR_INVALID naming the op or tensor', () => {
    const g1 = clone(smallCnn());
    g1.ops[0]!.opcode = 'CONV_9D';
    expectError(() => writeTflite(g1), 'E_IR_INVALID', /operator 0: opcode 'CONV_9D'/);
    const g2 = clone(smallCnn());
    g2.ops[0]!.options.padding = 'FULL';
    expectError(() => writeTflite(g2), 'E_IR_INVALID', /Conv2DOptions\.padding: "FULL" is not a Padding/);
    const g3 = clone(smallCnn());
    g3.ops[1]!.inputs[0] = 77;
    expectError(() => writeTflite(g3), 'E_IR_INVALID', /operator 1 \(DEPTHWISE_CONV_2D\) inputs: index \[0\] = 77/);
    const g4 = clone(smallCnn());
    g4.tensors[0]!.shape = [1, 2 ** 33];
    expectError(() => writeTflite(g4), 'E_IR_INVALID', /tensor 0 'input'.*does not fit in int32/);
    const g5 = clone(smallCnn());
    g5.ops[0]!.optionsType = 'NoSuchOptions';
    expectError(() => writeTflite(g5), 'E_IR_INVALID', /optionsType 'NoSuchOptions'/);
  });
});
