import { afterEach, expect } from 'vitest';
import {
  type FaultSpec,
  formatReport,
  generateCluster,
  type NetworkModeSpec,
  type ReplayReport,
  type Simulation,
  type SimulationOptions,
  startSimulation,
} from '../../bin/local/index';
import { sampleEvent, successesPerTarget } from './support';

/** events/observer-original.json: the event every fault test sends unless it says otherwise. */
export const ORIGINAL = sampleEvent('observer-original.json');
/** Opted-in RUNNING targets of the fault cluster: 2 opted-in services x 3 tasks. */
export const TARGETS = 6;

export type FaultRunOptions = Partial<SimulationOptions> & { networkMode?: NetworkModeSpec; messages?: string[] };

export interface FaultHarness {
  /** Starts the fault cluster (2 opted-in services x 3 tasks, one that does not opt in) with `faults`, sends, drains. */
  run: (faults: FaultSpec, options?: FaultRunOptions) => Promise<ReplayReport>;
  /** The simulation of the running test, for its counters. */
  current: () => Simulation | undefined;
}

/** Registers the per-test cleanup in the calling test file and returns its runner. */
export const faultHarness = (): FaultHarness => {
  let simulation: Simulation | undefined;
  afterEach(async () => {
    await simulation?.close();
    simulation = undefined;
  });
  const run = async (faults: FaultSpec, options: FaultRunOptions = {}): Promise<ReplayReport> => {
    const cluster = generateCluster({ services: 3, tasksPerService: 3, optedInServices: 2, networkMode: options.networkMode ?? 'awsvpc' });
    simulation = await startSimulation({ maxReceiveCount: 3, visibilityTimeoutMs: 1_500, notifyTimeoutMs: 300, ...options, cluster, faults });
    for (const message of options.messages ?? [ORIGINAL]) await simulation.sendObserverMessage(message);
    await simulation.drain({ timeoutMs: 60_000 });
    return simulation.report();
  };
  return { run, current: () => simulation };
};

/** No duplicates, nothing unexpected; `missed` targets exactly as given. */
export const expectExactlyOnce = (report: ReplayReport, missed = 0): void => {
  const text = formatReport(report);
  expect(report.totals.duplicates, text).toBe(0);
  expect(report.totals.unexpected, text).toBe(0);
  expect([...successesPerTarget(report).values()].every((count) => count === 1), text).toBe(true);
  expect(report.totals.missed, text).toBe(missed);
  expect(report.totals.delivered, text).toBe(report.totals.expected - missed);
};
