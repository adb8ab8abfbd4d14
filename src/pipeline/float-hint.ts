/**
 * The fix offered when a float model comes without --data (issue #12: "fixes that work"): a
 * float build (`--sparsity 0`) is proposed only when it can fit the board — its float weights
 * within the flash and the largest layer's activations within the RAM. These are lower bounds
 * (the firmware needs more), so a model over them cannot fit as float and the hint says why
 * instead of proposing a build that fails with E_DOES_NOT_FIT.
 */
import { tensorBytes, type ModelGraph } from '../ir/graph.js';

export interface FloatNeeds {
  /** Bytes of the constant tensors (weights, biases) as stored. */
  weights: number;
  /** The largest sum of one operator's non-constant input and output tensors. */
  activations: number;
}

export function floatNeeds(graph: ModelGraph): FloatNeeds {
  let weights = 0;
  for (const t of graph.tensors) if (t.data !== undefined) weights += tensorBytes(t);
  let activations = 0;
  for (const op of graph.ops) {
    let bytes = 0;
    for (const i of [...op.inputs, ...op.outputs]) {
      const t = i < 0 ? undefined : graph.tensors[i];
      if (t && t.data === undefined) bytes += tensorBytes(t);
    }
    activations = Math.max(activations, bytes);
  }
  return { weights, activations };
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

/** Why a float build cannot fit (flash and RAM sizes of the target), or undefined when it may. */
export function floatMisfit(graph: ModelGraph, limits: { flash: number; ram: number }): string | undefined {
  const need = floatNeeds(graph);
  const over = [
    ...(need.weights > limits.flash ? [`its float weights take ${kib(need.weights)}, the flash holds ${kib(limits.flash)}`] : []),
    ...(need.activations > limits.ram ? [`one layer's float activations take ${kib(need.activations)}, the RAM holds ${kib(limits.ram)}`] : []),
  ];
  return over.length > 0 ? over.join('; ') : undefined;
}

/**
 * The `fix:` of "a float model needs calibration data" for this board. `tflite`: the model is a
 * .tflite file (a Keras or TF.js model is built only through the int8 pipeline, so a float build
 * is no fix for it).
 */
export function floatModelHint(graph: ModelGraph, board: string, limits: { flash: number; ram: number }, tflite: boolean): string {
  const data = 'give --data <dataset> (its samples calibrate the int8 ranges; int8 weights and activations are 4x smaller)';
  if (!tflite) return `${data}; a Keras or TF.js model is built through int8 quantization only`;
  const misfit = floatMisfit(graph, limits);
  if (misfit === undefined) return `${data}, or build it as float with --sparsity 0`;
  return `${data}; a float build cannot fit ${board}: ${misfit} (pick a larger board with \`tinyprune boards\` to build it as float)`;
}
