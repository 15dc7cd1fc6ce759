import { generateCluster, startSimulation } from '../bin/local';
import type { Counters } from '../bin/local/types';
import { createNotifyAgent, notifyTask } from '../handlers/notify';
import { generatorOptions } from './api-calls';
import type { ClusterShape } from './api-model';
import { mapWithConcurrency } from './concurrency';
import { eventDeliveryStats, taskMessagesFromReport } from './deliveries';
import { BENCH_SIMULATION, NOTIFY_CONCURRENCY, observerMessage } from './simulation-options';

/** One pipeline event and the bare loop run right after it on the same listeners. */
export interface LatencyRun {
  run: number;
  /** Observer message sent -> last target's first 2xx POST (the simulator's listener clock). */
  pipelineMs: number;
  /** Observer message sent -> first target's first 2xx POST (discovery done, first notify batch out). */
  firstNotifiedMs: number;
  /** Observer message sent -> every queue drained (includes the simulator's idle detection). */
  drainMs: number;
  /** First POST started -> last POST answered, same bodies, same listeners, same concurrency. */
  bareLoopMs: number;
  notified: number;
  duplicates: number;
  bareNotified: number;
  /** The simulator's counters for this event alone. */
  counters: Counters;
}

export interface LatencyMeasurement {
  shapeId: string;
  services: number;
  targets: number;
  concurrency: number;
  runs: LatencyRun[];
  /** Peak resident set size of the whole process (simulator, dynalite, listeners, handlers), bytes. */
  peakRssBytes: number;
}

/**
 * Sends `runs` events through the whole local pipeline (three real handlers, simulated SQS,
 * idempotency in dynalite, HTTP listeners on loopback) and, after each, POSTs the same bodies to the
 * same listeners with a bare loop: `handlers/notify.ts`'s own `notifyTask` with one keep-alive
 * agent, {@link NOTIFY_CONCURRENCY} in flight.
 */
export const measureLatency = async (
  shape: ClusterShape,
  runs: number,
  progress: (line: string) => void = () => undefined,
): Promise<LatencyMeasurement> => {
  const cluster = generateCluster(generatorOptions(shape));
  const simulation = await startSimulation({ cluster, ...BENCH_SIMULATION });
  const agent = createNotifyAgent();
  const results: LatencyRun[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const eventId = `bench-latency-${run}`;
      simulation.resetCounters();
      const start = performance.now();
      await simulation.sendObserverMessage(observerMessage(cluster.name, eventId));
      await simulation.drain({ timeoutMs: 600_000 });
      const drainMs = performance.now() - start;
      const counters = simulation.counters();
      const stats = eventDeliveryStats(simulation.report(), eventId);

      const bareEvent = { eventId: `bench-bare-${run}`, source: 'bench', time: new Date().toISOString(), detail: { bench: true, eventId } };
      const messages = taskMessagesFromReport(simulation.report(), bareEvent);
      const bareStart = performance.now();
      const answers = await mapWithConcurrency(messages, NOTIFY_CONCURRENCY, (message) =>
        notifyTask(message, { agent, timeoutMs: BENCH_SIMULATION.notifyTimeoutMs }),
      );
      const bareLoopMs = performance.now() - bareStart;

      const result: LatencyRun = {
        run,
        pipelineMs: stats.lastMs ?? Number.NaN,
        firstNotifiedMs: stats.firstMs ?? Number.NaN,
        drainMs,
        bareLoopMs,
        notified: stats.notified,
        duplicates: stats.duplicates,
        bareNotified: answers.length,
        counters,
      };
      results.push(result);
      progress(
        `latency run ${run}/${runs}: pipeline ${result.pipelineMs.toFixed(0)} ms (first POST ${result.firstNotifiedMs.toFixed(0)} ms, drained ${drainMs.toFixed(0)} ms), ` +
          `bare loop ${bareLoopMs.toFixed(0)} ms, notified ${stats.notified}/${messages.length}`,
      );
    }
  } finally {
    agent.destroy();
    await simulation.close();
  }
  return {
    shapeId: shape.id,
    services: shape.optedInServices,
    targets: shape.optedInServices * shape.tasksPerService,
    concurrency: NOTIFY_CONCURRENCY,
    runs: results,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
};
