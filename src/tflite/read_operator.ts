/**
 * Operator codes and operator tables of a TFLite flatbuffer -> IR ops, with the options of
 * both option unions and custom options. Part of the reader (read.ts).
 */

import { TinypruneError } from '../errors.js';
import type { Op, OptionValue } from '../ir/graph.js';
import type { FbTable } from './flatbuf.js';
import { bytesAfterFlatbuffer, type ReadContext, shorten } from './read_context.js';
import {
  BUILTIN_OPERATORS,
  BUILTIN_OPTIONS,
  BUILTIN_OPTIONS_2,
  ENUMS,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  type OptionsTable,
  SCALAR_BYTES,
  defaultOptions,
} from './schema.js';

export interface OpCodeEntry {
  opcode: string;
  customCode?: string;
  version: number;
}

/** Reads the tensor-index vector field `id` of `t`, checked against the subgraph's tensor count (-1 allowed when optional). */
export type IndexList = (t: FbTable, id: number, name: string, what: string, allowOptional: boolean) => number[];

export function readOpCode(ctx: ReadContext, t: FbTable, i: number): OpCodeEntry {
  const { r, source } = ctx;
  const dep = r.intField(t, OPERATOR_CODE.deprecatedBuiltinCode, 'int8', 0, 'deprecated_builtin_code');
  const builtin = r.intField(t, OPERATOR_CODE.builtinCode, 'int32', 0, 'builtin_code');
  // Old files only set the byte-sized deprecated code; new ones set both (the byte field
  // saturating at 127 for codes above it), so the larger of the two is the real one.
  const code = Math.max(dep, builtin);
  const name = BUILTIN_OPERATORS[code];
  if (code < 0 || name === undefined) {
    throw new TinypruneError(
      'E_TFLITE_UNSUPPORTED',
      `${source}: operator code ${i} has builtin code ${code}, which this schema does not know`,
      {
        where: `${source}: operator code ${i}`,
        allowed: `builtin codes 0..${BUILTIN_OPERATORS.length - 1}`,
        hint: 'the model was produced by a newer TFLite converter, or it is corrupt',
      },
    );
  }
  const version = r.intField(t, OPERATOR_CODE.version, 'int32', 1, 'version');
  const entry: OpCodeEntry = { opcode: name, version };
  if (name === 'CUSTOM') entry.customCode = r.stringField(t, OPERATOR_CODE.customCode, '', 'custom_code');
  return entry;
}

export function readOperator(ctx: ReadContext, t: FbTable, i: number, opCodes: readonly OpCodeEntry[], indexList: IndexList): Op {
  const r = ctx.r;
  const codeIndex = r.intField(t, OPERATOR.opcodeIndex, 'uint32', 0, 'opcode_index');
  const code = opCodes[codeIndex];
  if (!code) {
    throw r.malformed(`operator ${i}`, `opcode_index ${codeIndex} is out of range (the model has ${opCodes.length} operator codes)`);
  }
  const what = `operator ${i} (${code.opcode === 'CUSTOM' ? `CUSTOM '${shorten(code.customCode ?? '')}'` : code.opcode})`;
  t.what = what;

  const op: Op = {
    opcode: code.opcode,
    version: code.version,
    inputs: indexList(t, OPERATOR.inputs, 'inputs', what, true),
    outputs: indexList(t, OPERATOR.outputs, 'outputs', what, false),
    options: {},
  };
  if (code.customCode !== undefined) op.customCode = code.customCode;
  if (r.has(t, OPERATOR.intermediates)) op.intermediates = indexList(t, OPERATOR.intermediates, 'intermediates', what, false);
  readOperatorOptions(ctx, t, what, op);
  const customOptions = readCustomOptions(ctx, t, what);
  if (customOptions) op.customOptions = customOptions;
  return op;
}

/** Sets op.optionsType and op.options from whichever of the two options unions the operator uses. */
function readOperatorOptions(ctx: ReadContext, t: FbTable, what: string, op: Op): void {
  const r = ctx.r;
  const type1 = r.intField(t, OPERATOR.builtinOptionsType, 'uint8', 0, 'builtin_options_type');
  const type2 = r.intField(t, OPERATOR.builtinOptions2Type, 'uint8', 0, 'builtin_options_2_type');
  if (type1 !== 0 && type2 !== 0) throw r.malformed(what, 'sets both builtin_options and builtin_options_2');
  // An op whose file has no options table gets none here either: TFLite then falls back to
  // its own built-in parameter defaults (e.g. kTfLiteNoType for CAST), which are not the
  // schema's field defaults, so inventing a table would change the model's meaning.
  if (type1 === 0 && type2 === 0) return;
  const [members, typeValue, id, field] =
    type1 !== 0
      ? [BUILTIN_OPTIONS, type1, OPERATOR.builtinOptions, 'builtin_options']
      : [BUILTIN_OPTIONS_2, type2, OPERATOR.builtinOptions2, 'builtin_options_2'];
  const name = (members as readonly (string | null)[])[typeValue];
  const table = name ? OPTIONS_TABLES.get(name) : undefined;
  if (!table) throw r.malformed(what, `${field}_type ${typeValue} is not a known options table`);
  // A union type without its table: the table's fields all take their defaults.
  const optionsAt = r.tableField(t, id, field, `${what} ${table.name}`);
  op.optionsType = table.name;
  op.options = optionsAt ? readOptions(ctx, optionsAt, table, what) : defaultOptions(table);
}

/** The operator's flexbuffer custom options, inline or stored after the flatbuffer; undefined when there are none. */
function readCustomOptions(ctx: ReadContext, t: FbTable, what: string): Uint8Array | undefined {
  const r = ctx.r;
  const format = r.intField(t, OPERATOR.customOptionsFormat, 'int8', 0, 'custom_options_format');
  if (format !== 0) throw r.malformed(what, `custom_options_format ${format} is not FLEXBUFFERS (0)`);
  const largeOffset = r.u64Field(t, OPERATOR.largeCustomOptionsOffset, 'large_custom_options_offset');
  if (largeOffset > 1) {
    const size = r.u64Field(t, OPERATOR.largeCustomOptionsSize, 'large_custom_options_size');
    return bytesAfterFlatbuffer(ctx, largeOffset, size, `${what} custom options`, what);
  }
  const co = r.vectorField(t, OPERATOR.customOptions, 1, 'custom_options');
  return co && co.length > 0 ? r.bytesOf(co) : undefined;
}

function readOptions(ctx: ReadContext, t: FbTable, table: OptionsTable, what: string): Record<string, OptionValue> {
  const r = ctx.r;
  const out: Record<string, OptionValue> = {};
  for (const f of table.fields) {
    const fwhat = `${what} ${table.name}.${f.schemaName}`;
    const ty = f.type;
    switch (ty.kind) {
      case 'scalar': {
        const v = r.scalarField(t, f.id, ty.scalar, ty.default, f.schemaName);
        if (typeof v === 'bigint') {
          const n = Number(v);
          // 64-bit options (random seeds, StableHLO dims) beyond 2^53 are kept exactly as
          // decimal strings; the writer turns them back into int64.
          out[f.name] = Number.isSafeInteger(n) ? n : v.toString();
        } else {
          out[f.name] = v;
        }
        break;
      }
      case 'enum': {
        const v = r.intField(t, f.id, ty.scalar, ty.default, f.schemaName);
        const name = (ENUMS[ty.enumName] as readonly string[])[v];
        if (name === undefined) throw r.malformed(fwhat, `value ${v} is not a ${ty.enumName}`);
        out[f.name] = name;
        break;
      }
      case 'string':
        out[f.name] = r.stringField(t, f.id, '', f.schemaName);
        break;
      case 'vector': {
        const v = r.vectorField(t, f.id, SCALAR_BYTES[ty.scalar], f.schemaName);
        out[f.name] = v ? r.scalarVector(v, ty.scalar, fwhat) : [];
        break;
      }
    }
  }
  return out;
}
