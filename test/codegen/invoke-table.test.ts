/**
 * tp_model_invoke's table form (src/codegen/generate.ts invokeTable): which calls read their
 * arguments from the table, which columns are folded into the call, and when direct calls stay.
 */
import { describe, expect, it } from 'vitest';
import { INVOKE_TABLE_MIN_LAYERS, invokeTable } from '../../src/codegen/generate.js';
import type { KernelCall } from '../../src/codegen/types.js';

const call = (index: number, kernel: string | undefined, args: string[]): KernelCall => ({
  index,
  opcode: kernel === undefined ? 'RESHAPE' : kernel.toUpperCase(),
  ...(kernel !== undefined ? { kernel } : {}),
  args,
  scratchBytes: 0,
  alias: kernel === undefined,
  name: `t${index}`,
});

const conv = (i: number, bias: string): KernelCall =>
  call(i, 'tp_conv_2d_s8', [`&tp_model_op${i}_params`, `(const int8_t *)&tp_model_arena[${i * 16}]`, `tp_model_w${i}`, bias, '(int8_t *)&tp_model_arena[0]', 'NULL']);

describe('invokeTable', () => {
  it('keeps direct calls below the layer threshold', () => {
    const calls = Array.from({ length: INVOKE_TABLE_MIN_LAYERS - 1 }, (_, i) => conv(i, `tp_model_b${i}`));
    expect(invokeTable(calls, 'tp_model')).toBeUndefined();
  });

  it('tables the repeated kernel, folds shared columns, keeps single calls direct', () => {
    const calls = [
      ...Array.from({ length: 8 }, (_, i) => conv(i, i === 3 ? 'NULL' : `tp_model_b${i}`)),
      call(8, undefined, []),
      call(9, 'tp_softmax_s8', ['&tp_model_op9_params', '(const int8_t *)&tp_model_arena[0]', '(int8_t *)&tp_model_arena[16]']),
    ];
    const t = invokeTable(calls, 'tp_model')!;
    expect(t.layerCases).toBe('0, 0, 0, 0, 0, 0, 0, 0, 1, 2');
    // output and scratch are the same for every conv: written into the call, not stored.
    expect(t.cases[0]!.statement).toBe(
      's_ = tp_conv_2d_s8(TP_MODEL_ARG_NONNULL(0), TP_MODEL_ARG_NONNULL(1), TP_MODEL_ARG_NONNULL(2), TP_MODEL_ARG(3), (int8_t *)&tp_model_arena[0], NULL);\n      a_ += 4;',
    );
    expect(t.argCount).toBe(32);
    expect(t.rows[3]!.values).toBe('(uintptr_t)&tp_model_op3_params, (uintptr_t)(const int8_t *)&tp_model_arena[48], (uintptr_t)tp_model_w3, (uintptr_t)NULL');
    expect(t.cases[1]!.statement).toBe('s_ = TP_OK;');
    expect(t.cases[2]!.statement).toBe('s_ = tp_softmax_s8(&tp_model_op9_params, (const int8_t *)&tp_model_arena[0], (int8_t *)&tp_model_arena[16]);');
  });

  it('calls with arguments that are not address constants stay direct', () => {
    const concat = (i: number): KernelCall => call(i, 'tp_concatenation_s8', ['&p', '(const int8_t *const[]){ a, b }', '(int8_t *)&tp_model_arena[0]']);
    expect(invokeTable(Array.from({ length: 9 }, (_, i) => concat(i)), 'tp_model')).toBeUndefined();
  });
});
