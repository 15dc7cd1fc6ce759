import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, startSimulation, type ReplayReport, type Simulation } from '../../bin/local/index';
import { clusterFor, sampleEvent, sampleEventFiles, successesBySource, successesPerTarget } from './support';

/**
 * Every sample event of events/ in one observer batch, against the same cluster in each network
 * mode, through the three real handlers: each RUNNING opted-in target gets each event it wants
 * exactly once, nothing else gets anything, and the bad inputs are dead-lettered with a reason
 * without disturbing their batch neighbours.
 */

/** Targets per event (by the `source` the POST body carries): `service/container` -> RUNNING tasks. */
const NO_TOPIC = { 'orders-api/app': 3, 'billing-worker/worker': 2, 'search-indexer/api': 2 };
const EXPECTED: Record<string, Record<string, number>> = {
  // events/observer-original.json: {"cluster":"demo"}, no topic
  observer: NO_TOPIC,
  // events/observer-full.json: topic config, restricted to orders-api and billing-worker
  'release-pipeline': { 'orders-api/app': 3, 'billing-worker/worker': 2 },
  // events/eventbridge-custom.json: topic cache
  'com.example.catalog': { ...NO_TOPIC, 'cache-edge/edge': 2 },
  // events/eventbridge-ssm-parameter-change.json: topic config
  'aws.ssm': { ...NO_TOPIC, 'search-indexer/indexer': 2 },
  // events/s3-object-created.json and events/dynamodb-stream-insert.json: routed to demo, no topic
  'aws:s3': NO_TOPIC,
  'aws:dynamodb': NO_TOPIC,
};
const EXPECTED_POSTS = Object.values(EXPECTED).reduce((sum, counts) => sum + Object.values(counts).reduce((a, b) => a + b, 0), 0);

it('covers every sample event file', () => {
  expect(sampleEventFiles()).toEqual([
    'dynamodb-stream-insert.json',
    'eventbridge-custom.json',
    'eventbridge-ssm-parameter-change.json',
    'malformed.json',
    'observer-full.json',
    'observer-original.json',
    's3-object-created.json',
    's3-test-event.json',
  ]);
});

describe.each(['awsvpc', 'bridge', 'host'] as const)('every sample event, %s tasks', (networkMode) => {
  let simulation: Simulation;
  let report: ReplayReport;

  beforeAll(async () => {
    simulation = await startSimulation({ cluster: clusterFor(networkMode), batchSizes: { 'service-discovery': 10 } });
    // One batch: the bad inputs travel with the good ones.
    await Promise.all(sampleEventFiles().map((file) => simulation.sendObserverMessage(sampleEvent(file))));
    await simulation.drain({ timeoutMs: 60_000 });
    report = simulation.report();
  });
  afterAll(() => simulation?.close());

  it('notifies exactly the opted-in RUNNING targets that want each event, once', () => {
    const bySource = Object.fromEntries(successesBySource(report));
    expect(bySource, formatReport(report)).toEqual(EXPECTED);
    expect([...successesPerTarget(report).values()].every((count) => count === 1)).toBe(true);
    expect(report.totals).toMatchObject({ expected: EXPECTED_POSTS, delivered: EXPECTED_POSTS, missed: 0, duplicates: 0, unexpected: 0 });
    // No retries were needed, and not a single request reached any other listener.
    expect(report.totals.posts).toBe(EXPECTED_POSTS);
  });

  it('POSTs the notification body to the label URI at the address ECS reports', () => {
    const orders = report.services.find((service) => service.name === 'orders-api')!;
    const running = orders.tasks.filter((task) => task.lastStatus === 'RUNNING');
    expect(running.map((task) => task.taskDefinition).sort()).toEqual(['orders-api:1', 'orders-api:2', 'orders-api:2']);
    for (const task of running) {
      const target = task.targets[0]!;
      expect(target.address).toMatch(/^127\.\d+\.\d+\.\d+:\d+$/);
      if (networkMode !== 'bridge') expect(target.address.endsWith(':8080')).toBe(true);
      else expect(Number(target.address.split(':')[1])).toBeGreaterThanOrEqual(32_768);
      const original = target.deliveries.find((delivery) => (delivery.body as { source: string }).source === 'observer')!;
      expect(original.body).toMatchObject({ cluster: 'demo', service: 'orders-api', taskArn: task.taskArn, topic: null });
      expect(original.headers['content-type']).toMatch(/^application\/json/);
      expect(original.headers['x-notify-task-arn']).toBe(task.taskArn);
    }
    const edge = report.services.find((service) => service.name === 'cache-edge')!.tasks[0]!.targets[0]!;
    expect(edge.deliveries).toHaveLength(1);
    expect(edge.deliveries[0]!.body).toMatchObject({ topic: 'cache', source: 'com.example.catalog' });
  });

  it('leaves PENDING, STOPPED and not opted-in tasks alone', () => {
    const quiet = report.services.flatMap((service) =>
      service.tasks.filter((task) => task.lastStatus !== 'RUNNING' || ['metrics-agent', 'half-labelled'].includes(service.name)),
    );
    // PENDING orders-api, STOPPED search-indexer, 2 metrics-agent, half-labelled
    expect(quiet.length).toBe(5);
    for (const task of quiet) for (const target of task.targets) expect(target.deliveries).toEqual([]);
  });

  it('dead-letters the malformed event with its reason and ignores the S3 test event', () => {
    expect(report.deadLetters).toHaveLength(1);
    const [entry] = report.deadLetters;
    expect(entry).toMatchObject({ queue: 'observer', movedBy: 'handler', body: sampleEvent('malformed.json') });
    expect(entry!.reason).toMatch(/JSON/);
    expect(report.observerMessages).toBe(8);
    expect(report.events).toHaveLength(6);
  });

  it('counts every AWS call and invocation', () => {
    const counters = simulation.counters();
    expect(counters.invocations['service-discovery']).toBe(1);
    expect(counters.api['ECS.DescribeTasks']).toBeGreaterThanOrEqual(1);
    if (networkMode === 'awsvpc') expect(counters.api['EC2.DescribeInstances'] ?? 0).toBe(0);
    else expect(counters.api['EC2.DescribeInstances']).toBeGreaterThanOrEqual(1);
    expect(counters.sqs.SendMessageBatch).toBeGreaterThanOrEqual(2);
  });
});
