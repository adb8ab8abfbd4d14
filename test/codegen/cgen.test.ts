import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertValidIdentifier, cArrayBody, cComment, cFloat, cInt, cString, sanitizeIdentifier } from '../../src/codegen/cgen.js';
import { Prng } from '../../src/util/prng.js';

describe('C identifiers', () => {
  it('sanitises TFLite tensor names', () => {
    expect(sanitizeIdentifier('model/conv2d_1/Relu;bias:0')).toBe('model_conv2d_1_Relu_bias_0');
    expect(sanitizeIdentifier('1st')).toBe('_1st');
    expect(sanitizeIdentifier('int')).toBe('int_');
    expect(sanitizeIdentifier('///')).toBe('x');
    expect(sanitizeIdentifier('a'.repeat(100))).toHaveLength(63);
  });
  it('rejects invalid prefixes with a suggestion', () => {
    expect(() => assertValidIdentifier('my-model', 'prefix')).toThrow(/not a valid C identifier/);
    expect(assertValidIdentifier('my_model', 'prefix')).toBe('my_model');
  });
});

describe('C literals', () => {
  it('range-checks integers and spells INT32_MIN without overflow', () => {
    expect(cInt(-128, 'int8_t')).toBe('-128');
    expect(() => cInt(128, 'int8_t')).toThrow(/does not fit int8_t/);
    expect(() => cInt(1.5)).toThrow();
    expect(cInt(-2147483648)).toBe('(-2147483647 - 1)');
    expect(cInt(4294967295, 'uint32_t')).toBe('4294967295u');
  });
  it('escapes strings and comments', () => {
    expect(cString('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
    expect(cComment('x */ y')).toBe('x * / y');
  });
  it('formats arrays deterministically', () => {
    expect(cArrayBody([1, 2, 3], String, 2)).toBe('  1, 2,\n  3,');
  });

  it('float literals read back bit-exactly in C (gcc)', () => {
    const rng = new Prng(3);
    const dv = new DataView(new ArrayBuffer(4));
    const vals: number[] = [0, -0, 1, -1, 0.1, 1e-45, 3.4028234663852886e38, 1.1754943508222875e-38, 6 / 255];
    while (vals.length < 400) {
      dv.setUint32(0, rng.nextU32());
      const f = dv.getFloat32(0);
      if (Number.isFinite(f)) vals.push(f);
    }
    const dir = mkdtempSync(join(tmpdir(), 'tp-cgen-'));
    const src = `#include <stdio.h>\n#include <string.h>\n#include <stdint.h>\nstatic const float v[] = {\n${cArrayBody(vals, cFloat, 4)}\n};\nint main(void){for(unsigned i=0;i<sizeof v/sizeof v[0];i++){uint32_t b;memcpy(&b,&v[i],4);printf("%08x\\n",b);}return 0;}\n`;
    writeFileSync(join(dir, 'f.c'), src);
    execFileSync('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-o', join(dir, 'f'), join(dir, 'f.c')]);
    const got = execFileSync(join(dir, 'f')).toString().trim().split('\n');
    const want = vals.map((f) => {
      dv.setFloat32(0, f);
      return dv.getUint32(0).toString(16).padStart(8, '0');
    });
    expect(got).toEqual(want);
  });
});
