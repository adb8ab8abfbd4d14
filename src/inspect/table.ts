/** Plain-text rendering of a ModelSummary (the default output of `tinyprune inspect`). */
import type { LayerSummary, ModelSummary, QuantSummary, TensorRef } from './summary.js';

export function renderSummaryTable(s: ModelSummary, source: string): string {
  const head = ['#', 'op', 'inputs', 'output', 'quantization', 'params', 'MACs', 'weight B', 'sparsity', 'options'];
  const rows = s.layers.map((l) => [
    String(l.index),
    l.op,
    l.inputs.filter((t) => !t.constant).map(tensorShape).join(' + ') || '-',
    l.outputs.map(tensorShape).join(', '),
    quantText(l),
    fmtInt(l.params),
    fmtInt(l.macs),
    fmtInt(l.weightBytes),
    l.weightBytes > 0 ? `${(l.sparsity * 100).toFixed(1)}%` : '-',
    optionsText(l.options),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c >= 5 && c <= 8 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  out.push(`model: ${source}${s.description ? `  (${s.description})` : ''}`);
  out.push(`inputs:  ${s.inputs.map(ioText).join(', ')}`);
  out.push(`outputs: ${s.outputs.map(ioText).join(', ')}`);
  out.push('');
  out.push(line(head));
  out.push(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) out.push(line(r));
  out.push('');
  const t = s.totals;
  out.push(
    `totals: ${t.operators} operators, ${fmtInt(t.params)} parameters, ${fmtInt(t.macs)} MACs, ` +
      `${fmtInt(t.weightBytes)} B constants, ${fmtInt(t.activationBytes)} B activations (sum, before planning)`,
  );
  return out.join('\n') + '\n';
}

function tensorShape(t: TensorRef): string {
  return `${t.dtype}[${t.shape.join('x')}]`;
}

function ioText(t: TensorRef): string {
  const q = t.quantization;
  return `${t.name || `t${t.index}`} ${tensorShape(t)}${q ? ` ${quantShort(q)}` : ''}`;
}

function quantShort(q: QuantSummary): string {
  if (q.kind === 'per-tensor') return `s=${num(q.scale as number)} zp=${String(q.zeroPoint)}`;
  const [lo, hi] = q.scale as [number, number];
  return `per-channel(axis ${q.axis}, ${q.channels} ch, s=${num(lo)}..${num(hi)})`;
}

function quantText(l: LayerSummary): string {
  const w = l.inputs.find((t) => t.constant && t.quantization);
  const o = l.outputs[0]?.quantization;
  const parts: string[] = [];
  if (w?.quantization) parts.push(`w:${w.quantization.kind === 'per-channel' ? `per-ch(${w.quantization.channels})` : 'per-tensor'}`);
  if (o) parts.push(`out:${quantShort(o)}`);
  return parts.join(' ') || '-';
}

function optionsText(o: Record<string, unknown>): string {
  const keep: string[] = [];
  const get = (k: string): unknown => o[k];
  if (get('strideW') !== undefined) keep.push(`stride ${String(get('strideH'))}x${String(get('strideW'))}`);
  if (get('filterWidth') !== undefined) keep.push(`filter ${String(get('filterHeight'))}x${String(get('filterWidth'))}`);
  if (get('padding') !== undefined) keep.push(String(get('padding')));
  const dh = get('dilationHFactor');
  const dw = get('dilationWFactor');
  if ((dh !== undefined && dh !== 1) || (dw !== undefined && dw !== 1)) keep.push(`dilation ${String(dh)}x${String(dw)}`);
  const dm = get('depthMultiplier');
  if (dm !== undefined && dm !== 1 && dm !== 0) keep.push(`depth_mult ${String(dm)}`);
  const act = get('fusedActivationFunction');
  if (act !== undefined && act !== 'NONE') keep.push(String(act));
  return keep.join(', ');
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

function num(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
