import { describe, expect, it } from 'vitest';
import { toCallCounts } from '../../bench/api-calls';
import { mapWithConcurrency } from '../../bench/concurrency';
import { estimateCost, per1000 } from '../../bench/cost';
import { eventDeliveryStats, splitAddress, taskMessagesFromReport } from '../../bench/deliveries';
import { medianCounts } from '../../bench/report';
import type { ServiceDeliveries } from '../../bench/deliveries';

const delivery = (eventId: string, status: number, msFromEvent: number) => ({ eventId, status, msFromEvent });

const services: ServiceDeliveries[] = [
  {
    name: 'svc-001',
    optedIn: true,
    tasks: [
      {
        taskArn: 'arn:aws:ecs:eu-west-1:000000000000:task/demo/a',
        lastStatus: 'RUNNING',
        targets: [
          {
            container: 'app',
            address: '127.0.0.2:8080',
            uri: '/notify',
            deliveries: [delivery('e1', 503, 5), delivery('e1', 200, 40), delivery('e2', 200, 7), delivery('e2', 200, 9)],
          },
        ],
      },
      {
        taskArn: 'arn:aws:ecs:eu-west-1:000000000000:task/demo/b',
        lastStatus: 'PENDING',
        targets: [{ container: 'app', address: '127.0.0.3:8080', uri: '/notify', deliveries: [] }],
      },
    ],
  },
  { name: 'svc-002', optedIn: false, tasks: [] },
];

describe('delivery statistics', () => {
  it('times the first 2xx of each target and counts duplicates per event', () => {
    expect(eventDeliveryStats({ services }, 'e1')).toEqual({ notified: 1, duplicates: 0, firstMs: 40, lastMs: 40 });
    expect(eventDeliveryStats({ services }, 'e2')).toEqual({ notified: 1, duplicates: 1, firstMs: 7, lastMs: 7 });
    expect(eventDeliveryStats({ services }, 'e3')).toEqual({ notified: 0, duplicates: 0, firstMs: undefined, lastMs: undefined });
  });

  it('builds the bare loop messages for RUNNING targets of opted-in services only', () => {
    const messages = taskMessagesFromReport({ services, cluster: 'demo' }, { eventId: 'b1', source: 'bench', time: 't', detail: null });
    expect(messages).toEqual([
      expect.objectContaining({ host: '127.0.0.2', port: 8080, uri: '/notify', service: 'svc-001', cluster: 'demo', taskArn: services[0]!.tasks[0]!.taskArn }),
    ]);
    expect(splitAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => splitAddress('nope')).toThrow();
  });
});

describe('counters', () => {
  it('maps the simulator keys to modelled operations and keeps the rest apart', () => {
    expect(toCallCounts({ 'ECS.ListTasks': 3, 'EC2.DescribeInstances': 1, 'ECS.ListClusters': 2 })).toEqual({
      counts: { ListTasks: 3, DescribeInstances: 1 },
      other: { 'ECS.ListClusters': 2 },
    });
  });

  it('takes the per-operation median over runs, missing counting as 0', () => {
    expect(medianCounts([{ a: 1, b: 4 }, { a: 3 }, { a: 2, b: 6 }])).toEqual({ a: 2, b: 4 });
  });
});

describe('cost', () => {
  it('prices requests and scales to 1,000 tasks', () => {
    const cost = estimateCost(
      { sqsRequests: 1e6, lambdaInvocations: 1e6, dynamoDbWrites: 1e6 },
      { sqsRequest: 1e-6, lambdaRequest: 2e-6, dynamoDbWrite: 3e-6 },
    );
    expect(cost).toEqual({ sqsUsd: 1, lambdaUsd: 2, dynamoDbUsd: 3, totalUsd: 6 });
    expect(per1000(50, 500)).toBe(100);
    expect(per1000(1, 0)).toBeNaN();
  });
});

describe('mapWithConcurrency', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    await expect(mapWithConcurrency([1], 0, async (v) => v)).rejects.toThrow(/concurrency/);
  });
});
