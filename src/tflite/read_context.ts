/** What the parts of the TFLite reader (read.ts, read_tensor.ts, read_operator.ts) share. */

import type { Warning } from '../errors.js';
import type { FbReader } from './flatbuf.js';

/** Limits on what a file may declare, independent of the file's size. */
export const READ_LIMITS = {
  /** TFLite kernels handle rank ≤ 6 (a few ops 8); anything far beyond is corruption. */
  maxRank: 16,
  /** Element count of one tensor: TFLite counts in int32. */
  maxElements: 2 ** 31 - 1,
  /** Bytes of one tensor: TFLite (Micro) sizes are int32 / size_t on 32-bit targets. */
  maxTensorBytes: 2 ** 31 - 1,
  /** Whole files (readTfliteFile): flatbuffers address 2 GiB; MCU models are far smaller. */
  maxFileBytes: 2 ** 31 - 1,
} as const;

/** One model being read: the bounds-checked reader, the file's bytes, its name for messages, and the warnings so far. */
export interface ReadContext {
  readonly r: FbReader;
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly warnings: Warning[];
}

/** Names go into messages; a corrupt file can make them megabytes long. */
export function shorten(name: string): string {
  return name.length > 80 ? `${name.slice(0, 77)}...` : name;
}

/**
 * Bytes stored after the flatbuffer (models over 2 GB: buffers and large custom options),
 * at `offset` from the start of the file, or undefined when `size` is 0.
 */
export function bytesAfterFlatbuffer(ctx: ReadContext, offset: number, size: number, what: string, charged: string): Uint8Array | undefined {
  ctx.r.need(offset, size, `${what} (stored after the flatbuffer)`);
  ctx.r.charge(size, charged);
  return size > 0 ? ctx.bytes.slice(offset, offset + size) : undefined;
}
