/**
 * Maps `items` with at most `limit` calls of `fn` in flight, keeping the input order in the
 * result. Keeps a cluster of hundreds of services from firing hundreds of ECS calls at once (the
 * SDK's adaptive retry then only has to smooth the rate, not absorb a burst).
 */
export const mapConcurrent = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
};
