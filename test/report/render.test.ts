import { describe, expect, it } from 'vitest';
import type { BuildReport, LayerReport } from '../../src/contracts/report.js';
import { CHART_COLORS, formatReason, renderReportHtml, seriesStyle, type ReportInput } from '../../src/report/html.js';
import { annotateChannels, runInfo } from '../../src/report/annotate.js';
import { synthDigitsCnn } from '../../src/examples/synthetic.js';
import { terminalSummary } from '../../src/report/summary.js';

/** A report as build writes it (shape of report.json), with a hostile tensor name. */
function fixture(): BuildReport {
  const layer = (index: number, op: string, output: string, extra: Partial<BuildReport['layers'][number]> = {}): BuildReport['layers'][number] => ({
    index,
    op,
    kernel: `tp_${op.toLowerCase()}_s8`,
    format: 'dense',
    sparsity: null,
    weightBytes: 0,
    macs: 0,
    predictedInstructions: null,
    output,
    ...extra,
  });
  return {
    tool: { name: 'tinyprune', version: '9.9.9' },
    model: { source: 'm<x>.tflite', sha256: 'ab'.repeat(32), operators: 3 },
    board: 'mps2-an386',
    target: { mode: 'qemu', machine: 'mps2-an386', core: 'cortex-m4', flashLimit: 4194304, ramLimit: 4194304 },
    fits: true,
    flash: { total: 12752, weights: 738, model: 864, code: 11150, limit: 4194304 },
    ram: { arena: 640, static: 84, stack: 4096, total: 6868, limit: 4194304 },
    arena: { bytes: 640, lowerBound: 640 },
    layers: [
      layer(0, 'CONV_2D', `conv<script>alert("x")</script>&'1'`, { format: 'bitmask', sparsity: 0.7, weightBytes: 72, macs: 4608, predictedInstructions: 59051, dense: { weightBytes: 104, predictedInstructions: 63130 } }),
      layer(1, 'RESHAPE', 'flatten', { kernel: null, format: 'alias' }),
      layer(2, 'SOFTMAX', 'probabilities'),
    ],
    kernels: ['tp_conv_2d_s8_bitmask', 'tp_softmax_s8'],
    sparse: { sparsity: 0.7, granularity: 'element', optimize: 'balanced', format: null, family: 'dsp' },
    sourcesSha256: 'cd'.repeat(32),
    files: { elf: 'firmware.elf', bin: 'firmware.bin', hex: 'firmware.hex', model: 'model.tflite', sources: ['lib/tp_model.c'], bench: null },
    toolchain: { commands: [['/usr/bin/arm-none-eabi-gcc', '-mcpu=cortex-m4', '-O2', '-I<out>/lib', '-DNAME="a b"']] },
    warnings: [{ code: 'W_TEST', message: 'tensor <t> & co' }],
  };
}

describe('report.html', () => {
  it('escapes every name that comes from the model (the HTML template instance escapes every value)', () => {
    const html = renderReportHtml(fixture());
    expect(html).not.toContain('<script');
    expect(html).toContain('conv&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;1&#x27;');
    expect(html).toContain('m&lt;x&gt;.tflite');
    expect(html).toContain('tensor &lt;t&gt; &amp; co');
    expect(html).toContain('&#x27;-DNAME&#x3D;&quot;a b&quot;&#x27;');
    // Escaped once, not twice.
    expect(html).not.toContain('&amp;lt;');
  });

  it('is self-contained: no scripts, no external resources, no fonts from the network', () => {
    const html = renderReportHtml(fixture());
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|https?:\/\//i);
    expect(html).toMatch(/<svg[\s\S]*<rect/);
  });

  it('is byte-identical for the same report', () => {
    expect(renderReportHtml(fixture())).toBe(renderReportHtml(fixture()));
  });

  it('says instructions (QEMU) for measured counts and never cycles', () => {
    const r = fixture();
    r.layers.forEach((l, i) => (l.measuredInstructions = 1000 * (i + 1)));
    r.measured = { instructions: 6000 };
    const html = renderReportHtml(r);
    expect(html).toContain('instructions (QEMU)');
    expect(html).not.toMatch(/cycle/i);
    expect(html).toContain(CHART_COLORS.measured);
    expect(html).not.toContain(`fill="${CHART_COLORS.predicted}"`);
  });

  it('uses predictions where nothing was measured, and says so', () => {
    const html = renderReportHtml(fixture());
    expect(html).toContain('predicted by the cost model');
    expect(html).toContain(`fill="${CHART_COLORS.predicted}"`);
    expect(html).toContain('59,051 (predicted)');
  });

  it('renders sensitivity and accuracy only when the report carries them', () => {
    const plain = renderReportHtml(fixture());
    expect(plain).not.toContain('Pruning sensitivity');
    expect(plain).not.toContain('<polyline');
    expect(plain).not.toContain('<h2>Accuracy');
    const r: ReportInput = {
      ...fixture(),
      sensitivity: [0, 0.5, 0.9].flatMap((s) => [
        { layer: 'fc1', granularity: 'element', sparsity: s, accuracy: 0.96 - s / 10 },
        { layer: 'fc<2>', granularity: 'element', sparsity: s, accuracy: 0.96 - s / 4 },
      ]),
      accuracy: { before: 0.9605, after: 0.9585, stage: 'prune', samples: 2000, metric: 'top-1 (validation, int8 interpreter)' },
      fidelity: { agreement: 0.984375, meanAbsError: 0.00123456, samples: 64, inputs: 'seeded random', warning: 'no --data: fidelity <not> accuracy' },
    };
    r.toolchain = { ...r.toolchain, versions: { 'arm-none-eabi-gcc': '12.2.1' } };
    const html = renderReportHtml(r);
    expect(html).toContain('Pruning sensitivity');
    expect(html.match(/<polyline/g)).toHaveLength(2);
    expect(html).toContain('fc&lt;2&gt; (element)');
    expect(html).toContain('96.05%');
    expect(html).toContain('−0.20 pt');
    expect(html).toContain('top-1 (validation, int8 interpreter)');
    expect(html).toContain('2,000');
    expect(html).toContain('Top-1 agreement with the original model: <strong>98.44%</strong> on 64 seeded random inputs; mean absolute output error 0.00123.');
    expect(html).toContain('no --data: fidelity &lt;not&gt; accuracy');
    expect(html).toContain('12.2.1');
  });

  it('draws flash and RAM against the limits, with the parts named', () => {
    const html = renderReportHtml(fixture());
    for (const c of [CHART_COLORS.weights, CHART_COLORS.code, CHART_COLORS.arena, CHART_COLORS.stack]) expect(html).toContain(`fill="${c}"`);
    expect(html).toContain('12.5 KiB of 4.00 MiB (0.3%)');
    // RAM total 6868 - arena - stack - static: the rest (heap) is drawn too.
    expect(html).toContain('heap, other 2.0 KiB');
  });
});

describe('report.html: verify, run, channels, formats, curves', () => {
  it('shows the verify result, the data set, the seed and the command line', () => {
    const plain = renderReportHtml(fixture());
    expect(plain).not.toContain('How it was built and checked');
    const r: ReportInput = {
      ...fixture(),
      verify: { samples: 8, bitExact: 8, onDeviceAccuracy: 1 },
      run: runInfo({ modelPath: '/w/m.tflite', board: 'microbit', emulate: false, outDir: '/w/out dir', cwd: '/w', data: 'generated-digits:3000' }, 1),
    };
    const html = renderReportHtml(r);
    expect(html).toContain('<tr><th>verified in QEMU</th><td>8/8 outputs bit-exact with the reference interpreter; top-1 on the board 100.00%</td></tr>');
    expect(html).toContain('<tr><th>data set</th><td>generated-digits:3000</td></tr>');
    expect(html).toContain('<tr><th>seed</th><td>1</td></tr>');
    expect(html).toContain('<code>tinyprune build --board microbit m.tflite --data generated-digits:3000 --seed 1 -o &#x27;out dir&#x27;</code>');
    expect(html).not.toContain('not bit-exact');
    expect(renderReportHtml({ ...r, verify: { samples: 8, bitExact: 7, onDeviceAccuracy: null } })).toContain('7/8 outputs bit-exact');
    expect(renderReportHtml({ ...r, verify: { samples: 8, bitExact: 7, onDeviceAccuracy: null } })).toContain('this build is not bit-exact');
    // The warnings are listed.
    expect(html).toMatch(/<h2>Warnings<\/h2>\s*<ul>\s*<li>W_TEST: tensor &lt;t&gt; &amp; co<\/li>/);
  });

  it('a layer row says how many channels remain and why a format larger than dense was chosen', () => {
    const r = fixture();
    r.layers[0] = { ...r.layers[0]!, channels: { kept: 9, total: 12 }, format: 'block4x1', weightBytes: 192, predictedInstructions: 2120867, dense: { weightBytes: 156, predictedInstructions: 4798675 } };
    const html = renderReportHtml(r);
    expect(html).toContain('<td class="num">9/12</td>');
    expect(html).toContain('36 B more than dense, for 56% fewer predicted instructions (2,120,867 vs 4,798,675 dense)');
    expect(formatReason(r.layers[0]!, { ...r, sparse: { ...r.sparse!, format: 'block4x1' } })).toBe('36 B more than dense: --format block4x1 asked for it');
    expect(formatReason({ ...r.layers[0]!, predictedInstructions: 5000000 }, r)).toMatch(/not predicted faster/);
    // Smaller than dense: no reason needed.
    expect(formatReason(fixture().layers[0]!, r)).toBeNull();
  });

  it('sensitivity curves differ in colour and dash; the legend draws the same line', () => {
    const styles = Array.from({ length: 40 }, (_, i) => seriesStyle(i));
    expect(new Set(styles.map((s) => `${s.color} ${s.dash}`)).size).toBe(40);
    for (let i = 1; i < 40; i++) {
      expect(styles[i]!.color).not.toBe(styles[i - 1]!.color);
      expect(styles[i]!.dash).not.toBe(styles[i - 1]!.dash);
    }
    const r: ReportInput = {
      ...fixture(),
      sensitivity: ['a', 'b', 'c'].flatMap((layer, k) => [0, 0.5].map((s) => ({ layer, granularity: 'channel', sparsity: s, accuracy: 0.9 - k * s / 10 }))),
    };
    const html = renderReportHtml(r);
    const lines = [...html.matchAll(/<polyline [^>]*stroke="([^"]+)"[^>]*?(?: stroke-dasharray="([^"]+)")?>/g)].map((m) => `${m[1]} ${m[2] ?? ''}`);
    expect(lines).toHaveLength(3);
    expect(new Set(lines).size).toBe(3);
    expect(html.match(/<line x1="[^"]+" y1="[^"]+" x2="[^"]+" y2="[^"]+" stroke="#c9383a" stroke-width="2" stroke-dasharray="7 4"\/>/g)).toHaveLength(1);
  });
});

describe('report annotations', () => {
  it('runInfo spells a command that makes the same build', () => {
    expect(runInfo({ modelPath: '/a/m.tflite', board: 'b.json', emulate: true, outDir: '/w/o', cwd: '/w', planPath: '/w/p.json', latency: 5, epochs: 2, kernels: 'plain' }, 7)).toEqual({
      data: null,
      seed: 7,
      command: 'tinyprune build --board b.json /a/m.tflite --emulate --plan p.json --latency 5 --epochs 2 --kernels plain --seed 7 -o o',
    });
  });

  it('annotateChannels counts output channels kept (depthwise: the last axis)', () => {
    const before = synthDigitsCnn(1);
    const after = structuredClone(before);
    const layers: LayerReport[] = before.ops.map((op, index) => ({ index, op: op.opcode, kernel: null, format: 'dense' as const, sparsity: null, weightBytes: 0, macs: 0, predictedInstructions: null, output: '' }));
    const conv = before.ops.findIndex((o) => o.opcode === 'CONV_2D');
    const w = after.ops[conv]!.inputs[1]!;
    const total = before.tensors[w]!.shape[0]!;
    after.tensors[w] = { ...after.tensors[w]!, shape: [total - 1, ...after.tensors[w]!.shape.slice(1)] };
    annotateChannels(layers, before, after);
    expect(layers[conv]!.channels).toEqual({ kept: total - 1, total });
    const softmax = before.ops.findIndex((o) => o.opcode === 'SOFTMAX');
    expect(layers[softmax]!.channels).toBeUndefined();
  });
});

describe('terminal summary', () => {
  it('says whether it fits, flash and RAM against the limits, and instructions', () => {
    expect(terminalSummary(fixture())).toEqual([
      'fits on mps2-an386 (cortex-m4)',
      'flash         12.5 KiB / 4.00 MiB (0.3%)',
      'RAM           6.7 KiB / 4.00 MiB (0.2%)',
      'instructions  59,051 predicted for the 1 prunable layers (cost model; --measure counts them in QEMU)',
    ]);
    const r = fixture();
    r.measured = { instructions: 104897 };
    expect(terminalSummary(r)[3]).toBe('instructions  104,897 per inference (QEMU)');
    r.ram.total = r.ram.limit + 1;
    expect(terminalSummary(r)[0]).toMatch(/^DOES NOT FIT/);
  });
});
