// `npm run docs:screenshot`: docs/report.png, the picture of report.html in README.md. Builds
// the project's synthetic example pruned to 70% for the emulated Cortex-M4F with measured
// per-layer instructions (QEMU), then screenshots its report.html in headless Chromium.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildModel } from '../src/build/build.js';
import { synthDigitsCnn } from '../src/examples/synthetic.js';
import { writeTflite } from '../src/tflite/write.js';
import { screenshotHtml } from '../src/report/browser.js';
import { toolVersion } from '../src/cli/version.js';

const out = resolve('out/docs-report');
mkdirSync(out, { recursive: true });
const model = resolve(out, 'digits_cnn_synth.tflite');
writeFileSync(model, writeTflite(synthDigitsCnn(1)));
await buildModel({ modelPath: model, board: 'mps2-an386', emulate: false, outDir: resolve(out, 'build'), toolVersion: toolVersion(), sparsity: 0.7, measure: true, bench: false });
mkdirSync(resolve('docs'), { recursive: true });
const r = await screenshotHtml({ html: resolve(out, 'build/report.html'), png: resolve('docs/report.png'), width: 840, height: 1640 });
if (r.console.length > 0) {
  process.stderr.write(`report.html logged to the console:\n${r.console.join('\n')}\n`);
  process.exitCode = 1;
}
process.stdout.write(`wrote docs/report.png (from ${resolve(out, 'build/report.html')})\n`);
