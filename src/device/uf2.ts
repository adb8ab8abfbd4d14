/**
 * UF2: the file format of USB mass-storage bootloaders (RP2040's BOOTSEL drive, many nRF52
 * and SAMD boards). A file is a sequence of independent 512-byte blocks, each carrying its
 * target address and 256 bytes of payload, so the bootloader can write blocks in any order
 * and tell a UF2 file from the other files an OS writes to the drive.
 *
 * Block layout (little-endian words): magic0, magic1, flags, target address, payload size,
 * block number, number of blocks, family id (when flag 0x2000 is set), 476 data bytes (the
 * payload first, zero padding after), magic end.
 */
export const UF2_MAGIC_START0 = 0x0a324655; // "UF2\n"
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_FLAG_FAMILY_ID = 0x00002000;

/** Family ids the bootloaders check (a block for another family is ignored). */
export const UF2_FAMILIES = {
  rp2040: 0xe48bff56,
  nrf52840: 0xada52840,
  stm32f4: 0x57755a57,
  samd21: 0x68ed2b88,
  samd51: 0x55114460,
} as const;

export type Uf2Family = keyof typeof UF2_FAMILIES;

const PAYLOAD = 256;

/** A raw binary image to be written at `address` → UF2 bytes. */
export function binToUf2(bin: Uint8Array, address: number, family?: Uf2Family): Uint8Array {
  const blocks = Math.max(1, Math.ceil(bin.length / PAYLOAD));
  const out = new Uint8Array(blocks * 512);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < blocks; i++) {
    const o = i * 512;
    dv.setUint32(o + 0, UF2_MAGIC_START0, true);
    dv.setUint32(o + 4, UF2_MAGIC_START1, true);
    dv.setUint32(o + 8, family ? UF2_FLAG_FAMILY_ID : 0, true);
    dv.setUint32(o + 12, (address + i * PAYLOAD) >>> 0, true);
    dv.setUint32(o + 16, PAYLOAD, true);
    dv.setUint32(o + 20, i, true);
    dv.setUint32(o + 24, blocks, true);
    dv.setUint32(o + 28, family ? UF2_FAMILIES[family] : 0, true);
    out.set(bin.subarray(i * PAYLOAD, Math.min(bin.length, (i + 1) * PAYLOAD)), o + 32);
    dv.setUint32(o + 508, UF2_MAGIC_END, true);
  }
  return out;
}

export interface Uf2Block {
  address: number;
  blockNo: number;
  numBlocks: number;
  family: number | undefined;
  payload: Uint8Array;
}

/** Parses UF2 bytes (tests and `flash --dry-run` sanity checks); throws on a bad block. */
export function parseUf2(bytes: Uint8Array): Uf2Block[] {
  if (bytes.length % 512 !== 0) throw new Error(`UF2 size ${bytes.length} is not a multiple of 512`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uf2Block[] = [];
  for (let o = 0; o < bytes.length; o += 512) {
    if (dv.getUint32(o, true) !== UF2_MAGIC_START0 || dv.getUint32(o + 4, true) !== UF2_MAGIC_START1 || dv.getUint32(o + 508, true) !== UF2_MAGIC_END) {
      throw new Error(`block at byte ${o} has wrong magic numbers`);
    }
    const flags = dv.getUint32(o + 8, true);
    const size = dv.getUint32(o + 16, true);
    out.push({
      address: dv.getUint32(o + 12, true),
      blockNo: dv.getUint32(o + 20, true),
      numBlocks: dv.getUint32(o + 24, true),
      family: flags & UF2_FLAG_FAMILY_ID ? dv.getUint32(o + 28, true) : undefined,
      payload: bytes.slice(o + 32, o + 32 + size),
    });
  }
  return out;
}
