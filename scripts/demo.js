// The quick-start job: generate the project's own example model, show it (`tinyprune inspect`),
// compile it for the default emulated board (`tinyprune build`), run it in QEMU with exact
// instruction counts (`tinyprune run`), and check the firmware's outputs against the
// reference interpreter (`tinyprune interpret`) byte for byte.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { synthDigitsCnn } from '../dist/examples/synthetic.js';
import { writeTflite } from '../dist/tflite/write.js';
import { main } from '../dist/cli/main.js';
import { Prng } from '../dist/util/prng.js';

const BOARD = 'mps2-an386';
const out = resolve('out/demo');
mkdirSync(out, { recursive: true });
const model = resolve(out, 'digits_cnn_synth.tflite');
writeFileSync(model, writeTflite(synthDigitsCnn(1)));
const rng = new Prng(7);
writeFileSync(resolve(out, 'input.bin'), Uint8Array.from({ length: 64 }, () => rng.int(0, 255)));

const io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cwd: process.cwd() };
const step = async (title, args) => {
  process.stdout.write(`\n$ tinyprune ${args.map((a) => a.replace(process.cwd() + '/', '')).join(' ')}    # ${title}\n`);
  const code = await main(args, io);
  if (code !== 0) process.exit(code);
};

await step('the model, layer by layer', ['inspect', model]);
await step('C library + firmware for the emulated Cortex-M4F', ['build', '--board', BOARD, model, '-o', resolve(out, 'build')]);
await step('run it in QEMU, count instructions', ['run', '--board', BOARD, resolve(out, 'build'), '--input', resolve(out, 'input.bin'), '--output', resolve(out, 'firmware-output.bin')]);
await step('the reference interpreter on the same input', ['interpret', model, '--input', resolve(out, 'input.bin'), '--output', resolve(out, 'reference-output.bin')]);
const same = Buffer.compare(readFileSync(resolve(out, 'firmware-output.bin')), readFileSync(resolve(out, 'reference-output.bin'))) === 0;
process.stdout.write(`\nfirmware output ${same ? '==' : '!='} reference interpreter output (byte for byte)\n`);
process.exitCode = same ? 0 : 1;
