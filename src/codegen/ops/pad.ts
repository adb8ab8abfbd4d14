import type { PadParams } from '../../interp/kernels/pad.js';
import { f32, i32, padList, shapeInit, unsupported, type OpLowering, type LoweredCall } from './context.js';

/** PAD / PADV2 → tp_pad_{s8,f32}; the pad value must be known when generating code. */
export const lowerPad: OpLowering = (ctx): LoweredCall => {
  const p = ctx.op.params as PadParams;
  if (p.kind !== 'int8' && p.kind !== 'float32') unsupported(ctx, `PAD of ${p.kind}`);
  if (p.padValue === null) unsupported(ctx, 'PADV2 with a pad value computed at run time');
  const s = p.kind === 'float32' ? 'f32' : 's8';
  const ctype = s === 'f32' ? 'float' : 'int8_t';
  return {
    kernel: `tp_pad_${s}`,
    paramsType: `tp_pad_${s}_params`,
    params: {
      input: shapeInit(ctx, p.inputShape, 'the input'),
      before: padList(p.before),
      after: padList(p.after),
      pad_value: s === 'f32' ? f32(p.padValue) : i32(p.padValue),
    },
    args: [ctx.ptr(ctx.op.inputs[0]!, ctype), ctx.ptr(ctx.op.outputs[0]!, ctype, true)],
  };
};
