import { describe, expect, it } from 'vitest';
import { TinypruneError } from '../../src/errors.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { readTfliteFile } from '../../src/tflite/read.js';
import { hasShared, sharedModels } from '../tflite/shared-models.js';
import { GraphBuilder, clone, elementwiseGraph, int32Data, smallCnn } from './fixtures.js';

/** Expect verifyGraph to reject `g` with E_IR_INVALID and a message matching `re`. */
function rejects(g: ModelGraph, re: RegExp): TinypruneError {
  let err: unknown;
  try {
    verifyGraph(g);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TinypruneError);
  const te = err as TinypruneError;
  expect(te.code).toBe('E_IR_INVALID');
  expect(te.message).toMatch(re);
  expect(te.where).toBeTruthy();
  return te;
}

/** Mutate a copy of the fixture and expect rejection. */
function broken(base: () => ModelGraph, edit: (g: ModelGraph) => void, re: RegExp): TinypruneError {
  const g = clone(base());
  edit(g);
  return rejects(g, re);
}

const t = (g: ModelGraph, name: string) => {
  const i = g.tensors.findIndex((x) => x.name === name);
  const tensor = g.tensors[i];
  if (!tensor) throw new Error(`no tensor ${name}`);
  return tensor;
};
const opOf = (g: ModelGraph, opcode: string) => {
  const op = g.ops.find((o) => o.opcode === opcode);
  if (!op) throw new Error(`no op ${opcode}`);
  return op;
};

describe('verifyGraph: valid graphs pass', () => {
  it('the hand-built CNN and elementwise graphs', () => {
    expect(() => verifyGraph(smallCnn())).not.toThrow();
    expect(() => verifyGraph(elementwiseGraph())).not.toThrow();
  });

  it.skipIf(!hasShared).each(sharedModels())('shared model %s', (file) => {
    expect(() => verifyGraph(readTfliteFile(file).graph)).not.toThrow();
  });

  it('ops without shape rules only get the generic checks', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [7], 'float32');
    const y = b.tensor('y', [3, 9, 1], 'float32');
    b.op('CUSTOM', [x], [y]).customCode = 'Whatever';
    b.g.inputs = [x];
    b.g.outputs = [y];
    expect(() => verifyGraph(b.g)).not.toThrow();
  });

  it('variables (LSTM state) count as available inputs', () => {
    const b = new GraphBuilder();
    const x = b.tensor('x', [1, 4], 'float32');
    const s = b.tensor('state', [1, 4], 'float32', { isVariable: true });
    const y = b.tensor('y', [1, 4], 'float32');
    b.op('ADD', [x, s], [y], 'AddOptions', { fusedActivationFunction: 'NONE' });
    b.g.inputs = [x];
    b.g.outputs = [y];
    expect(() => verifyGraph(b.g)).not.toThrow();
  });
});

describe('verifyGraph: generic rules', () => {
  it('index out of range', () => {
    broken(smallCnn, (g) => void (g.ops[0]!.inputs[1] = 99), /operator 0 \(CONV_2D\) input 1.*99 is out of range/);
    broken(smallCnn, (g) => void (g.ops[2]!.outputs[0] = -1), /operator 2 .* output 0.*-1 is out of range/);
    broken(smallCnn, (g) => void (g.inputs = [1000]), /graph input 0.*1000/);
    broken(smallCnn, (g) => void (g.outputs = [-5]), /graph output 0/);
    broken(smallCnn, (g) => void (g.ops[0]!.intermediates = [42]), /intermediate 0/);
  });

  it('a tensor produced twice, or written although constant / a graph input', () => {
    broken(smallCnn, (g) => void (g.ops[1]!.outputs = [g.ops[0]!.outputs[0]!]), /produced twice \(also by operator 0/);
    broken(smallCnn, (g) => void (g.ops[0]!.outputs = [1]), /writes tensor 1 'conv\/w', which is a constant/);
    broken(smallCnn, (g) => void (g.ops[0]!.outputs = [0]), /writes tensor 0 'input', which is a graph input/);
  });

  it('an input nobody produces', () => {
    broken(
      smallCnn,
      (g) => {
        g.tensors.push({ name: 'orphan', shape: [1, 8, 8, 3], dtype: 'int8', isVariable: false });
        g.ops[0]!.inputs[0] = g.tensors.length - 1;
      },
      /input 0 \(tensor \d+ 'orphan'\) is never produced/,
    );
    broken(smallCnn, (g) => void (g.outputs = [pushOrphan(g)]), /graph output 0.*never produced/);
  });

  it('use before definition and cycles', () => {
    broken(smallCnn, (g) => void ([g.ops[0], g.ops[1]] = [g.ops[1]!, g.ops[0]!]), /used before it is produced \(by operator 1\)/);
    broken(smallCnn, (g) => void (g.ops[1]!.inputs[0] = g.ops[1]!.outputs[0]!), /its own output \(a cycle\)/);
    // A two-op cycle: op 1 feeds op 2 which feeds op 1.
    broken(smallCnn, (g) => void (g.ops[1]!.inputs[0] = g.ops[2]!.outputs[0]!), /used before it is produced/);
  });

  it('constant data of the wrong size', () => {
    broken(smallCnn, (g) => void (t(g, 'conv/w').data = new Uint8Array(10)), /'conv\/w'.*10 bytes.*needs 108/);
    broken(smallCnn, (g) => void (t(g, 'fc/b').data = new Uint8Array(3)), /'fc\/b'.*3 bytes.*needs 12/);
  });

  it('malformed quantization', () => {
    broken(smallCnn, (g) => void (t(g, 'input').quant!.zeroPoint = [0, 0]), /1 scales but 2 zero points/);
    broken(smallCnn, (g) => void (t(g, 'input').quant!.scale = [0]), /scale\[0\] = 0 is not a finite positive/);
    broken(smallCnn, (g) => void (t(g, 'input').quant!.scale = [-1]), /scale\[0\] = -1/);
    broken(smallCnn, (g) => void (t(g, 'input').quant!.scale = [NaN]), /scale\[0\] = NaN/);
    broken(smallCnn, (g) => void (t(g, 'input').quant!.scale = [Infinity]), /scale\[0\] = Infinity/);
    broken(smallCnn, (g) => void (t(g, 'input').quant!.zeroPoint = [0.5]), /zero_point\[0\] = 0.5/);
    broken(
      smallCnn,
      (g) => void (t(g, 'conv/w').quant = { scale: [1, 1, 1], zeroPoint: [0, 0, 0], axis: 0 }),
      /3 per-channel scales along axis 0, but that dimension of \[4, 3, 3, 3\] is 4/,
    );
    broken(smallCnn, (g) => void (t(g, 'conv/w').quant!.axis = 4), /axis 4 is out of range for shape \[4, 3, 3, 3\]/);
    broken(smallCnn, (g) => void (t(g, 'conv/w').quant!.axis = -1), /axis -1 is out of range/);
  });

  it('invalid shapes and dtypes', () => {
    broken(smallCnn, (g) => void (t(g, 'fc/out').shape = [1, -3]), /invalid dimension -3/);
    broken(smallCnn, (g) => void (t(g, 'fc/out').shape = [1, 2.5]), /invalid dimension 2.5/);
    broken(smallCnn, (g) => void ((t(g, 'fc/out') as { dtype: string }).dtype = 'int3'), /unknown dtype 'int3'/);
  });
});

function pushOrphan(g: ModelGraph): number {
  g.tensors.push({ name: 'orphan_out', shape: [1], dtype: 'float32', isVariable: false });
  return g.tensors.length - 1;
}

describe('verifyGraph: shape rules', () => {
  it('CONV_2D: output size from SAME/VALID, stride and dilation', () => {
    broken(smallCnn, (g) => void (t(g, 'conv/out').shape = [1, 8, 8, 4]), /'conv\/out' has shape \[1, 8, 8, 4\] but CONV_2D .* gives \[1, 4, 4, 4\]/);
    // VALID instead of SAME: (8 - 3 + 2) / 2 = 3.
    broken(smallCnn, (g) => void (opOf(g, 'CONV_2D').options.padding = 'VALID'), /gives \[1, 3, 3, 4\]/);
    // Dilation 2: effective 5x5, SAME keeps ceil(8/2) = 4, VALID gives (8-5+2)/2 = 2.
    const g = clone(smallCnn());
    Object.assign(opOf(g, 'CONV_2D').options, { dilationHFactor: 2, dilationWFactor: 2 });
    expect(() => verifyGraph(g)).not.toThrow();
    Object.assign(opOf(g, 'CONV_2D').options, { padding: 'VALID' });
    rejects(g, /gives \[1, 2, 2, 4\]/);
    broken(smallCnn, (g2) => void (opOf(g2, 'CONV_2D').options.strideW = 0), /strideW = 0 must be ≥ 1/);
    broken(smallCnn, (g2) => void (opOf(g2, 'CONV_2D').options.padding = 'FULL'), /padding = "FULL"/);
    broken(smallCnn, (g2) => void (t(g2, 'conv/w').shape = [4, 3, 3, 2]), /has 2 input channels, which does not divide the input's 3|constant data/);
    broken(smallCnn, (g2) => void (t(g2, 'conv/b').shape = [5]), /bias 'conv\/b' has shape \[5\]|constant data/);
    broken(smallCnn, (g2) => void opOf(g2, 'CONV_2D').inputs.splice(1), /missing required input 1 \(filter\)/);
  });

  it('DEPTHWISE_CONV_2D', () => {
    broken(smallCnn, (g) => void (t(g, 'dw/out').shape = [1, 4, 4, 4]), /DEPTHWISE_CONV_2D.*gives \[1, 2, 2, 4\]/);
    broken(smallCnn, (g) => void (t(g, 'dw/out').shape = [1, 2, 2, 8]), /gives \[1, 2, 2, 4\]/);
  });

  it('FULLY_CONNECTED', () => {
    broken(smallCnn, (g) => void (t(g, 'fc/out').shape = [1, 4]), /expected 1 rows of 3/);
    broken(smallCnn, (g) => void (t(g, 'reshape/out').shape = [1, 5]), /does not split into rows of 4|reshapes/);
    const g = clone(smallCnn());
    opOf(g, 'FULLY_CONNECTED').options.keepNumDims = true;
    expect(() => verifyGraph(g)).not.toThrow();
  });

  it('pools', () => {
    broken(smallCnn, (g) => void (t(g, 'pool/out').shape = [1, 2, 2, 4]), /2x2 pool .* gives \[1, 1, 1, 4\]/);
    broken(smallCnn, (g) => void (opOf(g, 'AVERAGE_POOL_2D').options.filterWidth = 0), /filterWidth = 0/);
  });

  it('RESHAPE keeps the element count', () => {
    broken(smallCnn, (g) => void (t(g, 'reshape/out').shape = [2, 4]), /reshapes \[1, 1, 1, 4\] \(4 elements\) to \[2, 4\] \(8 elements\)/);
  });

  it('SOFTMAX, QUANTIZE and DEQUANTIZE keep the shape', () => {
    broken(smallCnn, (g) => void (t(g, 'softmax/out').shape = [3]), /'softmax\/out' has shape \[3\]/);
    broken(elementwiseGraph, (g) => void (t(g, 'q').shape = [1, 4]), /'q' has shape \[1, 4\]/);
    broken(elementwiseGraph, (g) => void (t(g, 'dq').shape = [4]), /'dq' has shape \[4\]/);
  });

  it('ADD/MUL broadcast', () => {
    broken(elementwiseGraph, (g) => void (t(g, 'c').shape = [3]), /do not broadcast|constant data/);
    const g = clone(elementwiseGraph());
    t(g, 'c').shape = [3];
    t(g, 'c').data = new Uint8Array(12);
    rejects(g, /inputs \[1, 4, 4, 2\] and \[3\] do not broadcast/);
    broken(elementwiseGraph, (g2) => void (t(g2, 'add').shape = [1, 4, 4, 1]), /broadcasting \[1, 4, 4, 2\] with \[2\]/);
    const m = clone(elementwiseGraph());
    opOf(m, 'ADD').opcode = 'MUL';
    expect(() => verifyGraph(m)).not.toThrow();
  });

  it('CONCATENATION', () => {
    broken(elementwiseGraph, (g) => void (t(g, 'cat').shape = [1, 4, 4, 3]), /concatenating along axis 3/);
    broken(elementwiseGraph, (g) => void (opOf(g, 'CONCATENATION').options.axis = 4), /axis 4 is out of range/);
    broken(elementwiseGraph, (g) => void (opOf(g, 'CONCATENATION').options.axis = 1), /concatenating along axis 1 gives \[1, 8, 4, 2\]/);
    broken(elementwiseGraph, (g) => void (opOf(g, 'CONCATENATION').inputs[1] = g.tensors.indexOf(t(g, 'pads'))), /'pads' \[4, 2\] does not match \[1, 4, 4, 2\] outside axis 3/);
  });

  it('PAD', () => {
    broken(elementwiseGraph, (g) => void (t(g, 'pad').shape = [1, 6, 5, 4]), /padding \[1, 4, 4, 4\] by \[0, 0, 1, 1, 2, 0, 0, 0\]/);
    broken(elementwiseGraph, (g) => void (t(g, 'pads').data = int32Data([0, 0, 1, 1, 2, 0, 0, -1])), /negative/);
  });

  it('MEAN with and without keep_dims', () => {
    broken(elementwiseGraph, (g) => void (opOf(g, 'MEAN').options.keepDims = false), /reducing .* gives \[1, 4\]/);
    broken(elementwiseGraph, (g) => void (t(g, 'axes').data = int32Data([1, 7])), /axis 7 is out of range/);
  });
});
