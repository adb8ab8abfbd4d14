/**
 * The activation-RAM model the solver optimises: at each operator, the bytes of the tensors
 * live there (its activation inputs and outputs), each split into a constant part and a part
 * that follows the output-channel count of the prunable layer that produces its channels
 * (through pools, activations, depthwise convolutions and flattening: the channel classes of
 * src/prune/structured.ts). The arena planner reaches this live-set bound on straight-line
 * models; the build checks the real arena afterwards.
 *
 * In-place layers (issue #14: an output over its dying input, src/plan/overlap.ts): the
 * model asks the build's own planner. The dense model is lowered as the build lowers it
 * (src/codegen/lower.ts → planArena with the audited kernels, same alignment), and at every
 * operator whose output the plan overlaps with its input, the pair counts the bytes it spans
 * together rather than both in full: its bytes are scaled by (in + out − saved) / (in + out).
 * For depthwise convolutions and pools (input and output carry the same channels, and the
 * solver never gives them a sparse format) the span is proportional to the channel count, so
 * this is exact at every pruning. For convolutions it is exact for the dense layer and an
 * approximation when channels are pruned (the displacement is a maximum of terms in the input
 * and output channel counts, here taken proportional to both). It is optimistic in one case:
 * a convolution the solver gives a sparse format loses its overlap (sparse kernels are not
 * audited for it); the build's real arena then exceeds the prediction and the solve stage
 * re-solves with the budget tightened by the overshoot (src/pipeline/stages/solve.ts).
 * A layer the planner streams into the next (patch-based execution, src/codegen/stream.ts)
 * counts one band of its output (a share proportional to its channels) and, with it, a
 * FULLY_CONNECTED consumer's accumulators or a windowed consumer's output, as the dense plan
 * has them.
 * Buffers are aligned by the planner (16 B) but counted here unaligned: the prediction may
 * be under the built arena by less than 16 B per buffer live at the peak.
 */
import { lowerModel } from '../codegen/lower.js';
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
  // The overlaps the build's planner makes on the dense model: by operator, the share of its input and output bytes left.
  const dense = lowerModel(graph, { prefix: 'tp_model', source: 'ram model' }).arena;
  const spanShare = new Map<number, number>();
  for (const o of dense.inPlace) {
    const op = graph.ops[o.op]!;
    const both = tensorBytes(graph.tensors[op.inputs[0]!]!) + tensorBytes(graph.tensors[op.outputs[0]!]!);
    spanShare.set(o.op, Math.max(0, both - o.saved) / both);
  }
  // Layers the planner runs band by band into the next layer (src/codegen/stream.ts): the
  // producer holds one band of its output, the consumer none of it; a FULLY_CONNECTED consumer
  // adds its int32 accumulators to both, a windowed one's output is written during the producer's loop.
  const streamShare = new Map<number, { tensor: number; share: number; accumulators: number; alsoLive?: number }>();
  for (const s of dense.streams) {
    const consumer = graph.ops[s.consumer]!;
    const fc = consumer.opcode === 'FULLY_CONNECTED';
    const accumulators = fc ? 4 * tensorBytes(graph.tensors[consumer.outputs[0]!]!) : 0;
    streamShare.set(s.producer, { tensor: graph.ops[s.producer]!.outputs[0]!, share: s.bandBytes / s.fullBytes, accumulators, ...(fc ? {} : { alsoLive: consumer.outputs[0]! }) });
    streamShare.set(s.consumer, { tensor: consumer.inputs[0]!, share: 0, accumulators });
  }
  let densePeak = 0;
  graph.ops.forEach((op, index) => {
    if (op.opcode === 'RESHAPE') return; // aliased in the arena: no new bytes
    let constant = 0;
    let total = 0;
    const perLayer = new Map<number, number>();
    const streamed = streamShare.get(index);
    const live = [...new Set([...op.inputs, ...op.outputs, streamed?.alsoLive ?? -1].filter((t) => t >= 0 && !isConst(t)))];
    const share = spanShare.get(index);
    if (streamed) {
      constant += streamed.accumulators;
      total += streamed.accumulators;
    }
    for (const t of live) {
      const tensor = graph.tensors[t]!;
      const bytes =
        tensorBytes(tensor) * (share !== undefined && (t === op.inputs[0] || t === op.outputs[0]) ? share : 1) * (streamed?.tensor === t ? streamed.share : 1);
      total += bytes;
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
    densePeak = Math.max(densePeak, total);
  });
  // What the planner's placement adds to the live-set bound (alignment; chains of in-place
  // layers the greedy placement cannot pack down to the bound, kws: 1,808 B), as planned for
  // the dense model: added everywhere, so that the dense prediction is the built arena.
  const gap = Math.max(0, dense.bytes - Math.round(densePeak));
  return points.map((p) => ({ ...p, constant: p.constant + gap }));
}
