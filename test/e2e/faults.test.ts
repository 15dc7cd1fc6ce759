import { describe, expect, it } from 'vitest';
import { type ReplayReport } from '../../bin/local/index';
import { expectExactlyOnce, faultHarness, TARGETS } from './fault-harness';
import { runningTargets } from './support';
/**
 * Every fault the simulator can inject, each against a small cluster (2 opted-in services x 3
 * tasks, one service that does not opt in) and events/observer-original.json. After the queues
 * drain: no (event, target) pair is notified twice, and every opted-in RUNNING target is notified
 * unless the fault makes it impossible, in which case its message is in a DLQ with the reason.
 */

const harness = faultHarness();
const { run } = harness;

const targetOf = (report: ReplayReport, service: string, index = 0) =>
  runningTargets(report).filter((entry) => entry.service === service)[index]!;

describe('task faults', () => {
  it('retries a task that answers 503 once, and notifies it exactly once', async () => {
    const report = await run({ tasks: [{ service: 'svc-001', task: 0, behaviour: { kind: 'status', status: 503, times: 1 } }] });
    expectExactlyOnce(report);
    const { target } = targetOf(report, 'svc-001', 0);
    expect(target.deliveries.map((delivery) => delivery.status)).toEqual([503, 200]);
    expect(report.deadLetters).toEqual([]);
  });

  it('dead-letters a target that keeps answering 500 after maxReceiveCount, with the reason', async () => {
    const report = await run({ tasks: [{ service: 'svc-002', task: 1, behaviour: { kind: 'status', status: 500 } }] });
    expectExactlyOnce(report, 1);
    const { task, target } = targetOf(report, 'svc-002', 1);
    expect(target.deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 500]);
    expect(report.deadLetters).toHaveLength(1);
    const [entry] = report.deadLetters;
    expect(entry).toMatchObject({ queue: 'task', movedBy: 'handler', receiveCount: 3 });
    expect(entry!.reason).toMatch(/500/);
    expect(JSON.parse(entry!.body)).toMatchObject({ taskArn: task.taskArn, service: 'svc-002' });
  });

  it('dead-letters a target that answers 400 at once (no retry), with the reason', async () => {
    const report = await run({ tasks: [{ service: 'svc-001', task: 2, behaviour: { kind: 'status', status: 400 } }] });
    expectExactlyOnce(report, 1);
    expect(targetOf(report, 'svc-001', 2).target.deliveries.map((delivery) => delivery.status)).toEqual([400]);
    expect(report.deadLetters).toHaveLength(1);
    expect(report.deadLetters[0]).toMatchObject({ queue: 'task', movedBy: 'handler', receiveCount: 1 });
    expect(report.deadLetters[0]!.reason).toMatch(/400/);
  });

  it('retries a task that answered too slowly; the late answer does not count as a delivery', async () => {
    const report = await run({ tasks: [{ service: 'svc-001', task: 1, behaviour: { kind: 'slow', delayMs: 800, times: 1 } }] });
    expectExactlyOnce(report);
    // The first POST arrived but its answer came after the 300 ms notify timeout.
    expect(targetOf(report, 'svc-001', 1).target.deliveries.map((delivery) => delivery.status)).toEqual([0, 200]);
    expect(report.deadLetters).toEqual([]);
  });

  it('dead-letters a task that never answers, with a timeout reason', async () => {
    const report = await run({ tasks: [{ service: 'svc-002', task: 0, behaviour: { kind: 'hang' } }] }, { maxReceiveCount: 2 });
    expectExactlyOnce(report, 1);
    expect(targetOf(report, 'svc-002', 0).target.deliveries).toHaveLength(2);
    expect(report.deadLetters).toHaveLength(1);
    expect(report.deadLetters[0]).toMatchObject({ queue: 'task', movedBy: 'handler', receiveCount: 2 });
    expect(report.deadLetters[0]!.reason).toMatch(/time|abort/i);
  });

  it('dead-letters a task nothing listens on, with the connection error', async () => {
    const report = await run({ tasks: [{ service: 'svc-001', task: 0, behaviour: { kind: 'refuse' } }] }, { maxReceiveCount: 2 });
    expectExactlyOnce(report, 1);
    expect(report.deadLetters).toHaveLength(1);
    expect(report.deadLetters[0]!.reason).toMatch(/ECONNREFUSED/);
  });

  it.each(['awsvpc', 'bridge'] as const)('handles a %s task that stops between discovery and notify', async (networkMode) => {
    const report = await run({ tasks: [{ service: 'svc-002', task: 2, behaviour: { kind: 'stop-after-discovery' } }] }, { networkMode, maxReceiveCount: 2 });
    const stopped = report.services.find((service) => service.name === 'svc-002')!.tasks.filter((task) => task.lastStatus === 'STOPPED');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.targets[0]!.deliveries.filter((delivery) => delivery.status === 200)).toEqual([]);
    // Every task still running got the event once; the stopped one is no longer expected.
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS - 1);
    // Its task message could not be delivered: dead-lettered with the reason.
    expect(report.deadLetters).toHaveLength(1);
    expect(JSON.parse(report.deadLetters[0]!.body)).toMatchObject({ taskArn: stopped[0]!.taskArn });
    expect(report.deadLetters[0]!.reason).toMatch(/ECONNREFUSED|STOPPED|stopped/);
  });
});

describe('handler and delivery faults', () => {
  it('a task notify invocation that crashes after 2 POSTs: the batch comes back, nobody is notified twice', async () => {
    const report = await run(
      { crashes: [{ function: 'task-notify', invocation: 1, afterPosts: 2 }] },
      { batchSizes: { 'task-notify': 10 }, lambdaConcurrency: 1, visibilityTimeoutMs: 1_000 },
    );
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    // The redelivered batch was answered from the idempotency store: no second POST anywhere.
    expect(report.totals.posts).toBe(TARGETS);
    expect(report.counters.invocations['task-notify']).toBeGreaterThanOrEqual(2);
    expect(report.deadLetters).toEqual([]);
  });

  it('a service discovery invocation that crashes: its batch is redone, tasks are notified once', async () => {
    const report = await run({ crashes: [{ function: 'service-discovery', invocation: 1 }] }, { visibilityTimeoutMs: 1_000 });
    expectExactlyOnce(report);
    expect(report.totals.posts).toBe(TARGETS);
    expect(report.counters.invocations['service-discovery']).toBe(2);
  });

  it('a task discovery invocation that crashes: tasks are notified once', async () => {
    const report = await run({ crashes: [{ function: 'task-discovery', invocation: 1 }] }, { visibilityTimeoutMs: 1_000 });
    expectExactlyOnce(report);
    expect(report.totals.posts).toBe(TARGETS);
  });

  it('the same observer message delivered twice notifies every task once', async () => {
    const report = await run({ observerDeliveries: 2 });
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    expect(report.totals.posts).toBe(TARGETS);
    expect(report.counters.invocations['service-discovery']).toBeGreaterThanOrEqual(1);
    expect(report.events).toHaveLength(1);
  });

  it('the same observer body sent twice with one eventId notifies every task once', async () => {
    const body = JSON.stringify({ cluster: 'demo', eventId: 'release-42', topic: 'deploy' });
    const report = await run({}, { messages: [body, body] });
    expectExactlyOnce(report);
    expect(report.totals.expected).toBe(TARGETS);
    expect(report.totals.posts).toBe(TARGETS);
  });

  it('bad inputs are dead-lettered with a reason and do not disturb their batch neighbours', async () => {
    const bad = [
      '{"cluster": ',
      JSON.stringify({ cluster: 'not-allowed' }),
      JSON.stringify({ cluster: 'demo', services: ['bad name!'] }),
      JSON.stringify([1, 2, 3]),
    ];
    const good = [JSON.stringify({ cluster: 'demo', eventId: 'good-1' }), JSON.stringify({ cluster: 'demo', eventId: 'good-2' })];
    const report = await run({}, { messages: [bad[0]!, good[0]!, bad[1]!, bad[2]!, good[1]!, bad[3]!], batchSizes: { 'service-discovery': 10 } });
    expect(harness.current()!.counters().invocations['service-discovery']).toBe(1);
    expect(report.events.map((event) => event.eventId).sort()).toEqual(['good-1', 'good-2']);
    expectExactlyOnce(report);
    expect(report.totals.delivered).toBe(2 * TARGETS);
    expect(report.deadLetters.map((entry) => entry.body).sort()).toEqual([...bad].sort());
    for (const entry of report.deadLetters) {
      expect(entry).toMatchObject({ queue: 'observer', movedBy: 'handler', receiveCount: 1 });
      expect(entry.reason?.length).toBeGreaterThan(5);
    }
  });
});
