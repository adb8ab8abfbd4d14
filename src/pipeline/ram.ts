/**
 * The activation-RAM model the solver optimises: at each operator, the bytes of the tensors
 * live there (its activation inputs and outputs), each split into a constant part and a part
 * that follows the output-channel count of the prunable layer that produces its channels
 * (through pools, activations, depthwise convolutions and flattening: the channel classes of
 * src/prune/structured.ts). The arena planner reaches this live-set bound on straight-line
 * models; the build checks the real arena afterwards.
 *
 * In-place layers (an output over its dying input, src/plan/overlap.ts) are not modelled:
 * here an operator's input and output always count in full, so where the arena planner
 * overlaps them this over-estimates (kws: 16,000 B here against a 10,304 B arena) and the
 * solver may prune more than the board needs. Modelling them needs two things the linear
 * model lacks: the overlap holds only for the audited dense kernels (a layer the solver gives
 * a sparse format loses it, so the bytes would depend on the chosen format, not only on kept
 * channels), and the overlapped bytes, max(out, D + in) with D a maximum over output pixels
 * of terms linear in the input and output channel counts, are a maximum of linear terms
 * (representable as several RamPoints per operator, one per vertex of their upper hull).
 */
import { tensorBytes, type ModelGraph } from '../ir/graph.js';
import { analyzeChannels } from '../prune/structured.js';
import type { RamPoint, RamTerm } from '../solve/types.js';

/**
 * RAM points for `graph`; `layerOf` maps an operator index to its position in the solver's
 * layer list (only layers that can prune channels there).
 */
export function ramPoints(graph: ModelGraph, layerOf: ReadonlyMap<number, number>): RamPoint[] {
  const analysis = analyzeChannels(graph);
  const isConst = (t: number): boolean => graph.tensors[t]?.data !== undefined;
  const points: RamPoint[] = [];
  graph.ops.forEach((op, index) => {
    if (op.opcode === 'RESHAPE') return; // aliased in the arena: no new bytes
    let constant = 0;
    const perLayer = new Map<number, number>();
    const live = [...new Set([...op.inputs, ...op.outputs].filter((t) => t >= 0 && !isConst(t)))];
    for (const t of live) {
      const tensor = graph.tensors[t]!;
      const bytes = tensorBytes(tensor);
      const slots = analysis.slotClass[t];
      const channels = tensor.shape[tensor.shape.length - 1] ?? 1;
      const perSlot = bytes / Math.max(1, channels);
      if (!slots) {
        constant += bytes;
        continue;
      }
      // Bytes per kept channel of each owning layer: a flattened tensor has many slots per class.
      const byLayer = new Map<number, { bytes: number; classes: Set<number> }>();
      for (let j = 0; j < slots.length; j++) {
        const cls = analysis.classes[slots[j]!];
        const owner = cls?.prunable && cls.producers.length > 0 ? Math.min(...cls.producers.map((p) => p.op)) : undefined;
        const li = owner === undefined ? undefined : layerOf.get(owner);
        if (li === undefined) {
          constant += perSlot;
          continue;
        }
        const e = byLayer.get(li) ?? { bytes: 0, classes: new Set<number>() };
        e.bytes += perSlot;
        e.classes.add(slots[j]!);
        byLayer.set(li, e);
      }
      for (const [li, e] of byLayer) perLayer.set(li, (perLayer.get(li) ?? 0) + e.bytes / e.classes.size);
    }
    const terms: RamTerm[] = [...perLayer.entries()].sort((a, b) => a[0] - b[0]).map(([layer, total]) => ({ layer, bytesPerChannel: total }));
    points.push({ label: `operator ${index} (${op.opcode})`, constant: Math.round(constant), terms });
  });
  return points;
}
