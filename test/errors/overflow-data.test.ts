import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../../src/build/build.js';
import { TinypruneError } from '../../src/errors.js';
import { hasShared, sharedPath, warnIfNoShared } from '../helpers/shared.js';

// Issue #11 item 2: the link's overflow is a field on the error, not text to parse back.
describe.skipIf(!hasShared)('E_DOES_NOT_FIT carries the overflow as data', () => {
  warnIfNoShared('person_detect on the micro:bit');
  it('person_detect on the micro:bit: data.overflow holds the bytes the message states', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tp-overflow-')), 'pd');
    let err: unknown;
    try {
      await buildModel({ modelPath: sharedPath('models/tflite-micro/person_detection/person_detect.tflite'), board: 'microbit', emulate: false, outDir: out, toolVersion: 'test' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinypruneError);
    const e = err as TinypruneError;
    expect(e.code).toBe('E_DOES_NOT_FIT');
    const over = e.data.overflow!;
    expect(over.length).toBeGreaterThan(0);
    // The user-facing text is unchanged and agrees with the data.
    for (const o of over) expect(e.message).toContain(`${o.region} overflowed by ${o.bytes} bytes`);
    expect(over.map((o) => o.region)).toContain('RAM');
    expect(e.message).toMatch(/largest activations/);
  }, 300_000);
});
