import type { SimulationOptions } from '../bin/local/types';

/**
 * Simulator settings every benchmark run uses, printed with the results. Batch sizes are the
 * construct's defaults (`EcsTaskNotifierBatchSizes`: 5, 10, 10); the concurrency is a local choice
 * (the construct leaves it to Lambda unless `notifyMaxConcurrency` is set) that fits 2 cores.
 */
export const BENCH_SIMULATION = {
  /** Messages per invocation, per function (SQS event source mapping batch size, at most 10). */
  batchSizes: { 'service-discovery': 5, 'task-discovery': 10, 'task-notify': 10 },
  /** Concurrent invocations per function (event source mapping maximum concurrency). */
  lambdaConcurrency: 2,
  /** Generous: on 2 busy cores a slow invocation must not time out and be redelivered. */
  visibilityTimeoutMs: 30_000,
  notifyTimeoutMs: 5_000,
} as const satisfies Omit<SimulationOptions, 'cluster'>;

/**
 * POSTs in flight at most in the pipeline: concurrent task notify invocations times records per
 * batch (Powertools' BatchProcessor handles a batch's records in parallel). The bare loop uses it.
 */
export const NOTIFY_CONCURRENCY = BENCH_SIMULATION.lambdaConcurrency * BENCH_SIMULATION.batchSizes['task-notify'];

/** The observer message of a benchmark event (the original `{"cluster"}` shape plus an event id). */
export const observerMessage = (cluster: string, eventId: string): string =>
  JSON.stringify({ cluster, eventId, source: 'bench', detail: { bench: true, eventId } });
