/**
 * SignatureDefs (schema.fbs: Model.signature_defs, SignatureDef, TensorMap): the names LiteRT's
 * signature runner calls a model's inputs and outputs by. The IR keeps them as positions in
 * ModelGraph.inputs/outputs (ir/graph.ts Signature); the file has tensor indices. Reading maps
 * indices to positions, writing maps positions to whatever indices the graph has by then.
 */
import type { Builder } from 'flatbuffers';
import { TinypruneError, type Warning } from '../errors.js';
import type { ModelGraph, Signature } from '../ir/graph.js';
import type { FbReader, FbTable } from './flatbuf.js';
import { MODEL, SIGNATURE_DEF, TENSOR_MAP } from './schema.js';

type Side = 'inputs' | 'outputs';
type Entries = Signature['inputs'];

const short = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/**
 * The SignatureDefs of subgraph 0 over its inputs/outputs. One naming another subgraph or a
 * tensor that is not a model input/output is not kept; a warning says so.
 */
export function readSignatures(r: FbReader, model: FbTable, graph: ModelGraph, source: string, warnings: Warning[]): Signature[] {
  const v = r.vectorField(model, MODEL.signatureDefs, 4, 'signature_defs');
  if (!v) return [];
  const out: Signature[] = [];
  r.tableVector(v, (i) => `signature_def ${i}`).forEach((t, i) => {
    const key = r.stringField(t, SIGNATURE_DEF.signatureKey, '', 'signature_key');
    const what = `signature_def ${i} '${short(key)}'`;
    const drop = (why: string): void => {
      warnings.push({ code: 'W_SIGNATURE_DROPPED', message: `${what} is not kept: ${why}`, where: `${source}: ${what}` });
    };
    if (r.intField(t, SIGNATURE_DEF.subgraphIndex, 'uint32', 0, 'subgraph_index') !== 0) return drop('it names another subgraph');
    const entries = (side: Side): Entries | string => {
      const mv = r.vectorField(t, side === 'inputs' ? SIGNATURE_DEF.inputs : SIGNATURE_DEF.outputs, 4, side);
      const list: Entries = [];
      for (const [k, m] of (mv ? r.tableVector(mv, (j) => `${what} ${side}[${j}]`) : []).entries()) {
        const name = r.stringField(m, TENSOR_MAP.name, '', 'name');
        const tensor = r.intField(m, TENSOR_MAP.tensorIndex, 'uint32', 0, 'tensor_index');
        const position = graph[side].indexOf(tensor);
        if (position < 0) return `${side}[${k}] '${short(name)}' is tensor ${tensor}, not one of the model's ${side}`;
        list.push({ name, position });
      }
      return list;
    };
    const inputs = entries('inputs');
    const outputs = entries('outputs');
    if (typeof inputs === 'string') return drop(inputs);
    if (typeof outputs === 'string') return drop(outputs);
    out.push({ key, inputs, outputs });
  });
  return out;
}

/** The signature_defs vector of a graph (0: none), tensor indices from its current inputs/outputs. */
export function writeSignatures(b: Builder, g: ModelGraph, offsetVector: (offsets: number[]) => number): number {
  const sigs = g.signatures ?? [];
  if (sigs.length === 0) return 0;
  const offsets = sigs.map((s) => {
    const maps = (list: Entries, side: Side): number => {
      const tables = list.map((m) => {
        const tensor = Number.isInteger(m.position) ? g[side][m.position] : undefined;
        if (tensor === undefined) {
          const where = `signature '${s.key}'`;
          throw new TinypruneError('E_IR_INVALID', `cannot write TFLite: ${where}: ${side} '${m.name}' is position ${m.position}, but the graph has ${g[side].length} ${side}`, { where });
        }
        const name = b.createString(m.name);
        b.startObject(TENSOR_MAP.NUM_FIELDS);
        b.addFieldOffset(TENSOR_MAP.name, name, 0);
        b.addFieldInt32(TENSOR_MAP.tensorIndex, tensor, 0);
        return b.endObject();
      });
      return offsetVector(tables);
    };
    const inputs = maps(s.inputs, 'inputs');
    const outputs = maps(s.outputs, 'outputs');
    const key = b.createString(s.key);
    b.startObject(SIGNATURE_DEF.NUM_FIELDS);
    b.addFieldOffset(SIGNATURE_DEF.inputs, inputs, 0);
    b.addFieldOffset(SIGNATURE_DEF.outputs, outputs, 0);
    b.addFieldOffset(SIGNATURE_DEF.signatureKey, key, 0);
    return b.endObject();
  });
  return offsetVector(offsets);
}
