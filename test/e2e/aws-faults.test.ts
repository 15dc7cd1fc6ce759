import { describe, expect, it } from 'vitest';
import { expectExactlyOnce, faultHarness, ORIGINAL, TARGETS } from './fault-harness';

/**
 * AWS API faults (throttling and 5xx bursts, a lasting outage) against a small cluster (2 opted-in
 * services x 3 tasks, one that does not opt in) and events/observer-original.json. Kept apart from
 * faults.test.ts because the SDK's real retry back-off makes these slow: the files run in parallel.
 */

const harness = faultHarness();
const { run } = harness;


/** The SDK retries with real back-off delays: the simulated function timeout must leave room for them. */
const AWS_FAULT_OPTIONS = { visibilityTimeoutMs: 15_000 } as const;

describe('AWS API faults', () => {
  it('rides out ECS ThrottlingException bursts on every operation (SDK adaptive retries)', async () => {
    const report = await run({
      aws: [
        { service: 'ECS', operation: 'ListServices', kind: 'throttle', count: 1 },
        { service: 'ECS', operation: 'DescribeTasks', kind: 'throttle', count: 2 },
        { service: 'ECS', operation: 'ListTasks', kind: 'throttle', count: 1, after: 1 },
      ],
    }, AWS_FAULT_OPTIONS);
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    expect(report.deadLetters).toEqual([]);
    // The failed calls were made and counted: 2 opted-in services need 2 DescribeTasks, 2 more failed.
    expect(report.counters.api['ECS.ListServices']).toBe(2);
    expect(report.counters.api['ECS.DescribeTasks']).toBe(4);
    expect(report.counters.api['ECS.ListTasks']).toBe(3);
  });

  it('rides out EC2 RequestLimitExceeded and ECS/EC2 5xx (bridge tasks need EC2)', async () => {
    const report = await run(
      {
        aws: [
          { service: 'EC2', operation: 'DescribeInstances', kind: 'throttle', count: 2 },
          { service: 'EC2', operation: 'DescribeInstances', kind: 'server-error', count: 1, after: 2 },
          { service: 'ECS', operation: 'DescribeContainerInstances', kind: 'server-error', count: 2 },
          { service: 'ECS', operation: 'DescribeServices', kind: 'server-error', count: 1 },
        ],
      },
      { ...AWS_FAULT_OPTIONS, networkMode: 'bridge' },
    );
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    expect(report.deadLetters).toEqual([]);
    expect(report.counters.api['EC2.DescribeInstances']).toBeGreaterThanOrEqual(4);
  });

  it("rides out SQS 5xx on the handlers' own SendMessageBatch calls", async () => {
    const report = await run({ aws: [{ service: 'SQS', operation: 'SendMessageBatch', kind: 'server-error', count: 2 }] }, AWS_FAULT_OPTIONS);
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    expect(report.deadLetters).toEqual([]);
  });

  it('dead-letters the observer message with the reason when ECS keeps failing', async () => {
    const report = await run(
      { aws: [{ service: 'ECS', operation: 'ListServices', kind: 'server-error', count: 1_000 }] },
      // maxReceiveCount 1: the first receive is the last, so the handler dead-letters it with the reason.
      { maxReceiveCount: 1, visibilityTimeoutMs: 8_000 },
    );
    expect(report.totals.posts).toBe(0);
    expect(report.deadLetters).toHaveLength(1);
    const [entry] = report.deadLetters;
    expect(entry).toMatchObject({ queue: 'observer', movedBy: 'handler', body: ORIGINAL, receiveCount: 1 });
    expect(entry!.reason).toMatch(/ServerException|Service unavailable/);
    // The SDK retried the call (maxAttempts 6) before the handler gave up.
    expect(report.counters.api['ECS.ListServices']).toBe(6);
  });
});

