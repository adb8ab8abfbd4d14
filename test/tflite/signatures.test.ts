/**
 * Issue #15 item 5: a written model keeps the input's SignatureDefs (LiteRT's signature runner
 * calls a model by them) and its metadata; signature tensor indices follow the tensors when
 * they are renumbered.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../src/ir/graph.js';
import { pruneGraph } from '../../src/sparse/plan.js';
import { FbReader } from '../../src/tflite/flatbuf.js';
import { readTflite, readTfliteFile } from '../../src/tflite/read.js';
import { MODEL, SIGNATURE_DEF, TENSOR_MAP } from '../../src/tflite/schema.js';
import { writeTflite } from '../../src/tflite/write.js';
import { TinypruneError } from '../../src/errors.js';
import { hasShared, sharedDir } from './shared-models.js';

/** The signature defs of a file as stored: key, and (name, tensor index) per input/output. */
function rawSignatures(bytes: Uint8Array): { key: string; subgraph: number; inputs: [string, number][]; outputs: [string, number][] }[] {
  const r = new FbReader(bytes, 'test');
  const v = r.vectorField(r.root('model'), MODEL.signatureDefs, 4, 'signature_defs');
  if (!v) return [];
  return r.tableVector(v, () => 'sig').map((t) => {
    const maps = (id: number): [string, number][] => {
      const mv = r.vectorField(t, id, 4, 'maps');
      return (mv ? r.tableVector(mv, () => 'map') : []).map((m) => [r.stringField(m, TENSOR_MAP.name, '', 'name'), r.intField(m, TENSOR_MAP.tensorIndex, 'uint32', 0, 'tensor_index')]);
    };
    return { key: r.stringField(t, SIGNATURE_DEF.signatureKey, '', 'key'), subgraph: r.intField(t, SIGNATURE_DEF.subgraphIndex, 'uint32', 0, 'sub'), inputs: maps(SIGNATURE_DEF.inputs), outputs: maps(SIGNATURE_DEF.outputs) };
  });
}

/** The same graph with its tensors in reverse order (every index remapped). */
function reversed(g: ModelGraph): ModelGraph {
  const n = g.tensors.length;
  const map = (i: number): number => (i < 0 ? i : n - 1 - i);
  return {
    ...g,
    tensors: [...g.tensors].reverse(),
    ops: g.ops.map((o) => ({ ...o, inputs: o.inputs.map(map), outputs: o.outputs.map(map), ...(o.intermediates ? { intermediates: o.intermediates.map(map) } : {}) })),
    inputs: g.inputs.map(map),
    outputs: g.outputs.map(map),
  };
}

const models = ['hello_world_int8.tflite', 'hello_world_float.tflite'].map((f) => path.join(sharedDir, 'models/tflite-micro/hello_world', f));

describe.skipIf(!hasShared)('SignatureDefs and metadata survive writing', () => {
  it.each(models.map((m) => [path.basename(m), m]))('%s keeps its signature and metadata', (_name, file) => {
    const source = new Uint8Array(readFileSync(file));
    const original = rawSignatures(source);
    expect(original.length).toBe(1);
    const { graph, warnings } = readTfliteFile(file);
    expect(warnings).toEqual([]);
    expect(graph.signatures).toEqual([
      { key: original[0]!.key, inputs: original[0]!.inputs.map(([name], k) => ({ name, position: k })), outputs: original[0]!.outputs.map(([name], k) => ({ name, position: k })) },
    ]);

    const written = writeTflite(graph);
    // As stored: the same key, names and tensor indices as the source file.
    expect(rawSignatures(written)).toEqual(original);
    const back = readTflite(written, 'written').graph;
    expect(back.signatures).toEqual(graph.signatures);
    expect(back.metadata.map((m) => m.name)).toEqual(['min_runtime_version', 'CONVERSION_METADATA']);
    back.metadata.forEach((m, i) => expect(Buffer.from(m.data).equals(Buffer.from(graph.metadata[i]!.data))).toBe(true));

    // Renumbered tensors: the signature follows its tensors (by name), not the old indices.
    const moved = writeTflite(reversed(graph));
    const sig = rawSignatures(moved)[0]!;
    const movedGraph = readTflite(moved, 'moved').graph;
    for (const [k, [, t]] of sig.inputs.entries()) expect(movedGraph.tensors[t]!.name).toBe(graph.tensors[graph.inputs[k]!]!.name);
    for (const [k, [, t]] of sig.outputs.entries()) expect(movedGraph.tensors[t]!.name).toBe(graph.tensors[graph.outputs[k]!]!.name);
    expect(sig.inputs[0]![1]).not.toBe(original[0]!.inputs[0]![1]);
  });

  it('a pruned model keeps the signature', () => {
    const graph = readTfliteFile(models[0]!).graph;
    const pruned = pruneGraph(graph, 0.5, 'block4x1').graph;
    expect(rawSignatures(writeTflite(pruned))).toEqual(rawSignatures(writeTflite(graph)));
  });

  it('a signature naming a position the graph lacks is a typed error, not a broken file', () => {
    const graph = readTfliteFile(models[0]!).graph;
    const bad: ModelGraph = { ...graph, signatures: [{ key: 'x', inputs: [{ name: 'a', position: 3 }], outputs: [] }] };
    expect(() => writeTflite(bad)).toThrow(TinypruneError);
    expect(() => writeTflite(bad)).toThrow(/signature 'x': inputs 'a' is position 3/);
  });
});
