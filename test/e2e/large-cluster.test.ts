import { afterEach, expect, it } from 'vitest';
import { formatReport, generateCluster, type GenerateClusterOptions, type Simulation, startSimulation } from '../../bin/local/index';
import { sampleEvent, successesPerTarget } from './support';

/**
 * 1,000 real task listeners: every one is notified exactly once, the ECS calls respect the API
 * limits (pages of 100, DescribeTasks of 100), and the pipeline stays within a test's time.
 */

let simulation: Simulation | undefined;
afterEach(async () => {
  await simulation?.close();
  simulation = undefined;
});

const replay = async (shape: GenerateClusterOptions) => {
  simulation = await startSimulation({
    cluster: generateCluster(shape),
    lambdaConcurrency: 4,
    visibilityTimeoutMs: 20_000,
    notifyTimeoutMs: 5_000,
  });
  await simulation.sendObserverMessage(sampleEvent('observer-original.json'));
  await simulation.drain({ timeoutMs: 120_000 });
  return simulation.report();
};

it('notifies 1 service x 1,000 awsvpc tasks exactly once each', async () => {
  const report = await replay({ services: 1, tasksPerService: 1_000, networkMode: 'awsvpc' });
  expect(report.totals, formatReport(report).slice(-2_000)).toMatchObject({
    expected: 1_000,
    delivered: 1_000,
    missed: 0,
    duplicates: 0,
    unexpected: 0,
    posts: 1_000,
    deadLetters: 0,
  });
  expect(new Set(report.services[0]!.tasks.map((task) => task.targets[0]!.address)).size).toBe(1_000);
  expect([...successesPerTarget(report).values()].every((count) => count === 1)).toBe(true);
  // ListTasks pages of at most 100, DescribeTasks of at most 100 tasks.
  expect(report.counters.api['ECS.ListTasks']).toBe(10);
  expect(report.counters.api['ECS.DescribeTasks']).toBe(10);
}, 60_000);

it('notifies 50 services x 20 bridge tasks on 25 container instances exactly once each', async () => {
  const report = await replay({ services: 50, tasksPerService: 20, networkMode: 'bridge', containerInstances: 25 });
  expect(report.totals, formatReport(report).slice(-2_000)).toMatchObject({
    expected: 1_000,
    delivered: 1_000,
    missed: 0,
    duplicates: 0,
    unexpected: 0,
    deadLetters: 0,
  });
  const hosts = new Set(report.services.flatMap((service) => service.tasks.map((task) => task.targets[0]!.address.split(':')[0])));
  expect(hosts.size).toBe(25);
}, 60_000);
