/**
 * A hand-rolled SVG grouped bar chart (no dependencies, no network). Pure: data in, SVG text out.
 */

/** One series (a colour in the legend), e.g. "original design". */
export interface ChartSeries {
  name: string;
  color: string;
}

/** One group of bars on the x axis, one value per series (same order as the series). */
export interface ChartGroup {
  label: string;
  values: readonly number[];
}

export interface BarChartOptions {
  title: string;
  /** Y axis label. */
  yLabel: string;
  series: readonly ChartSeries[];
  groups: readonly ChartGroup[];
  /** Log10 y axis: for counts that span orders of magnitude. Values below 1 are drawn at 1. */
  logScale?: boolean;
  width?: number;
  height?: number;
}

/** Escapes text for SVG content and attributes. */
export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Axis ticks: powers of ten up to `max` (log), or about five round steps (linear). */
export const axisTicks = (max: number, logScale: boolean): number[] => {
  if (logScale) {
    const top = Math.max(1, Math.ceil(Math.log10(Math.max(max, 1))));
    return Array.from({ length: top + 1 }, (_, exponent) => 10 ** exponent);
  }
  if (max <= 0) return [0, 1];
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let value = 0; value < max + step; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
};

const formatValue = (value: number): string =>
  Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** Renders the chart as a standalone SVG document. */
export const barChartSvg = (options: BarChartOptions): string => {
  const width = options.width ?? 960;
  const height = options.height ?? 480;
  const log = options.logScale ?? false;
  const margin = { top: 56, right: 24, bottom: 72, left: 72 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const max = Math.max(1, ...options.groups.flatMap((group) => group.values));
  const ticks = axisTicks(max, log);
  const top = ticks[ticks.length - 1]!;
  const scale = (value: number): number => {
    if (log) return (Math.log10(Math.max(value, 1)) / Math.log10(top)) * plotHeight;
    return (value / top) * plotHeight;
  };
  const y = (value: number): number => margin.top + plotHeight - scale(value);
  const groupWidth = plotWidth / Math.max(1, options.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, options.series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of ticks) {
    const ty = y(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" y1="${ty}" x2="${width - margin.right}" y2="${ty}" stroke="#e0e0e0"/>`,
      `<text x="${margin.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${formatValue(tick)}</text>`,
    );
  }
  const yMid = margin.top + plotHeight / 2;
  parts.push(
    `<text x="16" y="${yMid}" text-anchor="middle" transform="rotate(-90 16 ${yMid})">${escapeXml(options.yLabel + (log ? ' (log scale)' : ''))}</text>`,
    `<line x1="${margin.left}" y1="${margin.top + plotHeight}" x2="${width - margin.right}" y2="${margin.top + plotHeight}" stroke="#333"/>`,
  );
  options.groups.forEach((group, groupIndex) => {
    const groupX = margin.left + groupIndex * groupWidth + groupWidth * 0.1;
    group.values.forEach((value, seriesIndex) => {
      const series = options.series[seriesIndex];
      if (!series) return;
      const x = groupX + seriesIndex * barWidth;
      const barTop = y(value);
      const barHeight = margin.top + plotHeight - barTop;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${escapeXml(series.color)}"><title>${escapeXml(`${group.label} - ${series.name}: ${formatValue(value)}`)}</title></rect>`,
        `<text x="${(x + barWidth * 0.45).toFixed(1)}" y="${(barTop - 4).toFixed(1)}" text-anchor="middle" font-size="10">${formatValue(value)}</text>`,
      );
    });
    parts.push(
      `<text x="${(groupX + groupWidth * 0.4).toFixed(1)}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${escapeXml(group.label)}</text>`,
    );
  });
  // Legend rows, wrapped to the plot width, drawn upwards from the bottom edge.
  const itemWidth = (series: ChartSeries): number => 28 + series.name.length * 7;
  const rows: ChartSeries[][] = [[]];
  let rowWidth = 0;
  for (const series of options.series) {
    if (rowWidth + itemWidth(series) > width - margin.left - margin.right && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      rowWidth = 0;
    }
    rows[rows.length - 1]!.push(series);
    rowWidth += itemWidth(series);
  }
  rows.forEach((row, rowIndex) => {
    const legendY = height - 10 - (rows.length - 1 - rowIndex) * 18;
    let legendX = margin.left;
    for (const series of row) {
      parts.push(
        `<rect x="${legendX}" y="${legendY - 10}" width="12" height="12" fill="${escapeXml(series.color)}"/>`,
        `<text x="${legendX + 16}" y="${legendY}">${escapeXml(series.name)}</text>`,
      );
      legendX += itemWidth(series);
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
};
