/**
 * Geometry for the inline SVG charts of report.html: scales, stacked-bar segments, polyline
 * points and axis ticks. Pure numbers in, SVG attribute text out, so the template only places
 * what these computed and the same report always gives the same bytes.
 */

/** An SVG coordinate: at most two decimals, no trailing zeros, never "-0". */
export function svgNumber(n: number): string {
  const r = Math.round(n * 100) / 100;
  return String(r === 0 ? 0 : r);
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps everything to r0. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => r0;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

export interface Segment {
  x: number;
  width: number;
}

/**
 * Stacked segments of one bar: `values` laid end to end from `x0`, `scaleMax` spanning
 * `width`. A non-zero value is at least `minWidth` wide, so a small part stays visible next to
 * a large limit (the numbers beside the bar are exact; the picture is not).
 */
export function stackSegments(values: readonly number[], scaleMax: number, width: number, x0 = 0, minWidth = 1): Segment[] {
  const scale = scaleMax > 0 ? width / scaleMax : 0;
  let x = x0;
  return values.map((v) => {
    const w = v > 0 ? Math.max(minWidth, v * scale) : 0;
    const seg = { x, width: w };
    x += w;
    return seg;
  });
}

/** Bar lengths proportional to the largest value (absent values: 0). */
export function barLengths(values: readonly (number | null)[], width: number): number[] {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values.map((v) => (v !== null && v > 0 && max > 0 ? (v / max) * width : 0));
}

/** The "x,y x,y …" of an SVG polyline through `points` under the two scales. */
export function polylinePoints(points: readonly { x: number; y: number }[], sx: (v: number) => number, sy: (v: number) => number): string {
  return points.map((p) => `${svgNumber(sx(p.x))},${svgNumber(sy(p.y))}`).join(' ');
}

/**
 * Round tick values covering [min, max] (about `count` of them, steps of 1, 2 or 5 × 10^k),
 * starting at or below min and ending at or above max.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < max + step - 1e-9 * step; t += step) ticks.push(Math.round(t / step) * step);
  // Spell 0.30000000000000004 as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return ticks.map((t) => Number(t.toFixed(decimals)));
}
