import { afterEach, expect, it } from 'vitest';
import { type ClusterSpec, formatReport, generateCluster, parseClusterSpec, type Simulation, startSimulation } from '../../bin/local/index';
import { successesPerTarget } from './support';

/** Cluster shapes that stress the discovery code paths: pagination, bad labels, cluster ARNs. */

let simulation: Simulation | undefined;
afterEach(async () => {
  await simulation?.close();
  simulation = undefined;
});

const replay = async (cluster: ClusterSpec, body: string | ((simulation: Simulation) => string) = '{"cluster":"demo"}') => {
  simulation = await startSimulation({ cluster });
  await simulation.sendObserverMessage(typeof body === 'string' ? body : body(simulation));
  await simulation.drain({ timeoutMs: 60_000 });
  return simulation.report();
};

it('finds opted-in services on every ListServices page (230 services, the last 30 opt in)', async () => {
  const spec = generateCluster({ services: 230, tasksPerService: 1, networkMode: 'awsvpc' });
  // Keep the labels only on the last 30 services: they are on the third page of 100.
  for (const td of spec.taskDefinitions.slice(0, 200)) for (const container of td.containers) container.dockerLabels = {};
  const report = await replay(spec);
  expect(report.totals, formatReport(report).slice(-1_500)).toMatchObject({ expected: 30, delivered: 30, missed: 0, duplicates: 0, unexpected: 0, deadLetters: 0 });
  expect(report.counters.api['ECS.ListServices']).toBe(3);
  expect(report.counters.api['ECS.DescribeServices']).toBe(23);
});

it('ignores containers with invalid label values and notifies the valid ones', async () => {
  const spec = parseClusterSpec({
    name: 'demo',
    taskDefinitions: [
      {
        family: 'mixed',
        networkMode: 'awsvpc',
        containers: [
          { name: 'good', containerPort: 8080, dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '8080', NOTIFY_ME_API_URI: '/notify' } },
          { name: 'bad-port', containerPort: 8081, dockerLabels: { NOTIFY_ME_CONTAINER_PORT: 'eighty', NOTIFY_ME_API_URI: '/notify' } },
          { name: 'bad-uri', containerPort: 8082, dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '8082', NOTIFY_ME_API_URI: 'http://evil.example/x' } },
        ],
      },
    ],
    services: [{ name: 'mixed', deployments: [{ taskDefinition: 'mixed:1', running: 2 }] }],
  });
  const report = await replay(spec);
  const targets = report.services[0]!.tasks.flatMap((task) => task.targets);
  expect(targets.filter((target) => target.container === 'good').every((target) => target.deliveries.length === 1)).toBe(true);
  expect(targets.filter((target) => target.container !== 'good').every((target) => target.deliveries.length === 0)).toBe(true);
  expect(report.totals).toMatchObject({ expected: 2, delivered: 2, unexpected: 0, deadLetters: 0 });
});

it('accepts an event naming the cluster by ARN', async () => {
  const report = await replay(
    generateCluster({ services: 2, tasksPerService: 2, networkMode: 'bridge' }),
    (running) => JSON.stringify({ cluster: running.cluster.arn, eventId: 'by-arn' }),
  );
  expect(report.totals, formatReport(report)).toMatchObject({ expected: 4, delivered: 4, duplicates: 0, unexpected: 0, deadLetters: 0 });
  expect([...successesPerTarget(report).keys()].every((key) => key.startsWith('by-arn|'))).toBe(true);
});

it('dead-letters an event naming the cluster ARN of another account (the allowlist names the cluster)', async () => {
  const report = await replay(generateCluster({ services: 1, tasksPerService: 1, networkMode: 'awsvpc' }), (running) =>
    JSON.stringify({ cluster: running.cluster.arn.replace(`:${running.cluster.accountId}:`, ':999999999999:') }),
  );
  expect(report.totals.posts).toBe(0);
  expect(report.counters.api).toEqual({});
  expect(report.deadLetters).toEqual([expect.objectContaining({ queue: 'observer', reason: expect.stringMatching(/999999999999.*ALLOWED_CLUSTERS/) })]);
});

it('dead-letters an event for a cluster that is not allowed, without one ECS call', async () => {
  const report = await replay(generateCluster({ services: 1, tasksPerService: 1, networkMode: 'awsvpc' }), '{"cluster":"prod"}');
  expect(report.totals.posts).toBe(0);
  expect(report.counters.api).toEqual({});
  expect(report.deadLetters).toEqual([expect.objectContaining({ queue: 'observer', movedBy: 'handler', reason: expect.stringMatching(/prod/) })]);
});

it('during a rolling deployment, notifies exactly the tasks whose own revision opted in', async () => {
  const labelled = { NOTIFY_ME_CONTAINER_PORT: '8080', NOTIFY_ME_API_URI: '/notify' };
  const spec = parseClusterSpec({
    name: 'demo',
    containerInstances: 2,
    taskDefinitions: [
      { family: 'opting-out', revision: 1, networkMode: 'bridge', containers: [{ name: 'app', containerPort: 8080, dockerLabels: labelled }] },
      { family: 'opting-out', revision: 2, networkMode: 'bridge', containers: [{ name: 'app', containerPort: 8080, dockerLabels: {} }] },
      { family: 'opting-in', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'app', containerPort: 8080, dockerLabels: {} }] },
      { family: 'opting-in', revision: 2, networkMode: 'awsvpc', containers: [{ name: 'app', containerPort: 8080, dockerLabels: labelled }] },
    ],
    services: [
      {
        name: 'opting-out',
        deployments: [
          { taskDefinition: 'opting-out:2', status: 'PRIMARY', running: 2 },
          { taskDefinition: 'opting-out:1', status: 'ACTIVE', running: 1 },
        ],
      },
      {
        name: 'opting-in',
        deployments: [
          { taskDefinition: 'opting-in:2', status: 'PRIMARY', running: 1 },
          { taskDefinition: 'opting-in:1', status: 'ACTIVE', running: 2 },
        ],
      },
    ],
  });
  const report = await replay(spec);
  const delivered = report.services.flatMap((service) =>
    service.tasks.filter((task) => task.targets.some((target) => target.deliveries.length > 0)).map((task) => task.taskDefinition),
  );
  expect(delivered.sort(), formatReport(report)).toEqual(['opting-in:2', 'opting-out:1']);
  expect(report.totals).toMatchObject({ expected: 2, delivered: 2, missed: 0, duplicates: 0, unexpected: 0, deadLetters: 0 });
});
