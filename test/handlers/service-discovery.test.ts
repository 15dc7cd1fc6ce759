import { Logger } from '@aws-lambda-powertools/logger';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceMessageSchema } from '../../handlers/messages';
import { handler, loadServiceDiscoveryConfig } from '../../handlers/service-discovery';
import { container, type FakeCluster, notifyLabels, serveClusters, service, taskDefinitionArn, taskDefinition, throttlingError } from '../fixtures/services';

const ecsMock = mockClient(ECSClient);
const sqsMock = mockClient(SQSClient);

const SERVICE_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/service-queue';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/observer-dlq';
const EVENTS_DIR = join(__dirname, '..', '..', 'events');
const SENT = '1795312800000';

const context = {
  functionName: 'service-discovery',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:service-discovery',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/service-discovery',
  logStreamName: '2026/11/22/[$LATEST]abc',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

const sqsRecord = (messageId: string, body: string, receiveCount = 1): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: String(receiveCount),
    SentTimestamp: SENT,
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: SENT,
  },
  messageAttributes: {},
  md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:observer',
  awsRegion: 'eu-west-1',
});

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** Cluster demo: orders-api and billing-worker opted in, legacy not; cluster other: one service. */
const demo: FakeCluster = {
  name: 'demo',
  services: [service('demo', 'orders-api'), service('demo', 'billing-worker'), service('demo', 'legacy')],
  taskDefinitions: [
    taskDefinition(taskDefinitionArn('orders-api'), [container('app', notifyLabels(8080, '/notify'))]),
    taskDefinition(taskDefinitionArn('billing-worker'), [container('worker', notifyLabels(9000, '/hooks/notify', 'config,cache'))]),
    taskDefinition(taskDefinitionArn('legacy'), [container('app')]),
  ],
};
const other: FakeCluster = {
  name: 'other',
  services: [service('other', 'reports')],
  taskDefinitions: [taskDefinition(taskDefinitionArn('reports'), [container('app', notifyLabels())])],
};

const ROUTES = JSON.stringify([
  { type: 's3', bucket: 'demo-config-bucket', prefix: 'config/', events: ['s3:ObjectCreated:*'], cluster: 'demo', topic: 'config' },
  { type: 'dynamodb', table: 'demo-table', cluster: 'demo', topic: 'config' },
]);

const serviceMessages = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .filter((call) => call.args[0].input.QueueUrl === SERVICE_QUEUE)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ServiceMessageSchema.parse(JSON.parse(entry.MessageBody!)));

const deadLettered = () =>
  sqsMock.commandCalls(SendMessageCommand).map((call) => ({
    queue: call.args[0].input.QueueUrl,
    body: call.args[0].input.MessageBody,
    reason: call.args[0].input.MessageAttributes?.reason?.StringValue,
    sourceMessageId: call.args[0].input.MessageAttributes?.sourceMessageId?.StringValue,
  }));

const ecsClustersCalled = () =>
  [...ecsMock.commandCalls(ListServicesCommand), ...ecsMock.commandCalls(DescribeServicesCommand)].map(
    (call) => call.args[0].input.cluster,
  );

beforeEach(() => {
  ecsMock.reset();
  sqsMock.reset();
  serveClusters(ecsMock, demo, other);
  sqsMock.on(SendMessageBatchCommand).callsFake(async (input) => ({
    Successful: (input.Entries ?? []).map((entry: { Id: string }) => ({ Id: entry.Id, MessageId: `sqs-${entry.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  vi.stubEnv('SERVICE_QUEUE_URL', SERVICE_QUEUE);
  vi.stubEnv('DEAD_LETTER_QUEUE_URL', DLQ);
  vi.stubEnv('ALLOWED_CLUSTERS', 'demo,arn:aws:ecs:eu-west-1:123456789012:cluster/other');
  vi.stubEnv('SOURCE_ROUTES', ROUTES);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('loadServiceDiscoveryConfig', () => {
  it('reads every setting from the environment it is given', () => {
    expect(
      loadServiceDiscoveryConfig({
        SERVICE_QUEUE_URL: SERVICE_QUEUE,
        DEAD_LETTER_QUEUE_URL: DLQ,
        ALLOWED_CLUSTERS: ' demo , other ',
        MAX_RECEIVE_COUNT: '5',
        PORT_LABEL: 'P',
        SOURCE_ROUTES: '[{"type":"dynamodb","table":"t-1","cluster":"demo"}]',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({
      serviceQueueUrl: SERVICE_QUEUE,
      deadLetterQueueUrl: DLQ,
      allowedClusters: [{ name: 'demo' }, { name: 'other' }],
      routes: [{ type: 'dynamodb', table: 't-1', cluster: 'demo' }],
      labels: { port: 'P', uri: 'NOTIFY_ME_API_URI', topics: 'NOTIFY_ME_TOPICS' },
      maxReceiveCount: 5,
      region: 'eu-west-1',
    });
  });

  it.each([
    [{ DEAD_LETTER_QUEUE_URL: DLQ, ALLOWED_CLUSTERS: 'demo' }, /SERVICE_QUEUE_URL/],
    [{ SERVICE_QUEUE_URL: SERVICE_QUEUE, ALLOWED_CLUSTERS: 'demo' }, /DEAD_LETTER_QUEUE_URL/],
    [{ SERVICE_QUEUE_URL: SERVICE_QUEUE, DEAD_LETTER_QUEUE_URL: DLQ }, /ALLOWED_CLUSTERS/],
    [{ SERVICE_QUEUE_URL: SERVICE_QUEUE, DEAD_LETTER_QUEUE_URL: DLQ, ALLOWED_CLUSTERS: 'demo', SOURCE_ROUTES: '[{' }, /SOURCE_ROUTES/],
    [{ SERVICE_QUEUE_URL: SERVICE_QUEUE, DEAD_LETTER_QUEUE_URL: DLQ, ALLOWED_CLUSTERS: 'demo', MAX_RECEIVE_COUNT: 'x' }, /MAX_RECEIVE_COUNT/],
  ])('refuses an incomplete or invalid environment (%#)', (env, message) => {
    expect(() => loadServiceDiscoveryConfig(env)).toThrow(message);
  });
});

describe('handler', () => {
  it('queues one ServiceMessage per opted-in service for the original {"cluster":"demo"}', async () => {
    const response = await handler(batch(sqsRecord('m-1', '{"cluster":"demo"}')), context);
    expect(response).toEqual({ batchItemFailures: [] });
    const messages = serviceMessages();
    // billing-worker only wants the topics config and cache; legacy has no labels.
    expect(messages.map((message) => message.service)).toEqual(['orders-api']);
    expect(messages.every((message) => message.eventId === 'm-1' && message.cluster === 'demo')).toBe(true);
    expect(deadLettered()).toEqual([]);
  });

  it('dead-letters every bad record with its reason, before any ECS call, without failing its neighbours', async () => {
    const bad = [
      ['bad-json', '{"cluster": '],
      ['no-cluster', '{"topic":"config"}'],
      ['wrong-type', '{"cluster":["demo"]}'],
      ['invalid-name', '{"cluster":"no such cluster!"}'],
      ['forbidden', '{"cluster":"prod"}'],
      ['unknown-shape', '[1]'],
      ['no-route', readFileSync(join(EVENTS_DIR, 's3-object-created.json'), 'utf8').replaceAll('demo-config-bucket', 'unrouted-bucket')],
    ] as const;
    const response = await handler(
      batch(sqsRecord('good-1', '{"cluster":"demo"}'), ...bad.map(([id, body]) => sqsRecord(id, body)), sqsRecord('good-2', '{"cluster":"other"}')),
      context,
    );
    expect(response.batchItemFailures).toEqual([]);
    const dlq = deadLettered();
    expect(dlq.map((item) => item.sourceMessageId).sort()).toEqual(bad.map(([id]) => id).sort());
    for (const [id, body] of bad) {
      const item = dlq.find((entry) => entry.sourceMessageId === id)!;
      expect(item.queue).toBe(DLQ);
      expect(item.body).toBe(body);
      expect(item.reason).toBeTruthy();
    }
    expect(dlq.find((item) => item.sourceMessageId === 'forbidden')!.reason).toMatch(/"prod" is not in ALLOWED_CLUSTERS/);
    expect(dlq.find((item) => item.sourceMessageId === 'bad-json')!.reason).toMatch(/not JSON/);
    expect(dlq.find((item) => item.sourceMessageId === 'no-route')!.reason).toMatch(/no SOURCE_ROUTES entry .*bucket unrouted-bucket/);
    // Only the good records reached ECS.
    expect(new Set(ecsClustersCalled())).toEqual(new Set(['demo', 'other']));
    expect(serviceMessages().map((message) => message.service).sort()).toEqual(['orders-api', 'reports']);
  });

  it('refuses a same-name cluster ARN of another account, read from the function ARN', async () => {
    const foreign = '{"cluster":"arn:aws:ecs:eu-west-1:999999999999:cluster/demo"}';
    const own = '{"cluster":"arn:aws:ecs:eu-west-1:123456789012:cluster/demo"}';
    const response = await handler(batch(sqsRecord('foreign', foreign), sqsRecord('own', own)), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLettered().map((item) => [item.sourceMessageId, item.reason])).toEqual([
      ['foreign', expect.stringMatching(/is not in ALLOWED_CLUSTERS/)],
    ]);
    expect(ecsClustersCalled()).not.toContain('arn:aws:ecs:eu-west-1:999999999999:cluster/demo');
  });

  it('dead-letters a cluster that does not exist', async () => {
    vi.stubEnv('ALLOWED_CLUSTERS', 'demo,ghost');
    const response = await handler(batch(sqsRecord('ghost-1', '{"cluster":"ghost"}'), sqsRecord('ok', '{"cluster":"demo"}')), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLettered()).toEqual([
      expect.objectContaining({ sourceMessageId: 'ghost-1', reason: expect.stringMatching(/ClusterNotFoundException/) }),
    ]);
  });

  it('reports ECS throttling as a batch item failure so SQS retries only that record', async () => {
    ecsMock.on(ListServicesCommand, { cluster: 'other' }).rejects(throttlingError());
    const response = await handler(batch(sqsRecord('ok', '{"cluster":"demo"}'), sqsRecord('throttled', '{"cluster":"other"}')), context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'throttled' }] });
    expect(deadLettered()).toEqual([]);
    expect(serviceMessages().map((message) => [message.cluster, message.service])).toEqual([['demo', 'orders-api']]);
  });

  it('dead-letters a transient failure with its reason on the last receive when MAX_RECEIVE_COUNT is set', async () => {
    vi.stubEnv('MAX_RECEIVE_COUNT', '3');
    ecsMock.on(ListServicesCommand, { cluster: 'other' }).rejects(throttlingError());
    const response = await handler(batch(sqsRecord('ok', '{"cluster":"demo"}'), sqsRecord('last', '{"cluster":"other"}', 3)), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLettered()).toEqual([
      expect.objectContaining({ sourceMessageId: 'last', reason: expect.stringMatching(/gave up after 3 receive.*Rate exceeded/) }),
    ]);
  });

  it('reports a record whose service messages SQS keeps failing', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const response = await handler(batch(sqsRecord('failing', '{"cluster":"other"}'), sqsRecord('empty', '{"cluster":"demo","services":["legacy"]}')), context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'failing' }]);
  });

  it('acknowledges the S3 test event without ECS calls or dead-lettering', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const body = readFileSync(join(EVENTS_DIR, 's3-test-event.json'), 'utf8');
    const response = await handler(batch(sqsRecord('test', body), sqsRecord('ok', '{"cluster":"demo"}')), context);
    expect(info).toHaveBeenCalledWith('Acknowledged and ignored', {
      ignored: 's3:TestEvent for bucket demo-config-bucket at 2026-11-22T02:00:00.000Z',
    });
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLettered()).toEqual([]);
    expect(ecsClustersCalled()).toEqual(['demo', 'demo']);
  });

  it('reads its configuration at every invocation', async () => {
    vi.stubEnv('ALLOWED_CLUSTERS', 'other');
    await handler(batch(sqsRecord('a', '{"cluster":"demo"}'), sqsRecord('keep', '{"cluster":"other"}')), context);
    expect(deadLettered().map((item) => item.sourceMessageId)).toEqual(['a']);

    sqsMock.resetHistory();
    vi.stubEnv('ALLOWED_CLUSTERS', 'demo,other');
    await handler(batch(sqsRecord('b', '{"cluster":"demo"}'), sqsRecord('keep', '{"cluster":"other"}')), context);
    expect(deadLettered()).toEqual([]);
  });

  it('fails the whole batch, to be retried, when SOURCE_ROUTES is invalid', async () => {
    vi.stubEnv('SOURCE_ROUTES', '[{"type":"s3",');
    await expect(handler(batch(sqsRecord('a', '{"cluster":"demo"}')), context)).rejects.toThrow(/SOURCE_ROUTES is not valid JSON/);
    expect(deadLettered()).toEqual([]);
    expect(ecsClustersCalled()).toEqual([]);
  });

  it('keeps task definitions cached across warm invocations', async () => {
    // A revision no other test uses, so the module-level cache starts without it.
    const revision = taskDefinitionArn('warm-only', 7);
    ecsMock.reset();
    serveClusters(ecsMock, demo, other, {
      name: 'warm',
      services: [service('warm', 'a', { taskDefinition: revision }), service('warm', 'b', { taskDefinition: revision })],
      taskDefinitions: [taskDefinition(revision, [container('app', notifyLabels())])],
    });
    vi.stubEnv('ALLOWED_CLUSTERS', 'warm');
    const describedRevision = () =>
      ecsMock.commandCalls(DescribeTaskDefinitionCommand).filter((call) => call.args[0].input.taskDefinition === revision);
    await handler(batch(sqsRecord('w-1', '{"cluster":"warm"}')), context);
    expect(describedRevision()).toHaveLength(1);
    await handler(batch(sqsRecord('w-2', '{"cluster":"warm"}')), context);
    expect(describedRevision()).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(2);
    expect(serviceMessages().map((message) => [message.eventId, message.service])).toEqual([
      ['w-1', 'a'],
      ['w-1', 'b'],
      ['w-2', 'a'],
      ['w-2', 'b'],
    ]);
  });

  it('gives a redelivered message the same event id', async () => {
    const body = '{"cluster":"other","detail":{"a":1}}';
    await handler(batch(sqsRecord('same', body)), context);
    await handler(batch(sqsRecord('same', body, 2)), context);
    const [first, second] = serviceMessages();
    expect(second!.eventId).toBe(first!.eventId);
    expect(second).toEqual(first);
  });
});

describe('sample events (events/*.json)', () => {
  const expectations: Record<string, (messageId: string) => void> = {
    'observer-original.json': (id) => {
      // No topic: billing-worker (topics config, cache) is not notified.
      expect(serviceMessages().map((message) => [message.service, message.eventId, message.source, message.topic])).toEqual([
        ['orders-api', id, 'observer', undefined],
      ]);
    },
    'observer-full.json': () => {
      expect(ecsMock.commandCalls(ListServicesCommand)).toHaveLength(0);
      expect(ecsMock.commandCalls(DescribeServicesCommand)[0]!.args[0].input.services).toEqual(['orders-api', 'billing-worker']);
      // Both opted in: orders-api wants every topic, billing-worker lists "config".
      expect(serviceMessages()).toEqual([
        expect.objectContaining({ service: 'orders-api', eventId: 'config-release-2026-11-22-001', topic: 'config', source: 'release-pipeline' }),
        expect.objectContaining({ service: 'billing-worker', detail: { parameter: '/demo/feature-flags', version: 42 } }),
      ]);
    },
    'eventbridge-custom.json': () => {
      expect(serviceMessages().map((message) => [message.service, message.eventId, message.topic, message.source]).sort()).toEqual([
        ['billing-worker', '6f7c2a1e-5b2d-4c8e-9d3a-1f2e3d4c5b6a', 'cache', 'com.example.catalog'],
        ['orders-api', '6f7c2a1e-5b2d-4c8e-9d3a-1f2e3d4c5b6a', 'cache', 'com.example.catalog'],
      ]);
    },
    'eventbridge-ssm-parameter-change.json': () => {
      const messages = serviceMessages();
      expect(messages).toHaveLength(2);
      expect(messages[0]).toMatchObject({
        eventId: '9b3c5d7e-2f4a-4b6c-8d0e-1a2b3c4d5e6f',
        source: 'aws.ssm',
        topic: 'config',
        cluster: 'demo',
        detail: { operation: 'Update', name: '/demo/feature-flags' },
      });
    },
    's3-object-created.json': () => {
      const messages = serviceMessages();
      expect(messages).toHaveLength(2);
      expect(messages[0]).toMatchObject({
        eventId: 's3:demo-config-bucket/config/my file:1.json#0055AED6DCD90281E5',
        source: 'aws:s3',
        topic: 'config',
        cluster: 'demo',
        detail: { bucket: 'demo-config-bucket', key: 'config/my file:1.json', eventName: 'ObjectCreated:Put' },
      });
    },
    's3-test-event.json': () => {
      expect(serviceMessages()).toEqual([]);
      expect(ecsClustersCalled()).toEqual([]);
    },
    'dynamodb-stream-insert.json': () => {
      const messages = serviceMessages();
      expect(messages).toHaveLength(2);
      expect(messages[0]).toMatchObject({
        eventId: 'c4ca4238a0b923820dcc509a6f75849b',
        source: 'aws:dynamodb',
        topic: 'config',
        cluster: 'demo',
        detail: {
          eventName: 'INSERT',
          tableName: 'demo-table',
          keys: { pk: 'setting#feature-flags' },
          newImage: { enabled: true, version: 7, regions: ['eu-west-1', 'us-east-1'] },
        },
      });
    },
    'malformed.json': (id) => {
      expect(deadLettered()).toEqual([expect.objectContaining({ sourceMessageId: id, reason: 'observer message: body is not JSON' })]);
      expect(ecsClustersCalled()).toEqual([]);
    },
  };

  it('has an expectation for every sample, and a sample for every expectation', () => {
    expect(readdirSync(EVENTS_DIR).filter((name) => name.endsWith('.json')).sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.keys(expectations))('%s is handled as documented', async (name) => {
    const body = readFileSync(join(EVENTS_DIR, name), 'utf8');
    const response = await handler(batch(sqsRecord(`sample-${name}`, body)), context);
    expect(response.batchItemFailures).toEqual([]);
    expectations[name]!(`sample-${name}`);
    if (name !== 'malformed.json') expect(deadLettered()).toEqual([]);
  });
});
