/**
 * A stage of a pipeline (issue #11, "the pipeline is a list"): a name and a `run` over a
 * context that carries the stage's typed inputs and receives its outputs. The ordered lists
 * live in src/pipeline/stages/; one runner (src/pipeline/runner.ts) runs them and owns what
 * every stage shares: progress, timing, the artefact cache and the graph check.
 */
import type { ModelGraph } from '../ir/graph.js';

/** What every stage context has: the graph as it stands (checked after a stage rewrites it). */
export interface StageContext {
  graph?: ModelGraph;
}

/**
 * A stage's artefact under the run's cache folder (<out>/pipeline/<name>.json), reused by a
 * later run while `key` is unchanged: the key hashes everything the output depends on.
 */
export interface StageCache<C, V> {
  key(ctx: C): string;
  /** The output as JSON (larger outputs, e.g. a .tflite, may be written beside it in `dir`). */
  save(ctx: C, dir: string): V;
  /** Puts a saved output back into the context. */
  restore(ctx: C, value: V, dir: string): void;
}

export interface Stage<C extends StageContext> {
  readonly name: string;
  /** The stage replaces `ctx.graph`: the runner checks the new graph (verifyGraph). */
  readonly rewritesGraph?: boolean;
  /** Not run (and not timed) when this says so, e.g. sensitivity without data. */
  readonly skip?: (ctx: C) => boolean;
  /** The value's type is the stage's own business: the runner stores and returns it as is. */
  readonly cache?: StageCache<C, unknown>;
  run(ctx: C): Promise<void> | void;
}
