/**
 * report.html of a real build, opened in headless Chromium: no console messages (no errors,
 * nothing failed to load), and the screenshot shows the charts — the bar colours cover more
 * pixels than their legend swatches alone would.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../../src/build/build.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { writeTflite } from '../../src/tflite/write.js';
import { CHART_COLORS } from '../../src/report/html.js';
import { findChromium, screenshotHtml } from '../../src/report/browser.js';
import { countColor, decodePng } from '../helpers/png.js';

const chromium = findChromium();
if (!chromium) console.warn('SKIPPED: chromium not installed (sudo apt-get install chromium, or bash scripts/setup.sh): report.html is not rendered in a browser');

describe('PNG decoder (test helper)', () => {
  it('undoes every scanline filter', () => {
    // 2x3 RGB, rows filtered None, Sub, Up, and a 4th row Average, 5th Paeth.
    const pixels = [
      [10, 20, 30, 40, 50, 60],
      [1, 2, 3, 4, 5, 6],
      [7, 8, 9, 250, 251, 252],
      [100, 0, 255, 3, 3, 3],
      [9, 99, 199, 1, 2, 3],
    ];
    const paeth = (a: number, b: number, c: number): number => {
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const rows = pixels.map((row, y) => {
      const prev = y > 0 ? pixels[y - 1]! : row.map(() => 0);
      const f = y;
      const enc = row.map((v, i) => {
        const a = i >= 3 ? row[i - 3]! : 0;
        const b = prev[i]!;
        const c = i >= 3 ? prev[i - 3]! : 0;
        const p = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]!;
        return (v - p + 256) & 0xff;
      });
      return [f, ...enc];
    });
    const chunk = (type: string, data: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(2, 0);
    ihdr.writeUInt32BE(5, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from(rows.flat()))), chunk('IEND', Buffer.alloc(0))]);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([2, 5]);
    expect([...img.rgba.subarray(0, 8)]).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    expect([...img.rgba.subarray(4 * 8, 4 * 8 + 8)]).toEqual([9, 99, 199, 255, 1, 2, 3, 255]);
    expect(countColor(img, '#fafbfc')).toBe(1);
  });
});

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tp-report-'));
  const out = join(tmp, 'build');

  beforeAll(async () => {
    const model = join(tmp, 'synth.tflite');
    writeFileSync(model, writeTflite(synthDigitsCnn(1)));
    await buildModel({ modelPath: model, board: 'mps2-an386', emulate: false, outDir: out, toolVersion: 'test', sparsity: 0.7, measure: true, bench: false });
  });

  it('renders without console messages, and the flash, RAM and latency charts are drawn', async () => {
    const html = join(out, 'report.html');
    expect(existsSync(html)).toBe(true);
    expect(readFileSync(html, 'utf8')).toContain('instructions (QEMU)');
    // The compiler version, as recorded in firmware.elf's .comment section.
    expect(readFileSync(html, 'utf8')).toMatch(/compiler \(firmware\.elf\)<\/th><td>GCC: /);
    const png = join(tmp, 'report.png');
    const r = await screenshotHtml({ html, png, width: 900, height: 2400 });
    expect(r.console).toEqual([]);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([900, 2400]);
    // A legend swatch is 12x12 = 144 px and the upper bar draws each part at least 2x18 px:
    // anything well above that is the lower bar (or the latency bars) really drawn.
    for (const key of ['weights', 'code', 'arena', 'stack', 'measured'] as const) {
      expect(countColor(img, CHART_COLORS[key]), key).toBeGreaterThan(400);
    }
  });

  it('the console check does catch a page with errors', async () => {
    const bad = join(tmp, 'bad.html');
    writeFileSync(bad, '<!DOCTYPE html><p>x</p><script>throw new Error("thrown on purpose")</script>');
    const r = await screenshotHtml({ html: bad, png: join(tmp, 'bad.png'), width: 200, height: 100 });
    expect(r.console.join('\n')).toMatch(/Uncaught Error: thrown on purpose/);
  });
});
