/**
 * Golden tests: the reference interpreter against TensorFlow Lite Micro's own outputs
 * (../shared/golden, TFLM @ 90b983c2b3f1, reference kernels).
 *
 * - int8: every output and every dumped intermediate must be byte-identical.
 * - float32: byte-identical too, except tensors produced by SOFTMAX, which may differ by 1 ulp
 *   (expf of glibc/newlib vs. exp() correctly rounded to float32) — see golden/README.md.
 * - Models with operators we do not run must fail in prepare() with E_UNSUPPORTED_OP naming the
 *   operator and its index; the hybrid kws_ref_model_float32 (rejected by TFLM too) must fail
 *   with E_UNSUPPORTED_TYPE.
 *
 * Skipped, with a visible message, when ../shared is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTinypruneError, type TinypruneError } from '../../src/errors.js';
import type { ModelGraph } from '../../src/ir/graph.js';
import { interpret, prepare, runPlan, SUPPORTED_OPS, type ExecutionPlan } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/read.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repoRoot, '../shared');
const goldenDir = path.join(shared, 'golden');
const hasShared = existsSync(goldenDir);
if (!hasShared) console.warn(`[golden] ${goldenDir} not found: golden tests against TFLite Micro are SKIPPED`);

interface GoldenFile {
  input: string;
  file: string;
  output_index?: number;
  tensor_index: number;
  name: string;
  dtype: string;
  producer_op_name?: string;
}

interface GoldenIndex {
  model: { shared_path: string };
  status: string;
  error?: string;
  operators: { index: number; op: string }[];
  inputs: { id: string; file: string; bytes: number }[];
  outputs: GoldenFile[];
  intermediates: GoldenFile[];
}

const models: string[] = hasShared
  ? readdirSync(goldenDir)
      .filter((d) => existsSync(path.join(goldenDir, d, 'index.json')))
      .sort()
  : [];

function loadIndex(model: string): GoldenIndex {
  return JSON.parse(readFileSync(path.join(goldenDir, model, 'index.json'), 'utf8')) as GoldenIndex;
}

function loadGraph(idx: GoldenIndex): ModelGraph {
  const file = path.join(shared, idx.model.shared_path);
  return readTflite(new Uint8Array(readFileSync(file)), file).graph;
}

function bytes(model: string, rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(goldenDir, model, rel)));
}

/** Largest ulp distance between two float32 byte arrays (Infinity on a NaN/sign mismatch). */
function maxUlp(a: Uint8Array, b: Uint8Array): number {
  const x = new Int32Array(a.slice().buffer);
  const y = new Int32Array(b.slice().buffer);
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i] as number;
    const v = y[i] as number;
    if (u === v) continue;
    if (u < 0 !== v < 0) return Infinity;
    worst = Math.max(worst, Math.abs(u - v));
  }
  return worst;
}

/** Byte-identical, or (for float32 tensors produced by SOFTMAX) within 1 ulp. */
function expectMatches(got: Uint8Array | undefined, want: Uint8Array, f: GoldenFile, producer: string | undefined, label: string): void {
  expect(got, `${label}: tensor ${f.tensor_index} '${f.name}' not produced`).toBeDefined();
  if (f.dtype === 'FLOAT32' && producer === 'SOFTMAX') {
    expect(got!.byteLength, label).toBe(want.byteLength);
    expect(maxUlp(got!, want), `${label}: tensor ${f.tensor_index} '${f.name}' (SOFTMAX, float32: <= 1 ulp allowed)`).toBeLessThanOrEqual(1);
  } else {
    expect(Buffer.from(got!).equals(Buffer.from(want)), `${label}: tensor ${f.tensor_index} '${f.name}' differs from TFLM`).toBe(true);
  }
}

describe.skipIf(!hasShared)('golden: reference interpreter vs TFLite Micro (../shared/golden)', () => {
  it('finds the golden models', () => {
    expect(models.length).toBeGreaterThan(0);
  });

  for (const model of models) {
    const idx = loadIndex(model);
    const unsupported = idx.operators.filter((o) => !(SUPPORTED_OPS as readonly string[]).includes(o.op));

    if (idx.status === 'ok' && unsupported.length === 0) {
      describe(model, () => {
        let plan: ExecutionPlan;
        beforeAll(() => {
          plan = prepare(loadGraph(idx));
        });
        const producerOf = (tensor: number): string | undefined =>
          plan.ops.find((op) => op.outputs.includes(tensor))?.opcode;

        for (const input of idx.inputs) {
          const outputs = idx.outputs.filter((o) => o.input === input.id);
          const inters = idx.intermediates.filter((o) => o.input === input.id);
          const what = inters.length > 0 ? `${outputs.length} output(s) and ${inters.length} intermediates` : `${outputs.length} output(s)`;
          it(`input ${input.id}: ${what} bit-exact (float32 SOFTMAX outputs within 1 ulp)`, () => {
            const t0 = performance.now();
            const res = runPlan(plan, [bytes(model, input.file)], { keepIntermediates: inters.length > 0 });
            const ms = performance.now() - t0;
            expect(ms, 'one inference should take at most a few seconds').toBeLessThan(5000);
            for (const o of outputs) {
              expectMatches(res.outputs[o.output_index ?? 0], bytes(model, o.file), o, producerOf(o.tensor_index), `${model} input ${input.id}`);
            }
            for (const t of inters) {
              expectMatches(res.tensors?.get(t.tensor_index), bytes(model, t.file), t, producerOf(t.tensor_index), `${model} input ${input.id}`);
            }
          });
        }
      });
    } else if (unsupported.length > 0) {
      it(`${model}: reports its unsupported operator(s) with E_UNSUPPORTED_OP`, () => {
        const graph = loadGraph(idx);
        let err: TinypruneError | undefined;
        try {
          interpret(graph, [bytes(model, idx.inputs[0]!.file)]);
        } catch (e) {
          if (isTinypruneError(e)) err = e;
          else throw e;
        }
        expect(err?.code).toBe('E_UNSUPPORTED_OP');
        const first = unsupported[0]!;
        expect(err!.message).toContain(`operator ${first.index} (${first.op}) is not supported`);
        expect(err!.message).toContain('supported: ');
        console.log(`unsupported: ${model}: ${err!.message}`);
      });
    } else if (idx.status === 'rejected_by_tflm') {
      it(`${model}: rejected like TFLM does (${idx.error ?? 'no reason given'})`, () => {
        const graph = loadGraph(idx);
        let err: TinypruneError | undefined;
        try {
          prepare(graph);
        } catch (e) {
          if (isTinypruneError(e)) err = e;
          else throw e;
        }
        expect(err, 'prepare() must refuse this model').toBeDefined();
        if (/hybrid/i.test(idx.error ?? '')) {
          expect(err!.code).toBe('E_UNSUPPORTED_TYPE');
          expect(err!.message).toMatch(/hybrid/i);
          expect(err!.message).toContain('operator 0 (CONV_2D)');
          expect(err!.hint).toMatch(/full-integer quantization/);
        }
        console.log(`rejected: ${model}: ${err!.message}`);
      });
    } else {
      it.skip(`${model}: status '${idx.status}' has no golden outputs to compare`, () => {});
    }
  }

  it('rejects an input of the wrong size with E_INPUT_SIZE', () => {
    const model = models.find((m) => loadIndex(m).status === 'ok' && m.includes('hello_world_int8')) ?? models[0]!;
    const idx = loadIndex(model);
    const graph = loadGraph(idx);
    const good = bytes(model, idx.inputs[0]!.file);
    expect(() => interpret(graph, [new Uint8Array(good.byteLength + 1)])).toThrow(/needs \d+ bytes; got \d+/);
    expect(() => interpret(graph, [])).toThrow(/input\(s\); got 0/);
    try {
      interpret(graph, [new Uint8Array(good.byteLength + 1)]);
    } catch (e) {
      expect(isTinypruneError(e) && e.code).toBe('E_INPUT_SIZE');
    }
  });
});
