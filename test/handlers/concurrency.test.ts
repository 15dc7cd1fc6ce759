import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../handlers/concurrency';

describe('mapConcurrent', () => {
  it('keeps the input order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapConcurrent(
      Array.from({ length: 25 }, (_, index) => index),
      4,
      async (item) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        // Later items finish first: order must come from the index, not completion.
        await new Promise((resolve) => setImmediate(resolve));
        if (item % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return item * 10;
      },
    );
    expect(results).toEqual(Array.from({ length: 25 }, (_, index) => index * 10));
    expect(peak).toBe(4);
  });

  it('handles an empty list and rejects when a call fails', async () => {
    await expect(mapConcurrent([], 3, async () => 1)).resolves.toEqual([]);
    await expect(
      mapConcurrent([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('boom');
        return item;
      }),
    ).rejects.toThrow('boom');
  });
});
