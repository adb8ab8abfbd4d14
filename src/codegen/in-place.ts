/**
 * The in-place candidates of a model for the arena planner (src/plan/arena.ts): every
 * operator whose kernel was audited for overlapping its output with its first input
 * (IN_PLACE_KERNELS, src/plan/overlap.ts), with the smallest safe displacement of its
 * geometry. Whether the input dies there and whether the overlap lowers the arena is the
 * planner's decision.
 */
import type { PlannedOp } from '../interp/prepare.js';
import type { Conv2DParams } from '../interp/kernels/conv_2d.js';
import type { DepthwiseConv2DParams } from '../interp/kernels/depthwise_conv_2d.js';
import type { PoolParams } from '../interp/kernels/pool_common.js';
import type { InPlaceCandidate } from '../plan/arena.js';
import { IN_PLACE_KERNELS, minDisplacement, type WindowGeometry } from '../plan/overlap.js';

/** The window geometry the kernel of `op` runs with (the same numbers its params struct gets). */
export function windowGeometry(op: PlannedOp): WindowGeometry | undefined {
  switch (op.opcode) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D': {
      const p = op.params as Conv2DParams | DepthwiseConv2DParams;
      return {
        batches: p.batches,
        inputHeight: p.inputHeight,
        inputWidth: p.inputWidth,
        inputDepth: p.inputDepth,
        outputHeight: p.outputHeight,
        outputWidth: p.outputWidth,
        outputDepth: p.outputDepth,
        filterHeight: p.filterHeight,
        filterWidth: p.filterWidth,
        strideH: p.strideH,
        strideW: p.strideW,
        dilationH: p.dilationH,
        dilationW: p.dilationW,
        padH: p.padH,
        padW: p.padW,
        elementBytes: p.kind === 'float32' ? 4 : 1,
      };
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const p = op.params as PoolParams;
      return {
        batches: p.batches,
        inputHeight: p.inputHeight,
        inputWidth: p.inputWidth,
        inputDepth: p.depth,
        outputHeight: p.outputHeight,
        outputWidth: p.outputWidth,
        outputDepth: p.depth,
        filterHeight: p.filterHeight,
        filterWidth: p.filterWidth,
        strideH: p.strideH,
        strideW: p.strideW,
        dilationH: 1,
        dilationW: 1,
        padH: p.padH,
        padW: p.padW,
        elementBytes: p.kind === 'float32' ? 4 : 1,
      };
    }
    default:
      return undefined;
  }
}

/**
 * Candidates for `planArena`: `kernelOf` maps an operator index to the C kernel it calls,
 * `bufferOf` a tensor to its arena buffer id (undefined for constants).
 */
export function inPlaceCandidates(
  ops: readonly PlannedOp[],
  kernelOf: ReadonlyMap<number, string>,
  bufferOf: (tensor: number) => number | undefined,
): InPlaceCandidate[] {
  const out: InPlaceCandidate[] = [];
  for (const op of ops) {
    const audited = IN_PLACE_KERNELS[kernelOf.get(op.index) ?? ''];
    const geometry = audited && windowGeometry(op);
    if (!geometry) continue;
    const input = bufferOf(op.inputs[0]!);
    const output = bufferOf(op.outputs[0]!);
    // The kernel may read the overlapped buffer through no other operand.
    const others = op.inputs.slice(1).filter((t) => t >= 0).map(bufferOf);
    if (input === undefined || output === undefined || others.includes(input)) continue;
    out.push({ op: op.index, input, output, displacement: minDisplacement(geometry, audited.lookahead) });
  }
  return out;
}
