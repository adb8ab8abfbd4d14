/**
 * `tinyprune build --emit c,cmake --emit arduino` on the synthetic CNN (pruned, so sparse and
 * DSP kernels are in the library): every export compiles warning-free and computes what the
 * reference interpreter computes for the examples' all-zero input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { writeTflite } from '../../src/tflite/write.js';
import { readTflite } from '../../src/tflite/read.js';
import { interpret } from '../../src/interp/interpret.js';
import { which } from '../../src/firmware/toolchain.js';
import { buildModel } from '../../src/build/build.js';
import { exportBuild } from '../../src/export/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-export-'));
const out = join(tmp, 'build');
const exp = (kind: string, ...p: string[]): string => join(out, 'export', kind, ...p);
let expected = '';

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

function skipWithout(tool: string, what: string): boolean {
  if (which(tool)) return false;
  console.warn(`SKIPPED: ${tool} not installed (bash scripts/setup.sh installs it): ${what}`);
  return true;
}

beforeAll(async () => {
  const model = join(tmp, 'synth.tflite');
  writeFileSync(model, writeTflite(synthDigitsCnn(3)));
  const r = await runCli(['build', '--board', 'mps2-an386', model, '-o', out, '--sparsity', '0.6', '--emit', 'c,cmake', '--emit', 'arduino']);
  expect(r.code, r.stderr).toBe(0);
  // What every example prints: one inference on inputs that are all the zero point.
  const graph = readTflite(new Uint8Array(readFileSync(join(out, 'model.tflite'))), 'model.tflite').graph;
  const input = graph.tensors[graph.inputs[0]!]!;
  const zp = input.quant!.zeroPoint[0]!;
  const y = interpret(graph, [new Uint8Array(64).fill(zp & 0xff)]).outputs[0]!;
  expected = `output 0 (int8): ${[...new Int8Array(y.buffer, y.byteOffset, y.length)].join(' ')}`;
});

describe('build --emit', () => {
  it('writes the three exports and says where', async () => {
    for (const f of [exp('c', 'Makefile'), exp('cmake', 'CMakeLists.txt'), exp('arduino', 'tp_model.zip'), exp('arduino', 'tp_model', 'library.properties')]) expect(existsSync(f), f).toBe(true);
  });

  it('rejects an unknown export before building', async () => {
    const r = await runCli(['build', '--board', 'mps2-an386', join(tmp, 'synth.tflite'), '-o', join(tmp, 'x'), '--emit', 'c,zig']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--emit zig is not an export/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });
});

describe.skipIf(skipWithout('make', 'the C library export is not compiled'))('export c: Makefile → static library', () => {
  it('builds on the host with cc -Wall -Wextra -Werror, and a program linked with it computes the reference output', () => {
    run('make', ['HOST=1', 'EXTRA_CFLAGS=-Werror'], exp('c'));
    expect(existsSync(exp('c', 'libtp_model.a'))).toBe(true);
    const exe = join(tmp, 'c-example');
    run('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', `-I${exp('c')}`, `-I${exp('c', 'include')}`, exp('cmake', 'example', 'main.c'), exp('c', 'libtp_model.a'), '-lm', '-o', exe], tmp);
    expect(run(exe, [], tmp).trim()).toBe(expected);
  });

  it.skipIf(skipWithout('arm-none-eabi-gcc', 'the C library export is not cross-compiled'))('cross-compiles for the board with its core flags', () => {
    run('make', ['clean'], exp('c'));
    const log = run('make', ['EXTRA_CFLAGS=-Werror'], exp('c'));
    expect(log).toMatch(/arm-none-eabi-gcc .*-mcpu=cortex-m4/);
    expect(execFileSync('arm-none-eabi-objdump', ['-f', exp('c', 'libtp_model.a')], { encoding: 'utf8' })).toMatch(/elf32-littlearm/);
  });
});

describe.skipIf(skipWithout('cmake', 'the CMake export is not configured or built'))('export cmake', () => {
  it('configures and builds with -Wall -Wextra -Werror; its example computes the reference output', () => {
    const bin = join(tmp, 'cmake-build');
    run('cmake', ['-S', exp('cmake'), '-B', bin, '-DCMAKE_C_FLAGS=-Wall -Wextra -Werror'], tmp);
    run('cmake', ['--build', bin], tmp);
    expect(run(join(bin, 'tp_model_example'), [], tmp).trim()).toBe(expected);
  });
});

const ARDUINO_STUB = `/* The few Arduino APIs the generated sketch uses, for a host compile. */
#pragma once
#include <stdint.h>
#include <stdio.h>
struct TpSerialStub {
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  void print(const char *s) { fputs(s, stdout); }
  void print(long v) { printf("%ld", v); }
  void print(unsigned long v) { printf("%lu", v); }
  void print(double v) { printf("%.2f", v); }
  void println() { putchar('\\n'); }
  void println(const char *s) { puts(s); }
  void println(long v) { printf("%ld\\n", v); }
};
extern TpSerialStub Serial;
unsigned long micros(void);
void delay(unsigned long ms);
`;

const ARDUINO_MAIN = `#include "Arduino.h"
TpSerialStub Serial;
unsigned long micros(void) { return 0; }
void delay(unsigned long) {}
void setup();
void loop();
int main() { setup(); loop(); return 0; }
`;

describe('export arduino', () => {
  const lib = exp('arduino', 'tp_model');

  it('is a flat library: library.properties, src/ with every source, examples/tp_model/tp_model.ino', () => {
    const props = readFileSync(join(lib, 'library.properties'), 'utf8');
    expect(props).toMatch(/^name=tp_model$/m);
    expect(props).toMatch(/^version=\d+\.\d+\.\d+$/m);
    expect(props).toMatch(/^includes=tp_model\.h$/m);
    const src = readdirSync(join(lib, 'src'));
    expect(src).toContain('tp_model.c');
    expect(src).toContain('tp_dsp.h');
    for (const f of src) expect(readFileSync(join(lib, 'src', f), 'utf8'), f).not.toMatch(/#\s*include\s*"[^"]*\//);
    expect(existsSync(join(lib, 'examples', 'tp_model', 'tp_model.ino'))).toBe(true);
  });

  it.skipIf(skipWithout('c++', 'the Arduino sketch is not compiled on the host'))('sources (cc) and sketch (c++, Arduino.h stub) compile with -Werror and the sketch prints the reference output', () => {
    const stub = join(tmp, 'arduino-stub');
    mkdirSync(stub, { recursive: true });
    writeFileSync(join(stub, 'Arduino.h'), ARDUINO_STUB);
    writeFileSync(join(stub, 'main.cpp'), ARDUINO_MAIN);
    const objs: string[] = [];
    for (const f of readdirSync(join(lib, 'src')).filter((f) => f.endsWith('.c'))) {
      const o = join(stub, f.replace(/\.c$/, '.o'));
      run('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-DTP_HOST_BUILD', '-DTP_DSP_EMULATE', `-I${join(lib, 'src')}`, '-c', join(lib, 'src', f), '-o', o], tmp);
      objs.push(o);
    }
    const exe = join(stub, 'sketch');
    const flags = ['-Wall', '-Wextra', '-Werror', `-I${stub}`, `-I${join(lib, 'src')}`];
    run('c++', [...flags, '-x', 'c++', join(lib, 'examples', 'tp_model', 'tp_model.ino'), '-x', 'none', join(stub, 'main.cpp'), ...objs, '-lm', '-o', exe], tmp);
    const printed = run(exe, [], tmp);
    expect(printed).toMatch(/^inference: 0 us$/m);
    expect(printed).toContain(expected.replace(' (int8)', ''));
  });

  it.skipIf(skipWithout('arm-none-eabi-gcc', 'the Arduino sources are not cross-compiled'))('sources cross-compile for the board (Cortex-M4, DSP kernels) with -Werror', () => {
    const o = join(tmp, 'arduino-arm');
    mkdirSync(o, { recursive: true });
    for (const f of readdirSync(join(lib, 'src')).filter((f) => f.endsWith('.c'))) {
      run('arm-none-eabi-gcc', ['-mthumb', '-mcpu=cortex-m4', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard', '-O2', '-std=c99', '-Wall', '-Wextra', '-Werror', `-I${join(lib, 'src')}`, '-c', join(lib, 'src', f), '-o', join(o, `${f}.o`)], tmp);
    }
  });

  it.skipIf(skipWithout('unzip', 'the Arduino zip is not checked'))('the zip passes unzip -t and holds the library folder byte for byte', () => {
    const zip = exp('arduino', 'tp_model.zip');
    expect(run('unzip', ['-t', zip], tmp)).toMatch(/No errors detected/);
    const listing = run('unzip', ['-Z1', zip], tmp).trim().split('\n');
    expect(listing).toContain('tp_model/library.properties');
    expect(listing).toContain('tp_model/examples/tp_model/tp_model.ino');
    for (const f of listing) expect(execFileSync('unzip', ['-p', zip, f]).equals(readFileSync(exp('arduino', ...f.split('/')))), f).toBe(true);
  });
});

describe.skipIf(skipWithout('make', 'the Helium export is not checked'))('export of a Helium (Cortex-M55) build', () => {
  it('cross-compiles for the M55 and refuses a host build with a message that says why', async () => {
    const dir = join(tmp, 'm55');
    await buildModel({ modelPath: join(tmp, 'synth.tflite'), board: 'mps3-an547', emulate: false, outDir: dir, toolVersion: 'test', bench: false });
    const [c, cmake] = exportBuild(dir, ['c', 'cmake']);
    expect(readdirSync(join(c!, 'kernels', 'mve')).some((f) => f.endsWith('.c'))).toBe(true);
    const host = spawnSync('make', ['HOST=1'], { cwd: c!, encoding: 'utf8' });
    expect(host.status).not.toBe(0);
    expect(host.stderr).toMatch(/Helium \(MVE\) kernels of this library need a Cortex-M55\/M85/);
    if (!skipWithout('cmake', 'the Helium CMake export is not configured')) {
      const r = spawnSync('cmake', ['-S', cmake!, '-B', join(tmp, 'm55-cmake')], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/need a Cortex-M55\/M85/);
    }
    if (!skipWithout('arm-none-eabi-gcc', 'the Helium export is not cross-compiled')) {
      expect(run('make', ['EXTRA_CFLAGS=-Werror'], c!)).toMatch(/-mcpu=cortex-m55/);
    }
  });
});
