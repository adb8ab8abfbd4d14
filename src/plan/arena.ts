/**
 * Static memory plan: tensor lifetimes → arena offsets.
 *
 * Every non-constant tensor gets a buffer that lives from the op that writes it (or the
 * start, for graph inputs) to the last op that reads it (or the end, for graph outputs).
 * Buffers whose lifetimes overlap may not overlap in memory. We place buffers greedily by
 * size, largest first, each at the lowest aligned offset that clears every already-placed
 * buffer it is alive together with (TFLM's GreedyMemoryPlanner does the same; with the
 * lifetimes of a straight-line graph this is usually optimal or close, and `lowerBound` says
 * how close). Aliases (e.g. RESHAPE output = its input's bytes) share one buffer.
 *
 * In-place operators (src/plan/overlap.ts) may put their output over their dying input at a
 * safe displacement: such pairs, and chains of them, are placed as one group with fixed
 * distances between its buffers; which pairs to use is decided here, by the peak they give.
 */

export interface BufferRequest {
  /** Caller's id (a tensor index). */
  id: number;
  bytes: number;
  /** First op index at which the buffer must hold data (its writer, or 0 for inputs). */
  first: number;
  /** Last op index that reads it (ops.length for graph outputs). */
  last: number;
}

/**
 * An operator that may write its output over its own input (src/plan/overlap.ts): the input
 * buffer dies at `op`, the output is written there, and placing the output `displacement`
 * bytes (or more) below the input is safe for the operator's kernel.
 */
export interface InPlaceCandidate {
  op: number;
  input: number;
  output: number;
  /** Smallest safe (input offset − output offset), bytes; may be negative. */
  displacement: number;
}

/** A candidate the planner kept: the output sits exactly `displacement` bytes below the input. */
export interface InPlaceOverlap extends InPlaceCandidate {
  /** Bytes the two buffers take together less than side by side. */
  saved: number;
}

export interface ArenaPlan {
  /** Offset of each buffer id in the arena. */
  offsets: Map<number, number>;
  /** Arena bytes needed (the highest end offset, aligned). */
  peak: number;
  /**
   * Largest sum of simultaneously live buffers (an overlapping pair counted as the bytes it
   * spans together): no plan with the same overlaps can be smaller than this.
   */
  lowerBound: number;
  alignment: number;
  /** In-place operators the plan uses, by operator index. */
  inPlace: InPlaceOverlap[];
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function overlapsInTime(a: BufferRequest, b: BufferRequest): boolean {
  return a.first <= b.last && b.first <= a.last;
}

const sizeOf = (r: BufferRequest, alignment: number): number => alignUp(Math.max(r.bytes, 1), alignment);

/** Buffers placed together at fixed distances (a chain of in-place operators), or one buffer. */
interface Group {
  members: { req: BufferRequest; rel: number }[];
  /** Sort key: the buffer's bytes for a single buffer, the span of the chain otherwise. */
  key: number;
  first: number;
  id: number;
}

/**
 * Greedy placement, largest group first, each at the lowest aligned offset where none of its
 * members shares a byte with an already placed buffer it is alive together with. With single
 * buffers only this is exactly the classic greedy-by-size plan.
 */
function placeInOrder(order: readonly Group[], alignment: number): { offsets: Map<number, number>; peak: number } {
  const placed: { req: BufferRequest; offset: number; end: number }[] = [];
  const offsets = new Map<number, number>();
  let peak = 0;
  for (const g of order) {
    // Forbidden open intervals (lo, hi) of the group's start.
    const forbidden: [number, number][] = [];
    for (const m of g.members) {
      const size = sizeOf(m.req, alignment);
      for (const p of placed) {
        if (overlapsInTime(p.req, m.req)) forbidden.push([p.offset - m.rel - size, p.end - m.rel]);
      }
    }
    const starts = [0, ...forbidden.map(([, hi]) => alignUp(Math.max(hi, 0), alignment))].sort((a, b) => a - b);
    const start = starts.find((s) => forbidden.every(([lo, hi]) => s <= lo || s >= hi))!;
    for (const m of g.members) {
      const offset = start + m.rel;
      const end = offset + sizeOf(m.req, alignment);
      placed.push({ req: m.req, offset, end });
      offsets.set(m.req.id, offset);
      peak = Math.max(peak, end);
    }
  }
  return { offsets, peak };
}

/** Orders the placement tries, best peak kept (the first wins ties): by size, by first use. */
const ORDERS: ((a: Group, b: Group) => number)[] = [
  (a, b) => b.key - a.key || a.first - b.first || a.id - b.id,
  (a, b) => a.first - b.first || b.key - a.key || a.id - b.id,
];

function placeGroups(groups: readonly Group[], alignment: number): { offsets: Map<number, number>; peak: number } {
  // With single buffers only, the first order alone is the classic plan (kept byte-identical).
  const orders = groups.some((g) => g.members.length > 1) ? ORDERS : ORDERS.slice(0, 1);
  let best: { offsets: Map<number, number>; peak: number } | undefined;
  for (const cmp of orders) {
    const plan = placeInOrder([...groups].sort(cmp), alignment);
    if (!best || plan.peak < best.peak) best = plan;
  }
  return best!;
}

/** Σ over op steps of the highest end offset among the buffers live there: the tie-break. */
export function footprint(requests: readonly BufferRequest[], offsets: ReadonlyMap<number, number>, alignment: number): number {
  const top = new Map<number, number>();
  for (const r of requests) {
    const end = offsets.get(r.id)! + sizeOf(r, alignment);
    for (let t = r.first; t <= r.last; t++) top.set(t, Math.max(top.get(t) ?? 0, end));
  }
  let sum = 0;
  for (const v of top.values()) sum += v;
  return sum;
}

/**
 * The groups with `c` added: the output's chain moved so that the output sits
 * alignUp(displacement) below the input. Undefined when the merged chain would put two buffers
 * that are alive together (other than an in-place pair) on the same bytes.
 */
function mergePair(groups: readonly Group[], pairs: readonly InPlaceCandidate[], c: InPlaceCandidate, alignment: number): Group[] | undefined {
  const gi = groups.find((g) => g.members.some((m) => m.req.id === c.input));
  const go = groups.find((g) => g.members.some((m) => m.req.id === c.output));
  if (!gi || !go || gi === go) return undefined;
  const relIn = gi.members.find((m) => m.req.id === c.input)!.rel;
  const relOut = go.members.find((m) => m.req.id === c.output)!.rel;
  const shift = relIn - alignUp(c.displacement, alignment) - relOut;
  const joined = [...gi.members, ...go.members.map((m) => ({ req: m.req, rel: m.rel + shift }))];
  const low = Math.min(...joined.map((m) => m.rel));
  const members = joined.map((m) => ({ req: m.req, rel: m.rel - low }));
  const paired = (a: number, b: number): boolean => [...pairs, c].some((p) => (p.input === a && p.output === b) || (p.input === b && p.output === a));
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const a = members[i]!;
      const b = members[j]!;
      if (!overlapsInTime(a.req, b.req) || paired(a.req.id, b.req.id)) continue;
      if (a.rel < b.rel + sizeOf(b.req, alignment) && b.rel < a.rel + sizeOf(a.req, alignment)) return undefined;
    }
  }
  const span = Math.max(...members.map((m) => m.rel + sizeOf(m.req, alignment)));
  const merged: Group = { members, key: span, first: Math.min(gi.first, go.first), id: Math.min(gi.id, go.id) };
  return [...groups.filter((g) => g !== gi && g !== go), merged];
}

/** Bytes an in-place pair spans together (aligned sizes, aligned displacement). */
function pairSpan(input: BufferRequest, output: BufferRequest, displacement: number, alignment: number): number {
  const d = alignUp(displacement, alignment);
  const lo = Math.min(0, -d);
  const hi = Math.max(sizeOf(input, alignment), sizeOf(output, alignment) - d);
  return hi - lo;
}

interface Trial {
  /** The candidates applied (a subset of the ones asked for: a merge that clashes is skipped). */
  kept: (InPlaceCandidate & { saved: number })[];
  offsets: Map<number, number>;
  peak: number;
  footprint: number;
}

const better = (a: Trial, b: Trial): boolean => a.peak < b.peak || (a.peak === b.peak && a.footprint < b.footprint);

/**
 * Plan the arena. `inPlace` lists operators that may overlap their output with their dying
 * input (src/plan/overlap.ts). Which of them to use is a local search over sets of them,
 * judged by the peak, then by the sum over op steps of the highest live byte: from no overlap,
 * add each candidate (in order of bytes saved, then operator index) that improves the plan;
 * from every overlap, drop each that improves it, then add back likewise; the better of the
 * two wins. Both starts are needed: a chain of in-place layers that all share the peak pays
 * off only once every one of them overlaps, while overlapping everything makes long chains
 * creep down the arena. Deterministic for the same inputs; with no candidates it is exactly
 * the classic greedy-by-size plan.
 */
export function planArena(requests: readonly BufferRequest[], alignment = 16, inPlace: readonly InPlaceCandidate[] = []): ArenaPlan {
  const byId = new Map(requests.map((r) => [r.id, r]));
  const singles: Group[] = requests.map((r) => ({ members: [{ req: r, rel: 0 }], key: r.bytes, first: r.first, id: r.id }));
  const candidates = inPlace
    .flatMap((c) => {
      const input = byId.get(c.input);
      const output = byId.get(c.output);
      // Only an input that nothing reads after the op, and an output first written there.
      if (!input || !output || input.last !== c.op || output.first !== c.op || c.input === c.output) return [];
      const saved = sizeOf(input, alignment) + sizeOf(output, alignment) - pairSpan(input, output, c.displacement, alignment);
      return saved > 0 ? [{ ...c, saved }] : [];
    })
    .sort((a, b) => b.saved - a.saved || a.op - b.op || a.input - b.input || a.output - b.output);
  const rank = new Map(candidates.map((c, i) => [c, i]));
  const evaluate = (set: readonly (InPlaceCandidate & { saved: number })[]): Trial => {
    let groups = singles;
    const kept: (InPlaceCandidate & { saved: number })[] = [];
    for (const c of [...set].sort((a, b) => rank.get(a)! - rank.get(b)!)) {
      const merged = mergePair(groups, kept, c, alignment);
      if (!merged) continue;
      groups = merged;
      kept.push(c);
    }
    const plan = placeGroups(groups, alignment);
    return { kept, ...plan, footprint: candidates.length > 0 ? footprint(requests, plan.offsets, alignment) : 0 };
  };
  const addEach = (from: Trial): Trial => {
    let cur = from;
    for (const c of candidates) {
      if (cur.kept.includes(c)) continue;
      const t = evaluate([...cur.kept, c]);
      if (better(t, cur)) cur = t;
    }
    return cur;
  };
  let best = evaluate([]);
  if (candidates.length > 0) {
    best = addEach(best);
    let all = evaluate(candidates);
    for (const c of [...candidates].reverse()) {
      if (!all.kept.includes(c)) continue;
      const t = evaluate(all.kept.filter((k) => k !== c));
      if (better(t, all)) all = t;
    }
    all = addEach(all);
    if (better(all, best)) best = all;
  }
  const kept = best.kept.map((c) => ({ ...c, displacement: alignUp(c.displacement, alignment) })).sort((a, b) => a.op - b.op);
  return { offsets: best.offsets, peak: best.peak, lowerBound: liveLowerBound(requests, alignment, kept), alignment, inPlace: kept };
}

/** max over op steps of the sum of aligned sizes of the buffers alive at that step. */
export function liveLowerBound(requests: readonly BufferRequest[], alignment = 16, overlaps: readonly InPlaceOverlap[] = []): number {
  let steps = 0;
  for (const r of requests) steps = Math.max(steps, r.last + 1);
  let best = 0;
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (const r of requests) if (r.first <= t && t <= r.last) sum += alignUp(Math.max(r.bytes, 1), alignment);
    for (const o of overlaps) if (o.op === t) sum -= o.saved;
    best = Math.max(best, sum);
  }
  return best;
}

/**
 * Check a plan: no two buffers alive together share a byte, except an in-place pair whose
 * output sits at least its safe displacement below its input. Throws a plain Error (a planner bug).
 */
export function checkArenaPlan(requests: readonly BufferRequest[], plan: ArenaPlan): void {
  for (let i = 0; i < requests.length; i++) {
    for (let j = i + 1; j < requests.length; j++) {
      const a = requests[i]!;
      const b = requests[j]!;
      if (!overlapsInTime(a, b)) continue;
      const ao = plan.offsets.get(a.id)!;
      const bo = plan.offsets.get(b.id)!;
      const pair = plan.inPlace.find((o) => (o.input === a.id && o.output === b.id) || (o.input === b.id && o.output === a.id));
      if (pair) {
        const inOff = plan.offsets.get(pair.input)!;
        const outOff = plan.offsets.get(pair.output)!;
        if (inOff - outOff < pair.displacement) throw new Error(`arena plan: in-place operator ${pair.op} has its output ${inOff - outOff} B below its input, needs ${pair.displacement}`);
        continue;
      }
      if (ao < bo + b.bytes && bo < ao + a.bytes && a.bytes > 0 && b.bytes > 0) {
        throw new Error(`arena plan overlap: buffers ${a.id} [${ao},+${a.bytes}) and ${b.id} [${bo},+${b.bytes})`);
      }
    }
  }
}
