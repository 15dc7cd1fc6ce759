import { describe, expect, it } from 'vitest';
import { axisTicks, barChartSvg, escapeXml } from '../../bench/chart';
import { markdownTable, textTable } from '../../bench/markdown';
import { formatRatio, median, ratio } from '../../bench/stats';

describe('stats', () => {
  it('takes the median of odd and even counts without mutating the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('refuses a ratio over zero', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(1, 0)).toBeUndefined();
    expect(formatRatio(undefined)).toBe('n/a');
    expect(formatRatio(2.345)).toBe('2.35x');
    expect(formatRatio(123.45)).toBe('123.5x');
  });
});

describe('markdown', () => {
  it('renders an aligned table and escapes pipes', () => {
    expect(markdownTable(['op', 'calls'], [['a|b', 3]])).toBe('| op | calls |\n| :--- | ---: |\n| a\\|b | 3 |');
  });

  it('pads text tables to the widest cell', () => {
    expect(textTable(['op', 'n'], [['ListTasks', 12]]).split('\n')).toEqual(['op          n', '---------  --', 'ListTasks  12']);
  });
});

describe('SVG chart', () => {
  it('uses powers of ten on a log axis and round steps on a linear one', () => {
    expect(axisTicks(1_250, true)).toEqual([1, 10, 100, 1_000, 10_000]);
    expect(axisTicks(9, false)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('draws one bar per value with escaped labels', () => {
    const svg = barChartSvg({
      title: 'calls <per> event',
      yLabel: 'calls',
      logScale: true,
      series: [
        { name: 'original', color: '#c00' },
        { name: 'ours', color: '#0a0' },
      ],
      groups: [
        { label: 'a & b', values: [1_000, 10] },
        { label: 'c', values: [100, 0] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(4 + 2);
    expect(svg).toContain('calls &lt;per&gt; event');
    expect(svg).toContain('a &amp; b');
    expect(escapeXml('"<&>"')).toBe('&quot;&lt;&amp;&gt;&quot;');
  });

  it('wraps a legend wider than the plot onto more rows', () => {
    const series = Array.from({ length: 6 }, (_, index) => ({ name: `a rather long series name ${index}`, color: '#000' }));
    const svg = barChartSvg({ title: 't', yLabel: 'y', series, groups: [{ label: 'g', values: series.map(() => 1) }], width: 600 });
    const legendRows = new Set([...svg.matchAll(/<text x="\d+" y="(\d+)">a rather long/g)].map((match) => match[1]));
    expect(legendRows.size).toBeGreaterThan(1);
  });
});
