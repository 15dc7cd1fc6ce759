import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DLQ_REASON_ATTRIBUTE, IDEMPOTENCY_KEY_PREFIX, METRIC, NOTIFY_HEADERS } from '../../handlers/constants';
import type { TaskMessage } from '../../handlers/messages';
import { metrics } from '../../handlers/observability';
import { handler, loadTaskNotifyConfig } from '../../handlers/task-notify';
import { DLQ_URL, lambdaContext, sqsEvent, taskArn, taskMessage } from '../fixtures/tasks';
import { createIdempotencyTable, localDynamoDbClient, type LocalDynamoDb, startLocalDynamoDb } from '../support/dynalite';
import { closedPort, type NotifyListener, startNotifyListener } from '../support/notify-listener';

const sqsMock = mockClient(SQSClient);
const TABLE = 'notify-idempotency';
const ENV = { ...process.env };

let db: LocalDynamoDb;
let app: NotifyListener;
let sidecar: NotifyListener;
let counter = 0;

beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createIdempotencyTable(db.endpoint, TABLE);
  app = await startNotifyListener();
  sidecar = await startNotifyListener();
});

afterAll(async () => {
  await Promise.all([app.close(), sidecar.close()]);
  await db.stop();
});

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  process.env.IDEMPOTENCY_TABLE_NAME = TABLE;
  process.env.DEAD_LETTER_QUEUE_URL = DLQ_URL;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = db.endpoint;
  process.env.NOTIFY_TIMEOUT_MS = '2000';
});

afterEach(() => {
  process.env = { ...ENV };
  app.requests.length = 0;
  sidecar.requests.length = 0;
  app.answer(200);
  sidecar.answer(200);
  vi.restoreAllMocks();
});

/** A fresh event id per test: every test starts without idempotency records. */
const newEventId = (): string => `evt-${Date.now()}-${++counter}`;
const toApp = (overrides: Partial<TaskMessage> = {}): TaskMessage => taskMessage({ port: app.port, ...overrides });
const metricCounts = () => {
  const counts: Record<string, number> = {};
  vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
    counts[name] = (counts[name] ?? 0) + value;
    return metrics;
  });
  return counts;
};
const dlqMessages = () =>
  sqsMock.commandCalls(SendMessageCommand).map((call) => ({
    queue: call.args[0].input.QueueUrl,
    body: call.args[0].input.MessageBody,
    reason: call.args[0].input.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue,
  }));

describe('configuration', () => {
  it('reads the table, timeout, DLQ, expiry and max receive count from the given environment', () => {
    expect(loadTaskNotifyConfig({ IDEMPOTENCY_TABLE_NAME: 't', DEAD_LETTER_QUEUE_URL: 'd' })).toEqual({
      idempotencyTableName: 't',
      deadLetterQueueUrl: 'd',
      notifyTimeoutMs: 5_000,
      idempotencyExpirySeconds: 86_400,
    });
    expect(
      loadTaskNotifyConfig({ IDEMPOTENCY_TABLE_NAME: 't', DEAD_LETTER_QUEUE_URL: 'd', NOTIFY_TIMEOUT_MS: '250', IDEMPOTENCY_EXPIRY_SECONDS: '60', MAX_RECEIVE_COUNT: '4' }),
    ).toMatchObject({ notifyTimeoutMs: 250, idempotencyExpirySeconds: 60, maxReceiveCount: 4 });
    expect(() => loadTaskNotifyConfig({ DEAD_LETTER_QUEUE_URL: 'd' })).toThrow(/IDEMPOTENCY_TABLE_NAME/);
    expect(() => loadTaskNotifyConfig({ IDEMPOTENCY_TABLE_NAME: 't', DEAD_LETTER_QUEUE_URL: 'd', NOTIFY_TIMEOUT_MS: 'soon' })).toThrow(/NOTIFY_TIMEOUT_MS/);
  });
});

describe('task notify handler', () => {
  it('a replayed batch never POSTs twice; two containers of one task are two targets', async () => {
    const counts = metricCounts();
    const eventId = newEventId();
    const batch = sqsEvent([
      toApp({ eventId, taskArn: taskArn('t1'), container: 'app' }),
      taskMessage({ eventId, taskArn: taskArn('t1'), container: 'sidecar', port: sidecar.port, uri: '/sidecar' }),
      toApp({ eventId, taskArn: taskArn('t2'), container: 'app' }),
    ]);

    const first = await handler(batch, lambdaContext('task-notify'));
    expect(first.batchItemFailures).toEqual([]);
    expect(app.requests.map((request) => request.headers[NOTIFY_HEADERS.taskArn]).sort()).toEqual([taskArn('t1'), taskArn('t2')]);
    expect(sidecar.requests.map((request) => request.url)).toEqual(['/sidecar']);
    expect(counts[METRIC.tasksNotified]).toBe(3);

    // Redelivery of the whole batch (new invocation, new request id): no POST at all.
    const replay = await handler(batch, lambdaContext('task-notify'));
    expect(replay.batchItemFailures).toEqual([]);
    expect(app.requests).toHaveLength(2);
    expect(sidecar.requests).toHaveLength(1);
    expect(counts[METRIC.duplicatesSuppressed]).toBe(3);
    expect(counts[METRIC.tasksNotified]).toBe(3);
    expect(dlqMessages()).toEqual([]);

    // A new event for the same task does POST.
    const next = await handler(sqsEvent([toApp({ eventId: newEventId(), taskArn: taskArn('t1') })]), lambdaContext('task-notify'));
    expect(next.batchItemFailures).toEqual([]);
    expect(app.requests).toHaveLength(3);
  });

  it('stores one COMPLETED record per target under the static key prefix, expiring after IDEMPOTENCY_EXPIRY_SECONDS', async () => {
    process.env.IDEMPOTENCY_EXPIRY_SECONDS = '3600';
    const eventId = newEventId();
    await handler(sqsEvent([toApp({ eventId, container: 'a' }), toApp({ eventId, container: 'b' })]), lambdaContext());
    const client = localDynamoDbClient(db.endpoint);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: TABLE }));
    client.destroy();
    const now = Date.now() / 1000;
    const fresh = Items.filter((item) => Number(item.expiration?.N) > now + 3_000 && Number(item.expiration?.N) <= now + 3_601);
    expect(fresh).toHaveLength(2);
    for (const item of fresh) {
      expect(item.id?.S?.startsWith(`${IDEMPOTENCY_KEY_PREFIX}#`)).toBe(true);
      expect(item.status?.S).toBe('COMPLETED');
    }
    expect(new Set(fresh.map((item) => item.id?.S)).size).toBe(2);
  });

  it('the same target twice in one batch is POSTed once; the in-progress copy is retried, then suppressed', async () => {
    const message = toApp({ eventId: newEventId() });
    const batch = sqsEvent([message, message]);
    const response = await handler(batch, lambdaContext());
    expect(app.requests).toHaveLength(1);
    expect(response.batchItemFailures).toHaveLength(1);

    const failedId = response.batchItemFailures[0]!.itemIdentifier;
    const retry = await handler({ Records: batch.Records.filter((record) => record.messageId === failedId) }, lambdaContext());
    expect(retry.batchItemFailures).toEqual([]);
    expect(app.requests).toHaveLength(1);
  });

  it('a permanent answer (404) goes to the DLQ with the reason; a redrive POSTs again', async () => {
    const counts = metricCounts();
    const message = toApp({ eventId: newEventId() });
    const neighbour = toApp({ eventId: newEventId() });
    app.answer(404, 200);
    const response = await handler(sqsEvent([message]), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(dlqMessages()).toEqual([{ queue: DLQ_URL, body: JSON.stringify(message), reason: 'task answered 404' }]);
    expect(counts[METRIC.notifyPermanentFailures]).toBe(1);

    // The operator fixes the task and redrives the DLQ message: the failed attempt left no record.
    const redrive = await handler(sqsEvent([message, neighbour]), lambdaContext());
    expect(redrive.batchItemFailures).toEqual([]);
    expect(app.requests).toHaveLength(3);
    expect(counts[METRIC.tasksNotified]).toBe(2);
  });

  it('transient answers fail only their record; the retry POSTs and later copies are suppressed', async () => {
    const counts = metricCounts();
    const flaky = taskMessage({ eventId: newEventId(), port: sidecar.port });
    const fine = toApp({ eventId: newEventId() });
    sidecar.answer(503, 200);
    const batch = sqsEvent([flaky, fine]);
    const first = await handler(batch, lambdaContext());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(counts[METRIC.notifyTransientFailures]).toBe(1);
    expect(dlqMessages()).toEqual([]);

    const retry = await handler({ Records: [batch.Records[0]!] }, lambdaContext());
    expect(retry.batchItemFailures).toEqual([]);
    await handler(batch, lambdaContext());
    expect(sidecar.requests).toHaveLength(2);
    expect(app.requests).toHaveLength(1);
  });

  it('a task that never answers times out within NOTIFY_TIMEOUT_MS and is retried', async () => {
    process.env.NOTIFY_TIMEOUT_MS = '100';
    sidecar.answer('hang');
    const batch = sqsEvent([taskMessage({ eventId: newEventId(), port: sidecar.port }), toApp({ eventId: newEventId() })]);
    const response = await handler(batch, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(app.requests).toHaveLength(1);
  });

  it('connection refused is retried; on the last receive it is dead-lettered with the reason', async () => {
    process.env.MAX_RECEIVE_COUNT = '3';
    const port = await closedPort();
    const message = toApp({ eventId: newEventId(), port });
    const neighbour = toApp({ eventId: newEventId() });
    const early = await handler(sqsEvent([message, neighbour], 2), lambdaContext());
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(dlqMessages()).toEqual([]);

    const last = await handler(sqsEvent([message], 3), lambdaContext());
    expect(last.batchItemFailures).toEqual([]);
    expect(dlqMessages()).toEqual([{ queue: DLQ_URL, body: JSON.stringify(message), reason: expect.stringMatching(/gave up after 3 receive\(s\).*ECONNREFUSED/) }]);
  });

  it('an unavailable idempotency store fails the record without POSTing', async () => {
    const counts = metricCounts();
    process.env.IDEMPOTENCY_TABLE_NAME = 'no-such-table';
    const batch = sqsEvent([toApp({ eventId: newEventId() }), toApp({ eventId: newEventId() }), 'not json']);
    const response = await handler(batch, lambdaContext());
    expect(response.batchItemFailures.map((item) => item.itemIdentifier).sort()).toEqual(['m-0', 'm-1']);
    expect(app.requests).toHaveLength(0);
    expect(counts[METRIC.notifyTransientFailures]).toBeUndefined();
    expect(dlqMessages().map((item) => item.body)).toEqual(['not json']);
  });

  it('bad task messages go to the DLQ with a reason; their neighbours are notified', async () => {
    const good = toApp({ eventId: newEventId() });
    const batch = sqsEvent(['{"eventId":', { ...good, port: 70_000 }, { ...good, taskArn: undefined }, good]);
    const response = await handler(batch, lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(app.requests).toHaveLength(1);
    const dlq = dlqMessages();
    expect(dlq.map((item) => item.body)).toEqual(batch.Records.slice(0, 3).map((record) => record.body));
    expect(dlq[0]!.reason).toMatch(/not JSON/);
    expect(dlq[1]!.reason).toMatch(/port/);
    expect(dlq[2]!.reason).toMatch(/taskArn/);
  });
});
