/**
 * Plain SVG line charts (no dependencies): one chart with several series, and
 * small multiples (one panel per task) for per-attribute curves.
 */

export interface Series {
  readonly name: string;
  /** [x, y] points; non-finite y values break the line. */
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string;
  readonly dashed?: boolean;
}

export interface ChartOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
  /** Fixed y range; default from the data. */
  readonly yRange?: readonly [number, number];
  readonly legend?: boolean;
  /** A horizontal reference line (e.g. weight 1). */
  readonly referenceY?: number;
}

export const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values covering [lo, hi]. */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
};

const fmt = (v: number): string => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
};

const extent = (series: readonly Series[]): { x: [number, number]; y: [number, number] } => {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x0 === Infinity) return { x: [0, 1], y: [0, 1] };
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  return { x: [x0, x1], y: [y0 - pad, y1 + pad] };
};

/** The chart body (axes, lines) as an SVG group at the given position and size. */
const plot = (series: readonly Series[], options: ChartOptions, x: number, y: number, w: number, h: number, small: boolean): string => {
  const range = extent(series);
  const [ylo, yhi] = options.yRange ?? range.y;
  const [xlo, xhi] = range.x;
  const left = small ? 34 : 56;
  const bottom = small ? 16 : 34;
  const top = options.title ? (small ? 16 : 26) : 8;
  const right = 8;
  const pw = w - left - right;
  const ph = h - top - bottom;
  const sx = (v: number): number => x + left + ((v - xlo) / (xhi - xlo)) * pw;
  const sy = (v: number): number => y + top + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const font = small ? 9 : 11;
  const parts: string[] = [];
  if (options.title) {
    parts.push(
      `<text x="${x + left + pw / 2}" y="${y + (small ? 11 : 17)}" text-anchor="middle" font-size="${small ? 10 : 14}" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  parts.push(`<rect x="${x + left}" y="${y + top}" width="${pw}" height="${ph}" fill="#fff" stroke="#999" stroke-width="0.5"/>`);
  for (const t of niceTicks(ylo, yhi, small ? 3 : 5)) {
    const ty = sy(t);
    parts.push(`<line x1="${x + left}" x2="${x + left + pw}" y1="${ty}" y2="${ty}" stroke="#eee"/>`);
    parts.push(`<text x="${x + left - 3}" y="${ty + font / 3}" text-anchor="end" font-size="${font}" fill="#444">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(xlo, xhi, small ? 2 : 6)) {
    const tx = sx(t);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${y + top + ph}" y2="${y + top + ph + 3}" stroke="#999"/>`);
    parts.push(`<text x="${tx}" y="${y + top + ph + font + 3}" text-anchor="middle" font-size="${font}" fill="#444">${fmt(t)}</text>`);
  }
  if (options.referenceY !== undefined && options.referenceY >= ylo && options.referenceY <= yhi) {
    const ry = sy(options.referenceY);
    parts.push(`<line x1="${x + left}" x2="${x + left + pw}" y1="${ry}" y2="${ry}" stroke="#888" stroke-dasharray="3,3"/>`);
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    let d = '';
    let pen = false;
    for (const [px, py] of s.points) {
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        pen = false;
        continue;
      }
      const cy = Math.min(Math.max(py, ylo), yhi);
      d += `${pen ? 'L' : 'M'}${sx(px).toFixed(1)},${sy(cy).toFixed(1)}`;
      pen = true;
    }
    if (d !== '') {
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="${small ? 1 : 1.5}"${s.dashed ? ' stroke-dasharray="4,3"' : ''}><title>${escapeXml(s.name)}</title></path>`,
      );
    }
  });
  if (!small && options.xLabel) {
    parts.push(`<text x="${x + left + pw / 2}" y="${y + h - 4}" text-anchor="middle" font-size="11">${escapeXml(options.xLabel)}</text>`);
  }
  if (!small && options.yLabel) {
    parts.push(
      `<text transform="translate(${x + 12},${y + top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(options.yLabel)}</text>`,
    );
  }
  return parts.join('');
};

/** One chart with several series and an optional legend on the right. */
export const lineChart = (series: readonly Series[], options: ChartOptions = {}): string => {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const legend = options.legend ?? series.length > 1;
  const longest = Math.max(0, ...series.map((s) => s.name.length));
  const legendWidth = legend ? Math.min(width / 2, 44 + longest * 6.3) : 0;
  const body = plot(series, options, 0, 0, width - legendWidth, height, false);
  const items = legend
    ? series
        .map((s, i) => {
          const ly = 30 + i * 16;
          const color = s.color ?? PALETTE[i % PALETTE.length];
          return `<line x1="${width - legendWidth + 8}" x2="${width - legendWidth + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4,3"' : ''}/><text x="${width - legendWidth + 32}" y="${ly + 4}" font-size="11">${escapeXml(s.name)}</text>`;
        })
        .join('')
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${body}${items}</svg>`;
};

export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

/** A grid of small charts, one per panel (e.g. one per attribute). */
export const smallMultiples = (
  panels: readonly Panel[],
  options: { title?: string; columns?: number; panelWidth?: number; panelHeight?: number; sharedY?: boolean; referenceY?: number; legend?: readonly Series[] } = {},
): string => {
  const columns = options.columns ?? 8;
  const pw = options.panelWidth ?? 150;
  const ph = options.panelHeight ?? 100;
  const head = options.title ? 28 : 0;
  const legendHeight = options.legend && options.legend.length > 0 ? 20 : 0;
  const rows = Math.ceil(panels.length / columns);
  const width = columns * pw;
  const height = head + legendHeight + rows * ph;
  let yRange: [number, number] | undefined;
  if (options.sharedY) {
    const all = extent(panels.flatMap((p) => p.series));
    yRange = all.y;
  }
  const parts: string[] = [];
  if (options.title) parts.push(`<text x="${width / 2}" y="19" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`);
  if (options.legend) {
    options.legend.forEach((s, i) => {
      const lx = 10 + i * 160;
      const ly = head + 10;
      const color = s.color ?? PALETTE[i % PALETTE.length];
      parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4,3"' : ''}/><text x="${lx + 24}" y="${ly + 4}" font-size="11">${escapeXml(s.name)}</text>`);
    });
  }
  panels.forEach((panel, i) => {
    const px = (i % columns) * pw;
    const py = head + legendHeight + Math.floor(i / columns) * ph;
    parts.push(plot(panel.series, { title: panel.title, yRange, referenceY: options.referenceY }, px, py, pw, ph, true));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
};
