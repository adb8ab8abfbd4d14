import type { ConcatenationParams } from '../../interp/kernels/concatenation.js';
import { i32, unsupported, type OpLowering, type LoweredCall } from './context.js';

/** CONCATENATION → tp_concatenation_{s8,f32}: outer × (Σ axis sizes) × inner. */
export const lowerConcatenation: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as ConcatenationParams;
  const out = ctx.graph.tensors[ctx.op.outputs[0]!]!;
  const s = out.dtype === 'float32' ? 'f32' : out.dtype === 'int8' ? 's8' : unsupported(ctx, `CONCATENATION of ${out.dtype}`);
  const ctype = s === 'f32' ? 'float' : 'int8_t';
  const inner = out.shape.slice(p.axis + 1).reduce((a, b) => a * b, 1);
  const axisSizes = ctx.op.inputs.map((i) => ctx.graph.tensors[i]!.shape[p.axis]!);
  const pointers = ctx.op.inputs.map((i) => ctx.ptr(i, ctype));
  return {
    kernel: `tp_concatenation_${s}`,
    paramsType: 'tp_concat_params',
    params: {
      num_inputs: i32(ctx.op.inputs.length),
      outer_size: i32(p.outerSize),
      inner_size: i32(inner),
      axis_sizes: ctx.array('axis_sizes', 'int32_t', axisSizes, 'extent of each input along the axis'),
    },
    // A compound literal: the input pointers are arena or constant addresses.
    args: [`(const ${ctype} *const[]){ ${pointers.join(', ')} }`, ctx.ptr(ctx.op.outputs[0]!, ctype, true)],
  };
};
