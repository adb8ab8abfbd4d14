/**
 * Deep-comparing graphs with vitest's toEqual walks Uint8Arrays element by element, which
 * takes seconds on a 300 KB model. Replace every byte array by its length and sha256 first.
 */
import { createHash } from 'node:crypto';
import type { ModelGraph } from '../../src/ir/graph.js';

function digest(b: Uint8Array): string {
  return `${b.length}:${createHash('sha256').update(b).digest('hex')}`;
}

export function comparable(g: ModelGraph): unknown {
  return {
    ...g,
    tensors: g.tensors.map((t) => (t.data ? { ...t, data: digest(t.data) } : t)),
    ops: g.ops.map((o) => (o.customOptions ? { ...o, customOptions: digest(o.customOptions) } : o)),
    metadata: g.metadata.map((m) => ({ ...m, data: digest(m.data) })),
  };
}
