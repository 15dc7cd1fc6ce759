import { describe, expect, it } from 'vitest';
import type { ClusterShape } from '../../bench/api-model';
import type { LatencyRun } from '../../bench/latency';
import { type BenchResults, costPer1000, headlines, renderResults, summarizeLatency } from '../../bench/report';

const shape: ClusterShape = {
  id: '50x20-bridge',
  title: '50 services x 20 bridge tasks on 25 container instances',
  services: 50,
  optedInServices: 50,
  tasksPerService: 20,
  networkMode: 'bridge',
  containerInstances: 25,
};

const run = (index: number, pipelineMs: number, bareLoopMs: number): LatencyRun => ({
  run: index,
  pipelineMs,
  firstNotifiedMs: 100,
  drainMs: pipelineMs + 10,
  bareLoopMs,
  notified: 1_000,
  duplicates: 0,
  bareNotified: 1_000,
  counters: {
    api: { 'ECS.ListTasks': 10, 'DynamoDB.PutItem': 1_000, 'DynamoDB.UpdateItem': 1_000 },
    sqs: { ReceiveMessage: 100 + index, SendMessageBatch: 101, DeleteMessageBatch: 100 },
    invocations: { 'service-discovery': 1, 'task-discovery': 1, 'task-notify': 100 },
  },
});

const results: BenchResults = {
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 4, node: 'v20.0.0', platform: 'linux', date: '2026-01-01T00:00:00.000Z', loadAverage1m: 0.5 },
  durationS: 90,
  settings: { batchSizes: { 'service-discovery': 10, 'task-discovery': 10, 'task-notify': 10 }, lambdaConcurrency: 2, notifyConcurrency: 20, latencyRuns: 3, coldStartRuns: 5 },
  apiCalls: [
    {
      shape,
      measured: {
        shapeId: shape.id,
        expectedTargets: 1_000,
        cold: {
          counts: { ListServices: 1, DescribeServices: 5, DescribeTaskDefinition: 50, ListTasks: 50, DescribeTasks: 50, DescribeContainerInstances: 1, DescribeInstances: 1 },
          other: {},
          notified: 1_000,
          duplicates: 0,
        },
        warm: { counts: { ListServices: 1, DescribeServices: 5, ListTasks: 50, DescribeTasks: 50 }, other: {}, notified: 1_000, duplicates: 0 },
      },
    },
  ],
  latency: { shapeId: 'x', services: 10, targets: 1_000, concurrency: 20, runs: [run(1, 3_000, 100), run(2, 2_000, 200), run(3, 2_500, 100)], peakRssBytes: 300 * 1024 * 1024 },
  coldStart: {
    bareNodeMs: 50,
    bareSamples: [50],
    bundles: [
      { handler: 'task-notify', variant: 'ours', bytes: 1_000, medianProcessMs: 150, loadMs: 100, samples: [150] },
      { handler: 'task-notify', variant: 'ours+maps', bytes: 1_000, medianProcessMs: 170, loadMs: 120, samples: [170] },
      { handler: 'task-notify', variant: 'naive', bytes: 5_000, medianProcessMs: 350, loadMs: 300, samples: [350] },
    ],
  },
  missing: [],
};

describe('results rendering', () => {
  it('leads with the machine and the ratios measured in the run', () => {
    const lines = headlines(results);
    // original model: 1 + 5 + 50 + 50 + 50 + 50 + 50 + 1,250 = 1,506; ours cold 158.
    expect(lines[0]).toContain('1,506 vs 158 calls cold');
    expect(lines[0]).toContain(`${(1_506 / 158).toFixed(2)}x`);
    expect(lines[1]).toContain('**25.0x**');
    expect(lines[2]).toContain('5.00x smaller');
    expect(lines[2]).toContain('3.00x faster');
    const markdown = renderResults(results);
    expect(markdown.split('\n')[2]).toContain('Test CPU, 2 cores, 4 GiB RAM, Node v20.0.0, linux, 2026-01-01T00:00:00.000Z, 1-minute load average 0.5');
    expect(markdown).toContain('| DescribeInstances | 1 | 0 | 1 | ceil(Cused/1000) = ceil(25/1000) = 1 | 0 | 1250 | O*C = 50*25 = 1250 |');
    expect(markdown).toContain('![ECS/EC2 API calls per fan-out](chart.svg)');
    // Service-scoped minimum: 1 + 5 + 50 + 50 + 10 + 1 + 1 cold; warm without revisions and instance lookups.
    expect(markdown).toContain('| 118 / 66 |');
  });

  it('takes medians over the latency runs', () => {
    expect(summarizeLatency(results.latency!)).toMatchObject({ pipelineMedianMs: 2_500, bareMedianMs: 100, ratio: 25 });
  });

  it('prefers counted idempotency writes and scales requests to 1,000 tasks', () => {
    const cost = costPer1000(results.latency!);
    expect(cost.sqs).toBe(102 + 101 + 100);
    expect(cost.invocations).toBe(102);
    expect(cost.dynamoDbWritesCounted).toBe(true);
    expect(cost.dynamoDbWrites).toBe(2_000);
  });

  it('lists what could not be measured', () => {
    expect(renderResults({ ...results, latency: undefined, missing: ['latency: simulator failed'] })).toContain('- latency: simulator failed');
  });
});
