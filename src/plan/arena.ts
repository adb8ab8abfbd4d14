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

export interface ArenaPlan {
  /** Offset of each buffer id in the arena. */
  offsets: Map<number, number>;
  /** Arena bytes needed (the highest end offset, aligned). */
  peak: number;
  /** Largest sum of simultaneously live buffers: no plan can be smaller than this. */
  lowerBound: number;
  alignment: number;
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function overlapsInTime(a: BufferRequest, b: BufferRequest): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function planArena(requests: readonly BufferRequest[], alignment = 16): ArenaPlan {
  // Deterministic order: size descending, then earlier first use, then id.
  const order = [...requests].sort((a, b) => b.bytes - a.bytes || a.first - b.first || a.id - b.id);
  const placed: { req: BufferRequest; offset: number; end: number }[] = [];
  const offsets = new Map<number, number>();
  let peak = 0;
  for (const req of order) {
    const size = alignUp(Math.max(req.bytes, 1), alignment);
    const live = placed.filter((p) => overlapsInTime(p.req, req)).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of live) {
      if (offset + size <= p.offset) break;
      offset = Math.max(offset, alignUp(p.end, alignment));
    }
    placed.push({ req, offset, end: offset + size });
    offsets.set(req.id, offset);
    peak = Math.max(peak, offset + size);
  }
  return { offsets, peak, lowerBound: liveLowerBound(requests, alignment), alignment };
}

/** max over op steps of the sum of aligned sizes of the buffers alive at that step. */
export function liveLowerBound(requests: readonly BufferRequest[], alignment = 16): number {
  let steps = 0;
  for (const r of requests) steps = Math.max(steps, r.last + 1);
  let best = 0;
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (const r of requests) if (r.first <= t && t <= r.last) sum += alignUp(Math.max(r.bytes, 1), alignment);
    best = Math.max(best, sum);
  }
  return best;
}

/** Check a plan: no two buffers alive together share a byte. Throws a plain Error (a planner bug). */
export function checkArenaPlan(requests: readonly BufferRequest[], plan: ArenaPlan): void {
  for (let i = 0; i < requests.length; i++) {
    for (let j = i + 1; j < requests.length; j++) {
      const a = requests[i]!;
      const b = requests[j]!;
      if (!overlapsInTime(a, b)) continue;
      const ao = plan.offsets.get(a.id)!;
      const bo = plan.offsets.get(b.id)!;
      if (ao < bo + b.bytes && bo < ao + a.bytes && a.bytes > 0 && b.bytes > 0) {
        throw new Error(`arena plan overlap: buffers ${a.id} [${ao},+${a.bytes}) and ${b.id} [${bo},+${b.bytes})`);
      }
    }
  }
}
