/**
 * Granularities as groups of weight positions: a mask keeps or drops whole groups.
 *
 * Layouts (TFLite): CONV_2D OHWI, DEPTHWISE_CONV_2D 1HW(C·M), FULLY_CONNECTED [out, in]. The
 * input channel is always the innermost axis (I, C or in), so "along the input channel"
 * means consecutive positions, which is also what a SIMD kernel loads together.
 *
 *   element       one weight (fine-grained)
 *   n:m           in every M consecutive input-channel weights keep the N largest (2:4, 1:4, 1:8)
 *   block1xK      K consecutive input-channel weights of one output (row blocks)
 *   blockKx1      the same position in K consecutive outputs (column blocks)
 *   kernel        a whole KhxKw kernel for one (cout, cin)
 *   filterlet     the Cin vector at one (cout, kh, kw)
 *   pattern       every KhxKw kernel keeps one of a small learned set of shapes (PatDNN)
 *   channel       an output channel/neuron — masked here; physically removed by structured.ts
 */
import { TinypruneError } from '../errors.js';

export type Granularity =
  | { kind: 'element' }
  | { kind: 'n:m'; n: number; m: number }
  | { kind: 'block1xK'; k: number }
  | { kind: 'blockKx1'; k: number }
  | { kind: 'kernel' }
  | { kind: 'filterlet' }
  | { kind: 'pattern'; keep: number; patterns: number }
  | { kind: 'channel' };

export interface WeightLayout {
  opcode: string;
  shape: number[];
}

export function parseGranularity(text: string): Granularity {
  const t = text.trim().toLowerCase();
  let m: RegExpExecArray | null;
  if (t === 'element' || t === 'fine' || t === 'unstructured') return { kind: 'element' };
  if ((m = /^(\d+):(\d+)$/.exec(t))) {
    const n = Number(m[1]);
    const mm = Number(m[2]);
    if (n < 1 || n >= mm) throw new TinypruneError('E_USAGE', `N:M needs 1 ≤ N < M; got ${t}`, { allowed: '2:4, 1:4, 1:8, …' });
    return { kind: 'n:m', n, m: mm };
  }
  if ((m = /^block1x(\d+)$/.exec(t)) || (m = /^1x(\d+)$/.exec(t))) return { kind: 'block1xK', k: Number(m[1]) };
  if ((m = /^block(\d+)x1$/.exec(t)) || (m = /^(\d+)x1$/.exec(t))) return { kind: 'blockKx1', k: Number(m[1]) };
  if (t === 'kernel') return { kind: 'kernel' };
  if (t === 'filterlet') return { kind: 'filterlet' };
  if ((m = /^pattern(?:-(\d+))?(?:\/(\d+))?$/.exec(t))) return { kind: 'pattern', keep: Number(m[1] ?? 4), patterns: Number(m[2] ?? 8) };
  if (t === 'channel' || t === 'filter' || t === 'neuron') return { kind: 'channel' };
  throw new TinypruneError('E_USAGE', `unknown granularity '${text}'`, {
    allowed: 'element, N:M (2:4, 1:4, 1:8), block1xK, blockKx1, kernel, filterlet, pattern[-keep][/count], channel|filter|neuron',
  });
}

export function granularityName(g: Granularity): string {
  switch (g.kind) {
    case 'n:m':
      return `${g.n}:${g.m}`;
    case 'block1xK':
      return `block1x${g.k}`;
    case 'blockKx1':
      return `block${g.k}x1`;
    case 'pattern':
      return `pattern-${g.keep}/${g.patterns}`;
    default:
      return g.kind;
  }
}

/** [outer, kh·kw (spatial), inner] view of a weight tensor. */
function dims(l: WeightLayout): { out: number; spatial: number; cin: number; kh: number; kw: number } {
  const s = l.shape;
  if (l.opcode === 'FULLY_CONNECTED') return { out: s[0]!, spatial: 1, cin: s[1]!, kh: 1, kw: 1 };
  if (l.opcode === 'CONV_2D') return { out: s[0]!, spatial: s[1]! * s[2]!, cin: s[3]!, kh: s[1]!, kw: s[2]! };
  // Depthwise 1HW(C·M): one "output" per channel, each a KhxKw kernel with one input.
  if (l.opcode === 'DEPTHWISE_CONV_2D') return { out: 1, spatial: s[1]! * s[2]!, cin: s[3]!, kh: s[1]!, kw: s[2]! };
  throw new TinypruneError('E_PRUNE', `no weight layout for ${l.opcode}`);
}

/**
 * Group id of every weight position (-1 = not prunable under this granularity), and the
 * group count. N:M and pattern are not "drop the lowest groups" schemes; see computeMask.
 */
export function groupsOf(l: WeightLayout, g: Granularity): { ids: Int32Array; count: number } {
  const d = dims(l);
  const n = d.out * d.spatial * d.cin;
  const ids = new Int32Array(n);
  const dw = l.opcode === 'DEPTHWISE_CONV_2D';
  let count = 0;
  const need = (ok: boolean, why: string): void => {
    if (!ok) throw new TinypruneError('E_PRUNE', `granularity ${granularityName(g)} does not apply to ${l.opcode} [${l.shape.join(', ')}]: ${why}`);
  };
  for (let o = 0; o < d.out; o++) {
    for (let s = 0; s < d.spatial; s++) {
      for (let c = 0; c < d.cin; c++) {
        const i = (o * d.spatial + s) * d.cin + c;
        switch (g.kind) {
          case 'element':
          case 'n:m':
          case 'pattern':
            ids[i] = i;
            break;
          case 'block1xK':
            need(d.cin % g.k === 0, `the input-channel size ${d.cin} is not a multiple of ${g.k}`);
            ids[i] = (o * d.spatial + s) * (d.cin / g.k) + Math.floor(c / g.k);
            break;
          case 'blockKx1':
            need(!dw && d.out % g.k === 0, dw ? 'a depthwise filter has one output per channel' : `the output size ${d.out} is not a multiple of ${g.k}`);
            ids[i] = (Math.floor(o / g.k) * d.spatial + s) * d.cin + c;
            break;
          case 'kernel':
            // Depthwise: the kernel of channel c; conv: the kernel of (o, c); FC has none.
            need(l.opcode !== 'FULLY_CONNECTED', 'a fully-connected layer has no spatial kernels');
            ids[i] = dw ? c : o * d.cin + c;
            break;
          case 'filterlet':
            need(l.opcode === 'CONV_2D', 'filterlets are the Cin vectors of a CONV_2D filter');
            ids[i] = o * d.spatial + s;
            break;
          case 'channel':
            ids[i] = dw ? c : o;
            break;
        }
      }
    }
  }
  for (const id of ids) count = Math.max(count, id + 1);
  return { ids, count };
}

/** Keeps the groups with the highest summed scores; drops round(sparsity·groups) of them. */
function maskByGroups(scores: Float32Array, ids: Int32Array, count: number, sparsity: number): Float32Array {
  const gs = new Float64Array(count);
  for (let i = 0; i < ids.length; i++) gs[ids[i]!]! += scores[i]!;
  const drop = Math.round(Math.min(1, Math.max(0, sparsity)) * count);
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => gs[a]! - gs[b]! || a - b);
  const dropped = new Uint8Array(count);
  for (let k = 0; k < drop; k++) dropped[order[k]!] = 1;
  return Float32Array.from(ids, (id) => (dropped[id] ? 0 : 1));
}

function maskNM(scores: Float32Array, l: WeightLayout, n: number, m: number): Float32Array {
  const d = dims(l);
  if (d.cin % m !== 0) {
    throw new TinypruneError('E_PRUNE', `${n}:${m} needs the input-channel size (${d.cin}) to be a multiple of ${m}`, {
      where: `${l.opcode} [${l.shape.join(', ')}]`,
      hint: 'exclude this layer or use another granularity for it',
    });
  }
  const mask = new Float32Array(scores.length);
  const idx = new Array<number>(m);
  for (let g0 = 0; g0 < scores.length; g0 += m) {
    for (let k = 0; k < m; k++) idx[k] = g0 + k;
    idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (let k = 0; k < n; k++) mask[idx[k]!] = 1;
  }
  return mask;
}

/**
 * PatDNN-style patterns: each kernel's best `keep` positions vote for a pattern; the
 * `patterns` most voted form the set; every kernel then takes the set member that keeps the
 * most of its score. Connectivity pruning (dropping whole kernels) is applied on top to reach
 * sparsities beyond 1 − keep/(kh·kw).
 */
function maskPattern(scores: Float32Array, l: WeightLayout, keep: number, patterns: number, sparsity: number): Float32Array {
  const d = dims(l);
  const S = d.spatial;
  if (l.opcode === 'FULLY_CONNECTED' || S <= keep) {
    throw new TinypruneError('E_PRUNE', `pattern pruning needs spatial kernels larger than ${keep} entries`, { where: `${l.opcode} [${l.shape.join(', ')}]` });
  }
  const dw = l.opcode === 'DEPTHWISE_CONV_2D';
  const kernels = d.out * d.cin;
  const at = (k: number, s: number): number => (dw ? s * d.cin + k : (Math.floor(k / d.cin) * S + s) * d.cin + (k % d.cin));
  const votes = new Map<number, number>();
  const kernelScore = (k: number, s: number): number => scores[at(k, s)]!;
  for (let k = 0; k < kernels; k++) {
    const pos = Array.from({ length: S }, (_, s) => s).sort((a, b) => kernelScore(k, b) - kernelScore(k, a) || a - b).slice(0, keep);
    const bits = pos.reduce((acc, s) => acc | (1 << s), 0);
    votes.set(bits, (votes.get(bits) ?? 0) + 1);
  }
  const set = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, patterns).map(([b]) => b);
  const mask = new Float32Array(scores.length);
  const kept = new Float64Array(kernels);
  const choice = new Int32Array(kernels);
  for (let k = 0; k < kernels; k++) {
    let best = -1;
    for (const bits of set) {
      let s = 0;
      for (let p = 0; p < S; p++) if (bits & (1 << p)) s += kernelScore(k, p);
      if (s > best) {
        best = s;
        choice[k] = bits;
      }
    }
    kept[k] = best;
  }
  // Connectivity pruning: drop the weakest whole kernels beyond the pattern's own sparsity.
  const patternSparsity = 1 - keep / S;
  const dropKernels = sparsity > patternSparsity ? Math.round(((sparsity - patternSparsity) / (1 - patternSparsity)) * kernels) : 0;
  const order = Array.from({ length: kernels }, (_, k) => k).sort((a, b) => kept[a]! - kept[b]! || a - b);
  const dropped = new Uint8Array(kernels);
  for (let i = 0; i < dropKernels; i++) dropped[order[i]!] = 1;
  for (let k = 0; k < kernels; k++) {
    if (dropped[k]) continue;
    for (let p = 0; p < S; p++) if (choice[k]! & (1 << p)) mask[at(k, p)] = 1;
  }
  return mask;
}

/** The 0/1 mask for one weight tensor at a target sparsity (N:M and pattern fix their own). */
export function computeMask(scores: Float32Array, l: WeightLayout, g: Granularity, sparsity: number): Float32Array {
  if (g.kind === 'n:m') return maskNM(scores, l, g.n, g.m);
  if (g.kind === 'pattern') return maskPattern(scores, l, g.keep, g.patterns, sparsity);
  const { ids, count } = groupsOf(l, g);
  return maskByGroups(scores, ids, count, sparsity);
}

export function maskSparsity(mask: Float32Array): number {
  let z = 0;
  for (const v of mask) if (v === 0) z++;
  return mask.length === 0 ? 0 : z / mask.length;
}

/**
 * Global magnitude thresholding: one score threshold across layers (element granularity)
 * → the per-layer sparsity it implies.
 */
export function globalSparsities(scores: Float32Array[], sparsity: number): number[] {
  const total = scores.reduce((a, s) => a + s.length, 0);
  const all = new Float32Array(total);
  let p = 0;
  for (const s of scores) {
    all.set(s, p);
    p += s.length;
  }
  all.sort();
  const k = Math.round(sparsity * total);
  if (k <= 0) return scores.map(() => 0);
  const thr = all[Math.min(total - 1, k - 1)]!;
  return scores.map((s) => {
    let below = 0;
    for (const v of s) if (v <= thr) below++;
    return below / s.length;
  });
}
