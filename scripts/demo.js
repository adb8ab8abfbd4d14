// The quick-start job: generate the project's own example model, then show it with
// `tinyprune inspect` and run it through the reference interpreter.
// (Until the build pipeline lands, this is the main job; it needs only `npm run build`.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { synthDigitsCnn } from '../dist/examples/synthetic.js';
import { writeTflite } from '../dist/tflite/write.js';
import { main } from '../dist/cli/main.js';
import { Prng } from '../dist/util/prng.js';

const out = resolve('out/demo');
mkdirSync(out, { recursive: true });
const model = resolve(out, 'digits_cnn_synth.tflite');
writeFileSync(model, writeTflite(synthDigitsCnn(1)));
const rng = new Prng(7);
const input = Uint8Array.from({ length: 64 }, () => rng.int(0, 255));
writeFileSync(resolve(out, 'input.bin'), input);

const io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cwd: process.cwd() };
let code = await main(['inspect', model], io);
if (code === 0) {
  process.stdout.write('\nreference interpreter on a random input:\n');
  code = await main(['interpret', model, '--input', resolve(out, 'input.bin'), '--output', resolve(out, 'output.bin'), '--json'], io);
}
process.exitCode = code;
