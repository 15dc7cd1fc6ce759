import type { ClusterShape } from './api-model';

/**
 * The cluster shapes the benchmark measures. The simulator's cluster (bench/api-calls.ts
 * `generatorOptions`) and the formulas use the same numbers, so they cannot drift apart.
 */

/** The shapes of issue 5's API-call table. */
export const API_CALL_SHAPES: readonly ClusterShape[] = [
  {
    id: '10x10-awsvpc',
    title: '10 services x 10 awsvpc tasks',
    services: 10,
    optedInServices: 10,
    tasksPerService: 10,
    networkMode: 'awsvpc',
    containerInstances: 0,
  },
  {
    id: '50x20-bridge',
    title: '50 services x 20 bridge tasks on 25 container instances',
    services: 50,
    optedInServices: 50,
    tasksPerService: 20,
    networkMode: 'bridge',
    containerInstances: 25,
  },
  {
    id: '1x1000-awsvpc',
    title: '1 service x 1,000 awsvpc tasks',
    services: 1,
    optedInServices: 1,
    tasksPerService: 1_000,
    networkMode: 'awsvpc',
    containerInstances: 0,
  },
  {
    id: '200-10-opt-in',
    title: '200 services (5 awsvpc tasks each), 10 opt in',
    services: 200,
    optedInServices: 10,
    tasksPerService: 5,
    networkMode: 'awsvpc',
    containerInstances: 0,
  },
];

/** The fan-out of the latency measurement: 1,000 tasks across 10 services. */
export const LATENCY_SHAPE: ClusterShape = {
  id: '10x100-awsvpc',
  title: '10 services x 100 awsvpc tasks',
  services: 10,
  optedInServices: 10,
  tasksPerService: 100,
  networkMode: 'awsvpc',
  containerInstances: 0,
};
