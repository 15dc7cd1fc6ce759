import { describe, expect, it } from 'vitest';
import { BENCH_SIMULATION, NOTIFY_CONCURRENCY } from '../../bench/simulation-options';
import { DEFAULTS } from '../../constructs/ecs-task-notifier';

describe('benchmark settings', () => {
  it("measures with the construct's default batch sizes", () => {
    expect(BENCH_SIMULATION.batchSizes).toEqual({
      'service-discovery': DEFAULTS.batchSizes.serviceDiscovery,
      'task-discovery': DEFAULTS.batchSizes.taskDiscovery,
      'task-notify': DEFAULTS.batchSizes.taskNotify,
    });
    expect(NOTIFY_CONCURRENCY).toBe(BENCH_SIMULATION.lambdaConcurrency * DEFAULTS.batchSizes.taskNotify);
  });
});
