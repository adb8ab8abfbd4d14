import { describe, expect, it } from 'vitest';
import { isTinypruneError, type TinypruneError } from '../../src/errors.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { interpret, prepare, runPlan, SUPPORTED_OPS, type OpEvent } from '../../src/interp/index.js';
import { bytesOf, mkTensor, singleOpGraph } from './reference.js';

function caught(f: () => unknown): TinypruneError {
  try {
    f();
  } catch (e) {
    if (isTinypruneError(e)) return e;
    throw e;
  }
  throw new Error('expected a TinypruneError');
}

/** input -> FULLY_CONNECTED -> RESHAPE -> SOFTMAX, all int8. */
function chain(): ModelGraph {
  const tensors = [
    mkTensor({ dtype: 'int8', shape: [1, 4], scale: 0.1, zeroPoint: 0, name: 'in' }, 0),
    mkTensor({ dtype: 'int8', shape: [3, 4], scale: 0.05, data: bytesOf(Int8Array.from([1, 2, 3, 4, -1, -2, -3, -4, 5, 0, -5, 9])) }, 1),
    mkTensor({ dtype: 'int8', shape: [1, 3], scale: 0.1, zeroPoint: 2, name: 'fc' }, 2),
    mkTensor({ dtype: 'int32', shape: [2], data: bytesOf(Int32Array.from([3, 1])) }, 3),
    mkTensor({ dtype: 'int8', shape: [3, 1], scale: 0.1, zeroPoint: 2, name: 'reshaped' }, 4),
    mkTensor({ dtype: 'int8', shape: [3, 1], scale: 1 / 256, zeroPoint: -128, name: 'probs' }, 5),
  ];
  return {
    schemaVersion: 3,
    description: '',
    name: '',
    tensors,
    ops: [
      { opcode: 'FULLY_CONNECTED', version: 1, inputs: [0, 1, -1], outputs: [2], options: { fusedActivationFunction: 'NONE' } },
      { opcode: 'RESHAPE', version: 1, inputs: [2, 3], outputs: [4], options: {} },
      { opcode: 'SOFTMAX', version: 1, inputs: [4], outputs: [5], options: { beta: 1 } },
    ],
    inputs: [0],
    outputs: [5],
    metadata: [],
  };
}

describe('prepare()', () => {
  it('names an unsupported operator, its index, and what is supported', () => {
    const g = chain();
    g.ops[1] = { ...g.ops[1]!, opcode: 'UNIDIRECTIONAL_SEQUENCE_LSTM' };
    g.ops[2] = { ...g.ops[2]!, opcode: 'CUSTOM', customCode: 'TFLite_Detection_PostProcess' };
    const e = caught(() => prepare(g));
    expect(e.code).toBe('E_UNSUPPORTED_OP');
    expect(e.message).toMatch(/^operator 1 \(UNIDIRECTIONAL_SEQUENCE_LSTM\) is not supported; supported: ADD, /);
    expect(e.message).toContain("also unsupported: operator 2 (CUSTOM 'TFLite_Detection_PostProcess')");
    expect(e.allowed).toBe(SUPPORTED_OPS.join(', '));
    expect(e.where).toBe('operator 1 (UNIDIRECTIONAL_SEQUENCE_LSTM)');
  });

  it('rejects an operator reading a tensor no earlier operator produced', () => {
    const g = chain();
    g.ops = [g.ops[1]!, g.ops[0]!, g.ops[2]!];
    const e = caught(() => prepare(g));
    expect(e.code).toBe('E_IR_INVALID');
    expect(e.message).toContain("operator 0 (RESHAPE) reads tensor 2 'fc' before any operator produces it");
  });

  it('rejects dynamic shapes and unsupported fused activations', () => {
    const g = chain();
    g.tensors[2] = { ...g.tensors[2]!, shape: [-1, 3] };
    expect(caught(() => prepare(g)).code).toBe('E_IR_INVALID');
    const h = chain();
    h.ops[0] = { ...h.ops[0]!, options: { fusedActivationFunction: 'TANH' } };
    const e = caught(() => prepare(h));
    expect(e.code).toBe('E_UNSUPPORTED_OP');
    expect(e.message).toContain('operator 0 (FULLY_CONNECTED): fused activation TANH is not supported');
  });

  it('names the operator and tensor on a type error', () => {
    const g = singleOpGraph('ADD', {}, [{ dtype: 'int8', shape: [2], scale: 1 }, { dtype: 'float32', shape: [2] }], [{ dtype: 'int8', shape: [2], scale: 1 }]);
    const e = caught(() => prepare(g));
    expect(e.code).toBe('E_UNSUPPORTED_TYPE');
    expect(e.message).toBe('operator 0 (ADD): input tensor 1 has type float32');
    expect(e.where).toBe("operator 0 (ADD), tensor 1 't1'");
  });

  it('exposes plain-data parameters per operator', () => {
    const plan = prepare(chain());
    expect(plan.ops.map((o) => o.opcode)).toEqual(['FULLY_CONNECTED', 'RESHAPE', 'SOFTMAX']);
    const json = JSON.parse(JSON.stringify(plan.ops.map((o) => o.params))) as unknown[];
    expect(json[0]).toMatchObject({ kind: 'int8', batches: 1, outputDepth: 3, accumDepth: 4, inputOffset: 0, outputOffset: 2 });
    expect(json[2]).toMatchObject({ kind: 'int8', outputType: 'int8', depth: 1, outerSize: 3 });
  });
});

describe('interpret()', () => {
  it('runs a chain, reports each operator, and keeps intermediates on request', () => {
    const g = chain();
    const events: OpEvent[] = [];
    const res = interpret(g, [bytesOf(Int8Array.from([10, 20, -30, 40]))], {
      keepIntermediates: true,
      onOp: (e) => events.push({ ...e, outputs: e.outputs.map((o) => o.slice()) }),
    });
    expect(events.map((e) => `${e.index}:${e.opcode}`)).toEqual(['0:FULLY_CONNECTED', '1:RESHAPE', '2:SOFTMAX']);
    expect([...res.tensors!.keys()].sort((a, b) => a - b)).toEqual([0, 2, 4, 5]);
    expect(res.tensors!.get(4)).toEqual(res.tensors!.get(2));
    expect(events[2]!.outputs[0]).toEqual(res.outputs[0]);
    // softmax over a depth of 1 is always 1.0 -> 127 after saturation
    expect([...new Int8Array(res.outputs[0]!.buffer)]).toEqual([127, 127, 127]);
  });

  it('is deterministic and a plan can be reused without state leaking between runs', () => {
    const plan = prepare(chain());
    const a = bytesOf(Int8Array.from([1, 2, 3, 4]));
    const b = bytesOf(Int8Array.from([-100, 100, -100, 100]));
    const r1 = runPlan(plan, [a], { keepIntermediates: true });
    runPlan(plan, [b]);
    const r2 = runPlan(plan, [a], { keepIntermediates: true });
    expect(r2.outputs).toEqual(r1.outputs);
    expect([...r2.tensors!.entries()]).toEqual([...r1.tensors!.entries()]);
  });

  it('checks input count and sizes (E_INPUT_SIZE)', () => {
    const g = chain();
    const e = caught(() => interpret(g, [new Uint8Array(3)]));
    expect(e.code).toBe('E_INPUT_SIZE');
    expect(e.message).toBe("input 0 (tensor 0 'in', int8 [1, 4]) needs 4 bytes; got 3");
    expect(caught(() => interpret(g, [new Uint8Array(4), new Uint8Array(4)])).code).toBe('E_INPUT_SIZE');
  });

  it('does not modify the caller’s input or the graph constants', () => {
    const g = chain();
    const before = g.tensors[1]!.data!.slice();
    const input = bytesOf(Int8Array.from([5, 6, 7, 8]));
    const copy = input.slice();
    interpret(g, [input]);
    expect(input).toEqual(copy);
    expect(g.tensors[1]!.data).toEqual(before);
  });
});
