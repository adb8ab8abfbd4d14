// The quick-start job: the embedded default, `tinyprune build` with no arguments. It builds the
// bundled example (examples/digits-dscnn: a digits DS-CNN the project trained on its own
// generated digits) for the default emulated board, the BBC micro:bit (Cortex-M0, 256 KB flash,
// 16 KB RAM), where it does not fit as it is: sensitivity analysis, the budget solver, channel
// and weight pruning with fine-tuning, int8, sparse formats, C, firmware, and a QEMU run whose
// outputs are checked against the reference interpreter. Then `tinyprune run` on the result.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { main } from '../dist/cli/main.js';

const out = resolve('out/demo');
mkdirSync(out, { recursive: true });
const io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cwd: out, isTTY: process.stderr.isTTY, columns: process.stderr.columns };
const step = async (title, args) => {
  process.stdout.write(`\n$ tinyprune ${args.join(' ')}    # ${title}\n`);
  const code = await main(args, io);
  if (code !== 0) process.exit(code);
};

await step('the embedded default: prune the bundled example to fit a micro:bit, build, verify in QEMU', ['build']);
await step('run it in QEMU again, exact instructions per layer', ['run', 'build/digits-dscnn-microbit']);
process.stdout.write(`\nreport: ${resolve(out, 'build/digits-dscnn-microbit/report.html')}\n`);
