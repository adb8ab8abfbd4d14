/**
 * The pruning sensitivity chart of report.html (one curve per layer and granularity) and the
 * chart helpers the other charts share: every coordinate from the tested helpers in svg.ts.
 */
import type { SensitivityPoint } from '../contracts/report.js';
import { formatPercent } from './format.js';
import { linearScale, niceTicks, polylinePoints, svgNumber } from './svg.js';

const SERIES_COLORS = ['#2e6fd0', '#c9383a', '#2b9a48', '#e8912d', '#8a4fc0', '#1f9ea8', '#a0662a', '#d45aa0'];
/** Dash patterns (stroke-dasharray; '' solid): with 8 colours, 40 curves differ in both. */
const SERIES_DASHES = ['', '7 4', '2 3', '9 3 2 3', '4 2'];

/** Colour and dash of sensitivity curve i: neighbours differ in both, no pair repeats below 40. */
export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: SERIES_COLORS[i % SERIES_COLORS.length]!, dash: SERIES_DASHES[i % SERIES_DASHES.length]! };
}

export const CHART_WIDTH = 760;

/** The longest label drawn in a chart (the full text is in the tooltip and the table). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function sensitivityView(points: readonly SensitivityPoint[] | undefined) {
  if (!points || points.length === 0) return null;
  const plot = { x0: 60, x1: 540, y0: 20, y1: 260 };
  const accs = points.map((p) => p.accuracy);
  const yTicks = niceTicks(Math.min(...accs), Math.max(...accs), 5);
  const xTicks = niceTicks(0, 1, 5);
  const sx = linearScale([0, 1], [plot.x0, plot.x1]);
  const sy = linearScale([yTicks[0]!, yTicks[yTicks.length - 1]!], [plot.y1, plot.y0]);
  const series = new Map<string, SensitivityPoint[]>();
  for (const p of points) {
    const key = `${p.layer} (${p.granularity})`;
    series.set(key, [...(series.get(key) ?? []), p]);
  }
  return {
    width: svgNumber(CHART_WIDTH),
    height: svgNumber(Math.max(300, plot.y0 + 16 + series.size * 18)),
    plot: { x0: svgNumber(plot.x0), x1: svgNumber(plot.x1), y0: svgNumber(plot.y0), y1: svgNumber(plot.y1) },
    xTicks: xTicks.map((t) => ({ x: svgNumber(sx(t)), label: formatPercent(t, 0) })),
    yTicks: yTicks.map((t) => ({ y: svgNumber(sy(t)), label: formatPercent(t, 1) })),
    xLabelX: svgNumber((plot.x0 + plot.x1) / 2),
    xLabelY: svgNumber(plot.y1 + 36),
    series: [...series.entries()].map(([key, pts], i) => {
      const sorted = [...pts].sort((a, b) => a.sparsity - b.sparsity);
      const { color, dash } = seriesStyle(i);
      return {
        label: clip(key, 30),
        title: key,
        color,
        dash,
        points: polylinePoints(
          sorted.map((p) => ({ x: p.sparsity, y: p.accuracy })),
          sx,
          sy,
        ),
        dots: sorted.map((p) => ({
          cx: svgNumber(sx(p.sparsity)),
          cy: svgNumber(sy(p.accuracy)),
          title: `${key}: ${formatPercent(p.sparsity)} sparse → ${formatPercent(p.accuracy, 2)}`,
        })),
        legendY: svgNumber(plot.y0 + 8 + i * 18),
        legendTextY: svgNumber(plot.y0 + 10 + i * 18),
      };
    }),
    legendX: svgNumber(plot.x1 + 24),
    legendLineX2: svgNumber(plot.x1 + 40),
    legendTextX: svgNumber(plot.x1 + 44),
  };
}
