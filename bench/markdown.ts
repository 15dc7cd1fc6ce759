/**
 * Markdown rendering for bench/RESULTS.md. Pure string helpers.
 */

/** Alignment of a column: numbers read best right-aligned. */
export type Align = 'left' | 'right';

/** Escapes a cell so `|` and newlines cannot break the table. */
export const escapeCell = (value: string): string => value.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/**
 * A GitHub-flavoured markdown table. `align` defaults to left for the first column, right for the
 * others (label column, then numbers).
 */
export const markdownTable = (header: readonly string[], rows: readonly (readonly (string | number)[])[], align?: readonly Align[]): string => {
  const alignment = header.map((_, index) => align?.[index] ?? (index === 0 ? 'left' : 'right'));
  const line = (cells: readonly (string | number)[]): string =>
    `| ${header.map((_, index) => escapeCell(String(cells[index] ?? ''))).join(' | ')} |`;
  const rule = `| ${alignment.map((a) => (a === 'right' ? '---:' : ':---')).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
};

/** A plain-text table for stdout: columns padded to their widest cell. */
export const textTable = (header: readonly string[], rows: readonly (readonly (string | number)[])[]): string => {
  const all = [header, ...rows].map((row) => header.map((_, index) => String(row[index] ?? '')));
  const widths = header.map((_, index) => Math.max(...all.map((row) => row[index]!.length)));
  const render = (row: string[]): string =>
    row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ').trimEnd();
  return [render(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(render)].join('\n');
};
