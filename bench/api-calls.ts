import { generateCluster, startSimulation } from '../bin/local';
import type { GenerateClusterOptions } from '../bin/local/generate';
import { BENCH_SIMULATION, observerMessage } from './simulation-options';
import { type CallCounts, type ClusterShape, OPERATIONS, type Operation } from './api-model';
import { eventDeliveryStats } from './deliveries';

/** The simulator's cluster for a benchmark shape (its generator, with the shape's numbers). */
export const generatorOptions = (shape: ClusterShape): GenerateClusterOptions => ({
  name: `bench-${shape.id}`,
  services: shape.services,
  tasksPerService: shape.tasksPerService,
  networkMode: shape.networkMode,
  containerInstances: shape.containerInstances,
  optedInServices: shape.optedInServices,
});

/** Counts per {@link Operation} from the simulator's `Service.Operation` keys; anything else lands in `other`. */
export const toCallCounts = (api: Readonly<Record<string, number>>): { counts: CallCounts; other: Record<string, number> } => {
  const counts: CallCounts = {};
  const other: Record<string, number> = {};
  for (const [key, value] of Object.entries(api)) {
    const operation = key.slice(key.indexOf('.') + 1);
    if ((OPERATIONS as readonly string[]).includes(operation)) {
      counts[operation as Operation] = (counts[operation as Operation] ?? 0) + value;
    } else {
      other[key] = (other[key] ?? 0) + value;
    }
  }
  return { counts, other };
};

export interface FanOutCalls {
  counts: CallCounts;
  /** Calls to operations outside the model (should be empty). */
  other: Record<string, number>;
  /** Targets notified for the event, to prove the fan-out was complete. */
  notified: number;
  duplicates: number;
}

export interface ApiCallMeasurement {
  shapeId: string;
  expectedTargets: number;
  /** First event in a fresh process: no handler cache holds anything. */
  cold: FanOutCalls;
  /** Second event, same process and functions: task definitions and instance addresses cached. */
  warm: FanOutCalls;
}

/**
 * Runs two events through the local pipeline on `shape`'s cluster and counts the ECS/EC2 calls of
 * each. Call it in a fresh process for the cold numbers to be cold (handler caches live in module
 * scope).
 */
export const measureApiCalls = async (shape: ClusterShape): Promise<ApiCallMeasurement> => {
  const cluster = generateCluster(generatorOptions(shape));
  const simulation = await startSimulation({ cluster, ...BENCH_SIMULATION });
  try {
    const runEvent = async (eventId: string): Promise<FanOutCalls> => {
      simulation.resetCounters();
      await simulation.sendObserverMessage(observerMessage(cluster.name, eventId));
      await simulation.drain({ timeoutMs: 300_000 });
      const { counts, other } = toCallCounts(simulation.counters().api);
      const stats = eventDeliveryStats(simulation.report(), eventId);
      return { counts, other, notified: stats.notified, duplicates: stats.duplicates };
    };
    const cold = await runEvent(`bench-${shape.id}-cold`);
    const warm = await runEvent(`bench-${shape.id}-warm`);
    return { shapeId: shape.id, expectedTargets: shape.optedInServices * shape.tasksPerService, cold, warm };
  } finally {
    await simulation.close();
  }
};
