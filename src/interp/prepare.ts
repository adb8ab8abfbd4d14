/**
 * prepare(): the host-side "Prepare" of the reference interpreter. It validates the whole graph
 * before anything runs — operator support, tensor shapes and types, data flow, quantization —
 * and computes every per-operator constant (requantization multipliers and shifts, padding,
 * activation bounds). The resulting plan is plain data plus closures; running it never
 * validates again.
 */
import { TinypruneError, type Warning } from '../errors.js';
import { DTYPE_BYTES, type ModelGraph, type Tensor } from '../ir/graph.js';
import type { PrepareContext } from './common.js';
import { isSupportedOp, KERNELS, SUPPORTED_OPS } from './kernels/index.js';
import type { PreparedOp } from './kernel.js';
import { alignedCopy } from './tensor_store.js';

export interface PlannedOp extends PreparedOp {
  /** Position in execution order (the operator index in the model). */
  index: number;
  opcode: string;
  /** Tensor indices, -1 for omitted optional inputs. */
  inputs: number[];
  outputs: number[];
}

export interface ExecutionPlan {
  graph: ModelGraph;
  ops: PlannedOp[];
  /** Aligned copies of the constant tensors the operators read, by tensor index. */
  constants: Map<number, Uint8Array>;
  /** Byte size of every tensor (0 for tensors without storage). */
  tensorBytes: number[];
  warnings: Warning[];
}

function describeOp(graph: ModelGraph, index: number): string {
  const op = graph.ops[index];
  if (!op) return `operator ${index}`;
  return op.opcode === 'CUSTOM' ? `operator ${index} (CUSTOM '${op.customCode ?? ''}')` : `operator ${index} (${op.opcode})`;
}

function tensorName(graph: ModelGraph, i: number): string {
  return `tensor ${i} '${graph.tensors[i]?.name ?? '?'}'`;
}

function byteSize(t: Tensor): number {
  let n = 1;
  for (const d of t.shape) n *= d;
  return n * DTYPE_BYTES[t.dtype];
}

/** Validates the graph and computes everything the kernels need. Throws TinypruneError. */
export function prepare(graph: ModelGraph): ExecutionPlan {
  const warnings: Warning[] = [];
  checkSupportedOps(graph);
  const tensorBytes = tensorSizes(graph);

  // 3. Data flow: every operator input must exist before the operator runs.
  const available = new Set<number>();
  graph.tensors.forEach((t, i) => {
    if (t.data || t.isVariable) available.add(i);
  });
  for (const i of graph.inputs) available.add(i);
  const ops: PlannedOp[] = [];
  const constants = new Map<number, Uint8Array>();
  graph.ops.forEach((op, index) => {
    checkOpDataFlow(graph, index, available);
    for (const t of op.inputs) {
      const data = t >= 0 ? graph.tensors[t]!.data : undefined;
      if (data && !constants.has(t)) constants.set(t, alignedCopy(data.subarray(0, Math.min(tensorBytes[t]!, data.byteLength))));
    }

    // 4. The kernel's own Prepare: types, shapes, quantization, constants.
    const ctx: PrepareContext = { graph, op, index, warnings };
    const kernel = KERNELS[op.opcode as keyof typeof KERNELS];
    const prepared = kernel.prepare(ctx);
    ops.push({ ...prepared, index, opcode: op.opcode, inputs: [...op.inputs], outputs: [...op.outputs] });
  });
  for (const i of graph.outputs) {
    if (!available.has(i)) {
      throw new TinypruneError('E_IR_INVALID', `graph output ${tensorName(graph, i)} is never produced`, { where: 'graph outputs' });
    }
  }
  return { graph, ops, constants, tensorBytes, warnings };
}

/** 1. Every operator must be one we execute; name them all, the first one in the message. */
function checkSupportedOps(graph: ModelGraph): void {
  const unsupported = graph.ops.map((op, i) => ({ op, i })).filter(({ op }) => !isSupportedOp(op.opcode));
  if (unsupported.length === 0) return;
  const first = unsupported[0]!;
  const others = unsupported.slice(1).map(({ i }) => describeOp(graph, i));
  throw new TinypruneError(
    'E_UNSUPPORTED_OP',
    `${describeOp(graph, first.i)} is not supported; supported: ${SUPPORTED_OPS.join(', ')}` +
      (others.length > 0 ? ` (also unsupported: ${others.join(', ')})` : ''),
    {
      where: describeOp(graph, first.i),
      allowed: SUPPORTED_OPS.join(', '),
      hint:
        first.op.opcode === 'UNIDIRECTIONAL_SEQUENCE_LSTM'
          ? 'recurrent layers are not supported yet; unroll them into FULLY_CONNECTED/ADD/MUL operators or use a convolutional model'
          : 'replace the operator in the source model with supported ones before conversion',
    },
  );
}

/** 2. Tensors: static shapes, known element sizes, enough constant data; graph inputs and outputs exist. Returns the byte size of every tensor. */
function tensorSizes(graph: ModelGraph): number[] {
  const tensorBytes: number[] = [];
  graph.tensors.forEach((t, i) => {
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TinypruneError('E_IR_INVALID', `${tensorName(graph, i)} has a dynamic or invalid shape [${t.shape.join(', ')}]`, {
        where: tensorName(graph, i),
        hint: 'the reference interpreter (like TFLite Micro) needs static shapes; fix the batch size when converting',
      });
    }
    const bytes = byteSize(t);
    // int4 constants are stored packed two per byte; the kernels reject int4 with a type error.
    const storedBytes = t.dtype === 'int4' ? Math.ceil(bytes / 2) : bytes;
    if (t.data && t.data.byteLength < storedBytes) {
      throw new TinypruneError('E_IR_INVALID', `${tensorName(graph, i)} holds ${t.data.byteLength} bytes; its shape needs ${bytes}`, {
        where: tensorName(graph, i),
      });
    }
    tensorBytes.push(bytes);
  });
  for (const [role, list] of [
    ['input', graph.inputs],
    ['output', graph.outputs],
  ] as const) {
    for (const i of list) {
      if (!graph.tensors[i]) {
        throw new TinypruneError('E_IR_INVALID', `graph ${role} refers to tensor ${i}, which does not exist`, { where: `graph ${role}s` });
      }
    }
  }
  return tensorBytes;
}

/**
 * 3. for one operator: its inputs exist and are `available` (constant, variable, graph input
 * or produced earlier); its outputs exist, are not constants, and become available.
 */
function checkOpDataFlow(graph: ModelGraph, index: number, available: Set<number>): void {
  const op = graph.ops[index]!;
  for (const t of op.inputs) {
    if (t < 0) continue;
    if (!graph.tensors[t]) {
      throw new TinypruneError('E_IR_INVALID', `${describeOp(graph, index)} reads tensor ${t}, which does not exist`, {
        where: describeOp(graph, index),
      });
    }
    if (!available.has(t)) {
      throw new TinypruneError(
        'E_IR_INVALID',
        `${describeOp(graph, index)} reads ${tensorName(graph, t)} before any operator produces it`,
        { where: describeOp(graph, index), hint: 'operators must be listed in execution order' },
      );
    }
  }
  for (const t of op.outputs) {
    const tensor = graph.tensors[t];
    if (!tensor) {
      throw new TinypruneError('E_IR_INVALID', `${describeOp(graph, index)} writes tensor ${t}, which does not exist`, {
        where: describeOp(graph, index),
      });
    }
    if (tensor.data) {
      throw new TinypruneError('E_IR_INVALID', `${describeOp(graph, index)} writes constant ${tensorName(graph, t)}`, {
        where: describeOp(graph, index),
      });
    }
    available.add(t);
  }
}
