/**
 * Tensor storage for one run: raw little-endian bytes per tensor, with typed views made on
 * demand. Every buffer is its own ArrayBuffer so Int32Array/Float32Array views are aligned
 * (constant data read from a .tflite file may start at any byte offset).
 *
 * The interpreter relies on the host being little-endian, like TFLite Micro's own buffers.
 */

export class TensorStore {
  private readonly bytes: (Uint8Array | undefined)[];
  private readonly views = new Map<string, ArrayBufferView>();

  constructor(tensorCount: number) {
    this.bytes = new Array<Uint8Array | undefined>(tensorCount).fill(undefined);
  }

  set(index: number, data: Uint8Array): void {
    this.bytes[index] = data;
    for (const kind of ['i8', 'u8', 'i16', 'i32', 'f32']) this.views.delete(`${kind}:${index}`);
  }

  has(index: number): boolean {
    return this.bytes[index] !== undefined;
  }

  raw(index: number): Uint8Array {
    const b = this.bytes[index];
    if (!b) throw new Error(`tensor ${index} has no buffer (interpreter planning bug)`);
    return b;
  }

  private view<T extends ArrayBufferView>(kind: string, index: number, make: (b: Uint8Array) => T): T {
    const key = `${kind}:${index}`;
    let v = this.views.get(key) as T | undefined;
    if (!v) {
      v = make(this.raw(index));
      this.views.set(key, v);
    }
    return v;
  }

  u8(index: number): Uint8Array {
    return this.raw(index);
  }

  i8(index: number): Int8Array {
    return this.view('i8', index, (b) => new Int8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  i16(index: number): Int16Array {
    return this.view('i16', index, (b) => new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1));
  }

  i32(index: number): Int32Array {
    return this.view('i32', index, (b) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2));
  }

  f32(index: number): Float32Array {
    return this.view('f32', index, (b) => new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2));
  }
}

/** A copy of `src` in a fresh, aligned ArrayBuffer. */
export function alignedCopy(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(src.byteLength));
  out.set(src);
  return out;
}
