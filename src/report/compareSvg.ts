/**
 * Pictures of a comparison (plain SVG, no dependencies): the table itself, with
 * a bar and whisker (mean ± std over seeds) per strategy and a heat map of the
 * per-attribute deltas against the baseline; and each strategy's task-weight
 * curves as small multiples.
 */
import { type CompareTable, pct, pctSpread, signedPct } from './compare.js';
import { escapeXml, niceTicks, PALETTE, type Panel, smallMultiples } from './svg.js';
import { thin } from './runReport.js';

const text = (x: number, y: number, s: string, attrs = ''): string => `<text x="${x}" y="${y}" ${attrs}>${escapeXml(s)}</text>`;

/** Red for negative, green for positive deltas, white at 0; saturated at +-limit. */
const deltaColour = (d: number, limit: number): string => {
  if (!Number.isFinite(d)) return '#f0f0f0';
  const a = Math.max(-1, Math.min(1, d / limit));
  const mix = (from: number, to: number): number => Math.round(from + (to - from) * Math.abs(a));
  return a >= 0 ? `rgb(${mix(255, 26)},${mix(255, 150)},${mix(255, 65)})` : `rgb(${mix(255, 215)},${mix(255, 48)},${mix(255, 39)})`;
};

/** The table as a picture: one line per strategy with its figures and a bar of its mean accuracy, then the delta heat map. */
export const compareTableSvg = (table: CompareTable): string => {
  const rows = table.rows;
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.headline)))];
  const rowH = 24;
  const top = 58;
  const columns = ['strategy', 'runs', 'mean acc (%)', 'mA (%)', ...keys.map((k) => `${k} (%)`), `Δ vs ${table.baseline ?? '–'}`];
  const widths = [90, 50, 130, 130, ...keys.map(() => 130), 90];
  const tableW = widths.reduce((a, b) => a + b, 0);
  const barX = tableW + 20;
  const barW = 300;
  const finished = rows.filter((r) => r.runs > 0);
  const lo = Math.min(...finished.map((r) => r.mean - (r.std ?? 0)));
  const hi = Math.max(...finished.map((r) => r.mean + (r.std ?? 0)));
  const span = finished.length === 0 ? [0, 1] : [Math.max(0, lo - Math.max(0.01, (hi - lo) * 0.2)), Math.min(1, hi + Math.max(0.01, (hi - lo) * 0.2))];
  const sx = (v: number): number => barX + ((v - span[0]) / (span[1] - span[0])) * barW;
  const parts: string[] = [];
  parts.push(
    text(10, 22, `awmtl compare: ${table.pipeline}, ${table.iterations} iterations, ${table.seeds.length} seed(s), ${table.split} split`, 'font-size="15" font-weight="bold"'),
  );
  let x = 10;
  columns.forEach((c, i) => {
    parts.push(text(x + (i === 0 ? 0 : widths[i] - 8), top - 8, c, `font-size="12" font-weight="bold"${i === 0 ? '' : ' text-anchor="end"'}`));
    x += widths[i];
  });
  parts.push(text(barX, top - 8, 'mean accuracy (bar: mean, whisker: ± std)', 'font-size="12" font-weight="bold"'));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) parts.push(`<rect x="5" y="${y}" width="${barX + barW + 10}" height="${rowH}" fill="#f5f5f5"/>`);
    const cells = [
      r.strategy,
      String(r.runs) + (r.failed.length > 0 ? ` (${r.failed.length}✗)` : ''),
      r.runs === 0 ? '–' : pctSpread(r.mean, r.std),
      r.runs === 0 ? '–' : pctSpread(r.mA, r.mAStd),
      ...keys.map((k) => (r.headline[k] === undefined ? '–' : pctSpread(r.headline[k].mean, r.headline[k].std))),
      r.strategy === table.baseline ? 'baseline' : signedPct(r.meanDelta),
    ];
    let cx = 10;
    cells.forEach((c, j) => {
      parts.push(text(cx + (j === 0 ? 0 : widths[j] - 8), y + 16, c, `font-size="12"${j === 0 ? ' font-weight="bold"' : ' text-anchor="end"'}`));
      cx += widths[j];
    });
    if (r.runs > 0 && Number.isFinite(r.mean)) {
      const colour = PALETTE[i % PALETTE.length];
      parts.push(`<rect x="${barX}" y="${y + 5}" width="${Math.max(0, sx(r.mean) - barX).toFixed(1)}" height="${rowH - 10}" fill="${colour}" opacity="0.8"><title>${escapeXml(`${r.strategy}: ${pctSpread(r.mean, r.std)} %`)}</title></rect>`);
      if (r.std !== null) {
        const a = sx(r.mean - r.std);
        const b = sx(r.mean + r.std);
        parts.push(`<line x1="${a.toFixed(1)}" x2="${b.toFixed(1)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#000"/>`);
        for (const e of [a, b]) parts.push(`<line x1="${e.toFixed(1)}" x2="${e.toFixed(1)}" y1="${y + 7}" y2="${y + rowH - 7}" stroke="#000"/>`);
      }
    }
  });
  const axisY = top + rows.length * rowH + 4;
  parts.push(`<line x1="${barX}" x2="${barX + barW}" y1="${axisY}" y2="${axisY}" stroke="#999"/>`);
  for (const tick of niceTicks(span[0], span[1], 4)) {
    parts.push(`<line x1="${sx(tick).toFixed(1)}" x2="${sx(tick).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" stroke="#999"/>`);
    parts.push(text(sx(tick), axisY + 15, `${(tick * 100).toFixed(1)}%`, 'font-size="10" text-anchor="middle" fill="#444"'));
  }

  // Heat map of per-attribute deltas: one row per non-baseline strategy, one column per task.
  const others = rows.filter((r) => r.strategy !== table.baseline && r.delta !== null);
  const mapTop = axisY + 40;
  const cell = Math.max(12, Math.min(28, Math.floor((barX + barW - 110) / Math.max(1, table.tasks.length))));
  // Saturate at the 90th percentile of the non-zero differences (at least 0.5 pp), so one outlier does not wash out the rest.
  const magnitudes = others.flatMap((r) => (r.delta ?? []).filter((d) => Number.isFinite(d) && d !== 0).map(Math.abs)).sort((a, b) => a - b);
  const limit = Math.max(0.005, magnitudes.length === 0 ? 0 : magnitudes[Math.min(magnitudes.length - 1, Math.floor(magnitudes.length * 0.9))]);
  const labelH = Math.min(140, 8 + 6 * Math.max(0, ...table.tasks.map((t) => t.length)));
  let height = mapTop;
  if (others.length > 0) {
    parts.push(
      text(10, mapTop, `Per-attribute accuracy difference from ${table.baseline} (percentage points; colour saturates at ±${(limit * 100).toFixed(1)})`, 'font-size="13" font-weight="bold"'),
    );
    const gridTop = mapTop + 10 + labelH;
    table.tasks.forEach((task, j) => {
      const cx = 110 + j * cell + cell / 2;
      parts.push(`<text transform="translate(${cx + 3},${gridTop - 4}) rotate(-60)" font-size="10">${escapeXml(task)}</text>`);
    });
    others.forEach((r, i) => {
      const y = gridTop + i * cell;
      parts.push(text(10, y + cell / 2 + 4, r.strategy, 'font-size="12" font-weight="bold"'));
      (r.delta ?? []).forEach((d, j) => {
        parts.push(
          `<rect x="${110 + j * cell}" y="${y}" width="${cell}" height="${cell}" fill="${deltaColour(d, limit)}" stroke="#ccc" stroke-width="0.5"><title>${escapeXml(`${r.strategy}, ${table.tasks[j]}: ${signedPct(d)} pp (${pct(r.perTask[j])}%)`)}</title></rect>`,
        );
      });
    });
    height = gridTop + others.length * cell + 10;
  }
  const width = Math.max(barX + barW + 20, 110 + table.tasks.length * cell + 20);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>`;
};

/** One strategy's weight trajectory: the weights used at each iteration of one run. */
export interface WeightCurve {
  readonly strategy: string;
  readonly seed: number;
  readonly iterations: readonly number[];
  /** [iteration][task]. */
  readonly weights: readonly (readonly number[])[];
}

/** Small multiples: one panel per strategy, one line per task (the weights used at each iteration; dashed: 1). */
export const weightCurvesSvg = (curves: readonly WeightCurve[], tasks: readonly string[], maxPoints = 300): string => {
  const panels: Panel[] = curves.map((c) => {
    const idx = thin(c.iterations.length, maxPoints);
    return {
      title: `${c.strategy} (seed ${c.seed})`,
      series: tasks.map((task, j) => ({
        name: task,
        points: idx.map((i) => [c.iterations[i], c.weights[i][j]] as const),
        color: PALETTE[j % PALETTE.length],
      })),
    };
  });
  return smallMultiples(panels, {
    title: 'Task weights used at each iteration, per strategy (one line per task; dashed: 1)',
    columns: Math.min(4, Math.max(1, panels.length)),
    panelWidth: 300,
    panelHeight: 200,
    referenceY: 1,
  });
};
