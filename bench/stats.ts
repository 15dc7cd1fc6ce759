/**
 * Small statistics helpers for the benchmark. Pure functions: unit-tested in test/bench.
 */

/** Median of `values` (mean of the two middle values for an even count). Throws on an empty list. */
export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** `numerator / denominator`, or `undefined` when the denominator is 0 (a ratio that means nothing). */
export const ratio = (numerator: number, denominator: number): number | undefined =>
  denominator === 0 ? undefined : numerator / denominator;

/** A ratio as `12.3x` (`n/a` when undefined); two significant decimals below 10. */
export const formatRatio = (value: number | undefined): string => {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
};

/** Milliseconds with one decimal below 100 ms, whole above. */
export const formatMs = (ms: number): string => (Math.abs(ms) >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`);

/** Bytes as KiB / MiB with one decimal. */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
};

/** Sum of the values of a record (e.g. calls per operation). */
export const sumValues = (record: Readonly<Record<string, number>>): number =>
  Object.values(record).reduce((total, value) => total + value, 0);
