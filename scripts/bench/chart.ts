export interface ChartSeries {
  name: string;
  color: string;
  /** Per second since the phase started. */
  values: number[];
  dashed?: boolean;
}

const WIDTH = 960;
const PLOT_HEIGHT = 355;
const MARGIN = { right: 30, bottom: 55, left: 65 };
const LINE = 17;
const LEGEND_PER_ROW = 3;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The largest of 1, 2, 5 × 10^n steps that divides `max` into at most ~6 ticks. */
function tickStep(max: number): number {
  const rough = Math.max(max, 1) / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= rough)!;
}

/**
 * A line chart of throughput over time (orders or workflows per second), as a standalone SVG document: the title,
 * the subtitle, a line per note (the headline figures), the legend, then the plot.
 */
export function throughputChart(title: string, subtitle: string, series: ChartSeries[], notes: string[] = []): string {
  const seconds = Math.max(1, ...series.map((entry) => entry.values.length));
  const highest = Math.max(1, ...series.flatMap((entry) => entry.values));
  const yStep = tickStep(highest);
  const yMax = Math.ceil(highest / yStep) * yStep;
  const xStep = tickStep(seconds);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PLOT_HEIGHT;
  const notesTop = 40 + LINE;
  const legendTop = notesTop + notes.length * LINE + 6;
  /** Where the plot starts: below the notes and the legend. */
  const top = legendTop + Math.ceil(series.length / LEGEND_PER_ROW) * LINE + 10;
  const height = top + plotHeight + MARGIN.bottom;
  const x = (second: number) => MARGIN.left + (second / seconds) * plotWidth;
  const y = (value: number) => top + plotHeight - (value / yMax) * plotHeight;

  const grid: string[] = [];
  for (let value = 0; value <= yMax; value += yStep) {
    grid.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e5e5"/>`,
    );
    grid.push(`<text x="${MARGIN.left - 8}" y="${y(value) + 4}" text-anchor="end">${value}</text>`);
  }
  for (let second = 0; second <= seconds; second += xStep) {
    grid.push(
      `<line x1="${x(second)}" x2="${x(second)}" y1="${top + plotHeight}" y2="${top + plotHeight + 5}" stroke="#666"/>`,
    );
    grid.push(`<text x="${x(second)}" y="${top + plotHeight + 20}" text-anchor="middle">${second}</text>`);
  }
  // Each second's count is drawn at the middle of its second.
  const lines = series.map((entry) => {
    const points = entry.values
      .map((value, second) => `${x(second + 0.5).toFixed(1)},${y(value).toFixed(1)}`)
      .join(' ');
    return `<polyline fill="none" stroke="${entry.color}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points}"/>`;
  });
  const legend = series.map((entry, index) => {
    const left = MARGIN.left + 10 + (index % LEGEND_PER_ROW) * 290;
    const middle = legendTop + Math.floor(index / LEGEND_PER_ROW) * LINE + 4;
    return `<line x1="${left}" x2="${left + 24}" y1="${middle}" y2="${middle}" stroke="${entry.color}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${left + 30}" y="${middle + 4}">${escape(entry.name)}</text>`;
  });
  const noteLines = notes.map(
    (note, index) => `<text x="${MARGIN.left}" y="${notesTop + index * LINE}" fill="#222">${escape(note)}</text>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222">
<rect width="${WIDTH}" height="${height}" fill="#fff"/>
<text x="${MARGIN.left}" y="22" font-size="16" font-weight="bold">${escape(title)}</text>
<text x="${MARGIN.left}" y="40" fill="#555">${escape(subtitle)}</text>
${noteLines.join('\n')}
${grid.join('\n')}
<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${top}" y2="${top + plotHeight}" stroke="#666"/>
<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#666"/>
${lines.join('\n')}
${legend.join('\n')}
<text x="${MARGIN.left + plotWidth / 2}" y="${height - 12}" text-anchor="middle">seconds since the first request of the phase (each line its own phase)</text>
<text transform="translate(18 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">per second</text>
</svg>
`;
}
