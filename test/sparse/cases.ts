/**
 * Seeded sparse-kernel cases: every (op, dtype, format) the kernels cover, on random
 * patterns, empty rows and channels, all-zero and fully dense layers, odd sizes, index widths
 * past 8 bits, and every stride x padding x dilation combination — all in one graph, each case
 * a layer with its own input and output, so one compiled program checks them all against the
 * reference interpreter.
 */
import { FORMATS, sparseFormatsFor, type SparseOp } from '../../src/sparse/formats/index.js';
import { layerWeights } from '../../src/sparse/matrix.js';
import { pruneMatrix } from '../../src/sparse/prune.js';
import type { GranularityLike as Granularity } from '../../src/sparse/granularity.js';
import { LayerGraph, type LayerSpec } from '../../src/sparse/synthetic.js';
import type { EncodedMatrix, FormatName, WeightMatrix } from '../../src/sparse/types.js';
import { tensorBytes, type ModelGraph } from '../../src/ir/graph.js';
import { Prng } from '../../src/util/prng.js';

export type Fill = 'random' | 'structured' | 'empty-rows' | 'zero' | 'dense';
const FILLS: Fill[] = ['random', 'structured', 'empty-rows', 'zero', 'dense'];

export interface SparseCase {
  op: number;
  format: FormatName;
  fill: Fill;
  spec: LayerSpec;
}

export interface CaseSet {
  graph: ModelGraph;
  sparse: Map<number, EncodedMatrix>;
  cases: SparseCase[];
  inputs: Uint8Array[];
}

/** The pruning granularity that gives a format its structure. */
export function granularityOf(format: FormatName): Granularity {
  switch (format) {
    case 'block1x4':
    case 'block4x1':
    case 'block4x2':
    case 'block1x16':
    case 'nm2_4':
    case 'nm1_4':
    case 'nm1_8':
    case 'pattern':
    case 'filterlet':
    case 'channel':
      return format;
    default:
      return 'element';
  }
}

function emptyRows(rng: Prng): (m: WeightMatrix) => WeightMatrix {
  return (m) => {
    const p = { ...m, values: m.values.slice() };
    const cin = m.cols / m.taps;
    const deadRow = (r: number): boolean => r % 3 === 1;
    const deadCh = (ci: number): boolean => cin > 1 && ci % 4 === 2;
    for (let r = 0; r < m.rows; r++) {
      for (let c = 0; c < m.cols; c++) {
        if (deadRow(r) || deadCh(c % cin) || rng.next() < 0.4) p.values[r * m.cols + c] = 0;
      }
    }
    return p;
  };
}

export interface CaseOptions {
  /** Cases per (op, dtype, format); the fills cycle through random, structured, empty rows, zero, dense. */
  perFormat?: number;
  /** Smaller tensors, and cases with equal input shapes share one input (QEMU runs feed every
   * input through the emulated UART, a few kB per second). */
  small?: boolean;
}

export function sparseCases(seed: number, opts: CaseOptions = {}): CaseSet {
  const perFormat = opts.perFormat ?? 5;
  const small = opts.small ?? false;
  const rng = new Prng(seed);
  const lg = new LayerGraph(rng, small);
  const planned: { format: FormatName; fill: Fill; spec: LayerSpec }[] = [];
  const combos: [number, 'SAME' | 'VALID', number][] = [];
  for (const s of [1, 2]) for (const p of ['SAME', 'VALID'] as const) for (const d of [1, 2]) combos.push([s, p, d]);
  let geo = 0;
  let combo = 0; // rotates the fills, so that fewer than 5 cases per format still see them all
  for (const op of ['fc', 'conv', 'dw'] as SparseOp[]) {
    for (const dtype of ['int8', 'float32'] as const) {
      for (const format of sparseFormatsFor(op, dtype)) {
        combo++;
        for (let v = 0; v < perFormat; v++) {
          const fill = FILLS[(v + combo) % FILLS.length]!;
          const target = 0.3 + rng.next() * 0.65;
          const structured = (m: WeightMatrix, rs: number[]): WeightMatrix => pruneMatrix(m, rs, granularityOf(format), target);
          let prune: LayerSpec['prune'];
          switch (fill) {
            case 'random':
              prune = (m, rs) => pruneMatrix(m, rs, 'element', target);
              break;
            case 'structured':
              prune = structured;
              break;
            case 'empty-rows':
              prune = emptyRows(rng);
              break;
            case 'zero':
              prune = (m) => ({ ...m, values: m.values.map(() => 0) as typeof m.values });
              break;
            case 'dense':
              prune = undefined;
          }
          // Formats with a fixed structure get it when the fill does not give it.
          if (format.startsWith('nm') || format === 'pattern') {
            const base = prune;
            prune = (m, rs) => {
              const p = base ? base(m, rs) : m;
              return FORMATS[format].notApplicable(p) === undefined ? p : structured(p, rs);
            };
          }
          const [stride, padding, dilation] = combos[geo++ % combos.length]!;
          const spec: LayerSpec = { op, dtype, activation: (['NONE', 'RELU', 'RELU6'] as const)[rng.int(0, 2)], bias: rng.next() < 0.85, prune };
          if (op === 'fc') {
            // Odd sizes; some past 256 (8-bit segment/index limits) and past 256 * 4.
            const sizes = small ? [1, 3, 7, 17, 33, 64, 255, 257, 300, 1030] : [1, 3, 7, 17, 33, 64, 255, 257, 300, 513, 1030];
            spec.inputs = sizes[rng.int(0, sizes.length - 1)]!;
            spec.outputs = rng.int(1, 13);
            spec.batches = small && spec.inputs > 300 ? 1 : rng.int(1, 2);
          } else {
            let kh = [1, 2, 3, 3, 5][rng.int(0, 4)]!;
            const kw = [1, 2, 3, 3, 4][rng.int(0, 4)]!;
            if (format === 'pattern' && kh * kw < 2) kh = 3; // a pattern needs 2..32 taps
            const span = (k: number): number => (k - 1) * dilation + 1;
            Object.assign(spec, {
              kh,
              kw,
              height: span(kh) + rng.int(0, small ? 2 : 4),
              width: span(kw) + rng.int(0, small ? 2 : 4),
              cin: op === 'dw' ? rng.int(1, 6) : [1, 3, 4, 7, 8, 16][rng.int(0, small ? 4 : 5)]!,
              cout: rng.int(1, 9),
              stride: [stride, rng.next() < 0.8 ? stride : 3 - stride],
              dilation: [dilation, dilation],
              padding,
              depthMultiplier: op === 'dw' ? rng.int(1, 2) : 1,
              batches: rng.next() < 0.15 ? 2 : 1,
            });
          }
          planned.push({ format, fill, spec });
          lg.add(spec);
        }
      }
    }
  }
  const graph = lg.build();
  const sparse = new Map<number, EncodedMatrix>();
  const cases: SparseCase[] = [];
  planned.forEach((p, i) => {
    const op = lg.layers[i]!.op;
    const lw = layerWeights(graph, graph.ops[op]!)!;
    const why = FORMATS[p.format].notApplicable(lw.matrix);
    if (why) throw new Error(`case ${i} (${p.format}, ${p.fill}): ${why}`);
    sparse.set(op, FORMATS[p.format].encode(lw.matrix));
    cases.push({ op, ...p });
  });
  return { graph, sparse, cases, inputs: lg.randomInputs(graph, seed + 1) };
}

/** Byte-compares every output with the interpreter's; returns one line per mismatching case. */
export function mismatches(set: CaseSet, stdout: Uint8Array, want: Uint8Array[]): string[] {
  const bad: string[] = [];
  let off = 0;
  set.graph.outputs.forEach((t, k) => {
    const n = tensorBytes(set.graph.tensors[t]!);
    const got = stdout.subarray(off, off + n);
    off += n;
    if (Buffer.compare(Buffer.from(got), Buffer.from(want[k]!)) !== 0) {
      const c = set.cases[k]!;
      const s = c.spec;
      const shape =
        s.op === 'fc'
          ? `${s.batches}x${s.inputs}->${s.outputs}`
          : `${s.height}x${s.width}x${s.cin} k${s.kh}x${s.kw} s${s.stride} d${s.dilation} ${s.padding} -> ${s.cout}`;
      bad.push(`case ${k}: ${s.op} ${s.dtype} ${c.format} ${c.fill} ${shape}`);
    }
  });
  if (off !== stdout.length) bad.push(`output has ${stdout.length} bytes, expected ${off}`);
  return bad;
}
