/**
 * interpret(): the bit-exact reference interpreter, the oracle every generated C kernel is
 * compared with. Inputs and outputs are raw little-endian tensor bytes, in the graph's input
 * and output order — the same convention as TFLite Micro's tensors and ../shared/golden.
 *
 * Each run starts from fresh zeroed activation buffers (like a Reset() MicroInterpreter), so
 * runs are independent and deterministic.
 */
import { TinypruneError, isTinypruneError } from '../errors.js';
import type { ModelGraph } from '../ir/graph.js';
import { prepare, type ExecutionPlan } from './prepare.js';
import { TensorStore } from './tensor_store.js';

export interface OpEvent {
  /** Operator index in execution order. */
  index: number;
  opcode: string;
  /** The kernel parameters prepare() computed (multipliers, shifts, padding, …). */
  params: unknown;
  /** Output tensor indices and their bytes right after the operator ran (live views: copy to keep). */
  outputTensors: number[];
  outputs: Uint8Array[];
}

export interface InterpretOptions {
  /** Return the bytes of every non-constant tensor (activations, inputs, outputs) by index. */
  keepIntermediates?: boolean;
  /** Called after each operator. */
  onOp?: (event: OpEvent) => void;
}

export interface InterpretResult {
  /** Output tensors' bytes in graph output order. */
  outputs: Uint8Array[];
  /** With keepIntermediates: every non-constant tensor with storage, by tensor index. */
  tensors?: Map<number, Uint8Array>;
}

/** Runs a graph (prepared on the fly) or an already prepared plan on one set of inputs. */
export function interpret(
  model: ModelGraph | ExecutionPlan,
  inputs: Uint8Array[],
  opts: InterpretOptions = {},
): InterpretResult {
  const plan = isPlan(model) ? model : prepare(model);
  return runPlan(plan, inputs, opts);
}

function isPlan(m: ModelGraph | ExecutionPlan): m is ExecutionPlan {
  return (m as ExecutionPlan).ops !== undefined && (m as ExecutionPlan).constants instanceof Map;
}

/** Checks that `inputs` match the graph's inputs in number and byte size (E_INPUT_SIZE). */
export function checkInputs(plan: ExecutionPlan, inputs: Uint8Array[]): void {
  const { graph } = plan;
  if (inputs.length !== graph.inputs.length) {
    throw new TinypruneError('E_INPUT_SIZE', `the model has ${graph.inputs.length} input(s); got ${inputs.length}`, {
      where: 'model inputs',
      hint: 'pass one byte array per model input, in the model input order',
    });
  }
  graph.inputs.forEach((t, k) => {
    const tensor = graph.tensors[t]!;
    const want = plan.tensorBytes[t]!;
    const got = inputs[k]!.byteLength;
    if (got !== want) {
      throw new TinypruneError(
        'E_INPUT_SIZE',
        `input ${k} (tensor ${t} '${tensor.name}', ${tensor.dtype} [${tensor.shape.join(', ')}]) needs ${want} bytes; got ${got}`,
        { where: `model input ${k}`, allowed: `${want} bytes`, hint: 'pass the raw little-endian tensor bytes (already quantized for int8 inputs)' },
      );
    }
  });
}

export function runPlan(plan: ExecutionPlan, inputs: Uint8Array[], opts: InterpretOptions = {}): InterpretResult {
  checkInputs(plan, inputs);
  const { graph } = plan;
  const store = new TensorStore(graph.tensors.length);
  for (const [i, bytes] of plan.constants) store.set(i, bytes);
  graph.tensors.forEach((t, i) => {
    if (store.has(i)) return;
    const buf = new Uint8Array(new ArrayBuffer(plan.tensorBytes[i]!));
    // A variable tensor with an initial value starts from it (TFLM resets state to its buffer).
    if (t.isVariable && t.data) buf.set(t.data.subarray(0, buf.byteLength));
    store.set(i, buf);
  });
  graph.inputs.forEach((t, k) => store.raw(t).set(inputs[k]!));

  for (const op of plan.ops) {
    try {
      op.run(store);
    } catch (e) {
      if (isTinypruneError(e)) throw e;
      throw new TinypruneError('E_KERNEL', `operator ${op.index} (${op.opcode}) failed: ${e instanceof Error ? e.message : String(e)}`, {
        where: `operator ${op.index} (${op.opcode})`,
        hint: 'this is an interpreter bug: prepare() accepted the operator; please report it with the model',
        cause: e,
      });
    }
    if (opts.onOp) {
      opts.onOp({
        index: op.index,
        opcode: op.opcode,
        params: op.params,
        outputTensors: op.outputs,
        outputs: op.outputs.map((t) => store.raw(t)),
      });
    }
  }

  const result: InterpretResult = { outputs: graph.outputs.map((t) => store.raw(t).slice()) };
  if (opts.keepIntermediates) {
    const tensors = new Map<number, Uint8Array>();
    graph.tensors.forEach((t, i) => {
      if (!t.data && plan.tensorBytes[i]! > 0) tensors.set(i, store.raw(i));
    });
    result.tensors = tensors;
  }
  return result;
}
