import { Logger } from '@aws-lambda-powertools/logger';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  describeServices,
  discoverServices,
  processObserverEvent,
  runningTaskDefinitions,
  type ServiceDiscoveryDeps,
} from '../../handlers/discover-services';
import { labelNamesFromEnv } from '../../handlers/env';
import { PermanentError, TransientError } from '../../handlers/errors';
import { ServiceMessageSchema } from '../../handlers/messages';
import type { ObserverEvent } from '../../handlers/observer-input';
import { TaskDefinitionCache } from '../../handlers/task-definitions';
import {
  container,
  deployment,
  type FakeCluster,
  notifyLabels,
  serveClusters,
  service,
  serviceArn,
  taskDefinition,
  taskDefinitionArn,
  throttlingError,
} from '../fixtures/services';

const ecsMock = mockClient(ECSClient);
const sqsMock = mockClient(SQSClient);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/service-queue';

const log = new Logger({ logLevel: 'SILENT' });
let cache: TaskDefinitionCache;

const deps = (overrides: Partial<ServiceDiscoveryDeps> = {}): ServiceDiscoveryDeps => ({
  clients: { ecs: new ECSClient({}), sqs: new SQSClient({}) },
  serviceQueueUrl: QUEUE,
  labels: labelNamesFromEnv({}),
  taskDefinitions: cache,
  log,
  ...overrides,
});

const event = (overrides: Partial<ObserverEvent> = {}): ObserverEvent => ({
  eventId: 'evt-1',
  source: 'observer',
  time: '2026-11-22T02:00:00.000Z',
  cluster: 'demo',
  detail: { version: 1 },
  ...overrides,
});

/** `count` services named svc-000..., each running its own labelled revision. */
const labelledCluster = (count: number, name = 'demo'): FakeCluster => {
  const names = Array.from({ length: count }, (_, index) => `svc-${String(index).padStart(3, '0')}`);
  return {
    name,
    services: names.map((item) => service(name, item)),
    taskDefinitions: names.map((item) => taskDefinition(taskDefinitionArn(item), [container('app', notifyLabels(8080, '/notify'))])),
  };
};

const sentMessages = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ServiceMessageSchema.parse(JSON.parse(entry.MessageBody!)));

beforeEach(() => {
  ecsMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageBatchCommand).callsFake(async (input) => ({
    Successful: (input.Entries ?? []).map((entry: { Id: string }) => ({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
  cache = new TaskDefinitionCache();
});

afterEach(() => vi.restoreAllMocks());

describe('listing and describing services', () => {
  it('describes more than 10 services in chunks of 10', async () => {
    serveClusters(ecsMock, labelledCluster(23));
    const result = await processObserverEvent(event(), deps());

    const listCalls = ecsMock.commandCalls(ListServicesCommand);
    expect(listCalls).toHaveLength(1);
    expect(listCalls[0]!.args[0].input).toEqual({ cluster: 'demo', maxResults: 100 });
    const describeCalls = ecsMock.commandCalls(DescribeServicesCommand);
    expect(describeCalls.map((call) => call.args[0].input.services!.length)).toEqual([10, 10, 3]);
    expect(describeCalls[2]!.args[0].input).toEqual({
      cluster: 'demo',
      services: [20, 21, 22].map((index) => serviceArn('demo', `svc-0${index}`)),
    });
    expect(result).toMatchObject({ listed: 23 });
    expect(result.messages).toHaveLength(23);
    // Two SendMessageBatch calls of 10 and one of 3.
    expect(sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    expect(new Set(sentMessages().map((message) => message.service)).size).toBe(23);
  });

  it('pages through more than 100 services', async () => {
    const { listRequests } = serveClusters(ecsMock, labelledCluster(215));
    const result = await discoverServices(event(), deps());

    expect(ecsMock.commandCalls(ListServicesCommand)).toHaveLength(3);
    expect(listRequests).toEqual([
      { cluster: 'demo', maxResults: 100 },
      { cluster: 'demo', maxResults: 100, nextToken: '100' },
      { cluster: 'demo', maxResults: 100, nextToken: '200' },
    ]);
    const describeCalls = ecsMock.commandCalls(DescribeServicesCommand);
    expect(describeCalls).toHaveLength(22);
    expect(describeCalls.every((call) => call.args[0].input.services!.length <= 10)).toBe(true);
    expect(describeCalls.flatMap((call) => call.args[0].input.services)).toHaveLength(215);
    expect(result.messages.map((message) => message.service).sort()).toEqual(
      Array.from({ length: 215 }, (_, index) => `svc-${String(index).padStart(3, '0')}`),
    );
  });

  it('describes only the named services and skips ListServices; a MISSING one is skipped with a WARN', async () => {
    serveClusters(ecsMock, labelledCluster(30));
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const result = await discoverServices(event({ services: ['svc-003', 'svc-017', 'gone'] }), deps());

    expect(ecsMock.commandCalls(ListServicesCommand)).toHaveLength(0);
    expect(ecsMock.commandCalls(DescribeServicesCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'demo', services: ['svc-003', 'svc-017', 'gone'] },
    ]);
    expect(result.messages.map((message) => message.service)).toEqual(['svc-003', 'svc-017']);
    expect(warn).toHaveBeenCalledWith('Service not found in the cluster; skipped', { ecsService: serviceArn('demo', 'gone') });
  });

  it('turns any other DescribeServices failure into a TransientError', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: serviceArn('demo', 'a'), reason: 'INTERNAL' }] });
    await expect(describeServices(new ECSClient({}), 'demo', ['a'], log)).rejects.toBeInstanceOf(TransientError);
  });

  it('makes no DescribeServices call for an empty cluster', async () => {
    serveClusters(ecsMock, { name: 'demo', services: [], taskDefinitions: [] });
    await expect(processObserverEvent(event(), deps())).resolves.toEqual({ listed: 0, messages: [] });
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});

describe('which services and revisions matter', () => {
  it('puts both revisions of a rolling deployment in the message, each with its own targets', async () => {
    const v1 = taskDefinitionArn('orders', 1);
    const v2 = taskDefinitionArn('orders', 2);
    serveClusters(ecsMock, {
      name: 'demo',
      services: [
        service('demo', 'orders', {
          deployments: [
            deployment(v2, { status: 'PRIMARY', runningCount: 1, pendingCount: 2 }),
            deployment(v1, { status: 'ACTIVE', runningCount: 3 }),
          ],
        }),
      ],
      taskDefinitions: [
        taskDefinition(v1, [container('app', notifyLabels(8080, '/v1/notify'))]),
        taskDefinition(v2, [container('app', notifyLabels(9090, '/v2/notify')), container('sidecar', notifyLabels(9091, '/hook'))]),
      ],
    });
    const { messages } = await discoverServices(event(), deps());
    expect(messages).toHaveLength(1);
    expect(messages[0]!.taskDefinitions).toEqual([
      {
        taskDefinitionArn: v2,
        networkMode: 'awsvpc',
        targets: [
          { container: 'app', port: 9090, uri: '/v2/notify' },
          { container: 'sidecar', port: 9091, uri: '/hook' },
        ],
      },
      { taskDefinitionArn: v1, networkMode: 'awsvpc', targets: [{ container: 'app', port: 8080, uri: '/v1/notify' }] },
    ]);
  });

  it('ignores deployments without running or pending tasks, and services without labels', async () => {
    const old = taskDefinitionArn('web', 1);
    const current = taskDefinitionArn('web', 2);
    serveClusters(ecsMock, {
      name: 'demo',
      services: [
        service('demo', 'web', {
          deployments: [deployment(current, { runningCount: 2 }), deployment(old, { status: 'ACTIVE', runningCount: 0, pendingCount: 0 })],
        }),
        service('demo', 'unlabelled'),
        service('demo', 'scaled-to-zero', { deployments: [deployment(taskDefinitionArn('scaled-to-zero'), { runningCount: 0 })] }),
      ],
      taskDefinitions: [
        taskDefinition(old, [container('app', notifyLabels())]),
        taskDefinition(current, [container('app', notifyLabels())]),
        taskDefinition(taskDefinitionArn('unlabelled'), [container('app'), container('half', { NOTIFY_ME_API_URI: '/x' })]),
        taskDefinition(taskDefinitionArn('scaled-to-zero'), [container('app', notifyLabels())]),
      ],
    });
    const { messages, listed } = await discoverServices(event(), deps());
    expect(listed).toBe(3);
    expect(messages.map((message) => [message.service, message.taskDefinitions.map((item) => item.taskDefinitionArn)])).toEqual([
      ['web', [current]],
    ]);
    const described = ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((call) => call.args[0].input.taskDefinition);
    expect(described).not.toContain(old);
    expect(described).not.toContain(taskDefinitionArn('scaled-to-zero'));
  });

  it('reads the revisions of CODE_DEPLOY task sets and defaults the network mode to bridge', async () => {
    const blue = taskDefinitionArn('bg', 4);
    const green = taskDefinitionArn('bg', 5);
    const bg = { ...service('demo', 'bg', { deployments: [] }), deploymentController: { type: 'CODE_DEPLOY' as const } };
    bg.taskSets = [
      { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: blue, runningCount: 2, pendingCount: 0 },
      { id: 'ecs-svc/2', status: 'ACTIVE', taskDefinition: green, runningCount: 0, pendingCount: 1 },
    ];
    serveClusters(ecsMock, {
      name: 'demo',
      services: [bg],
      taskDefinitions: [taskDefinition(blue, [container('app', notifyLabels())], null), taskDefinition(green, [container('app', notifyLabels())], 'host')],
    });
    const { messages } = await discoverServices(event(), deps());
    expect(messages[0]!.taskDefinitions.map((item) => [item.taskDefinitionArn, item.networkMode])).toEqual([
      [blue, 'bridge'],
      [green, 'host'],
    ]);
    expect(runningTaskDefinitions(bg)).toEqual([blue, green]);
  });

  it('describes a shared revision once, and not again on a warm second invocation', async () => {
    const shared = taskDefinitionArn('shared', 3);
    serveClusters(ecsMock, {
      name: 'demo',
      services: ['a', 'b', 'c'].map((name) => service('demo', name, { taskDefinition: shared })),
      taskDefinitions: [taskDefinition(shared, [container('app', notifyLabels())])],
    });
    const first = await discoverServices(event(), deps());
    expect(first.messages).toHaveLength(3);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);

    const second = await discoverServices(event({ eventId: 'evt-2' }), deps());
    expect(second.messages).toHaveLength(3);
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(2);
  });

  it('skips only the container with an invalid label, with a WARN naming it', async () => {
    const arn = taskDefinitionArn('mixed');
    serveClusters(ecsMock, {
      name: 'demo',
      services: [service('demo', 'mixed', { taskDefinition: arn }), service('demo', 'all-bad', { taskDefinition: taskDefinitionArn('all-bad') })],
      taskDefinitions: [
        taskDefinition(arn, [
          container('good', notifyLabels(8080, '/notify')),
          container('bad-port', notifyLabels('80a', '/notify')),
          container('bad-uri', notifyLabels(8081, 'http://evil.example/notify')),
        ]),
        taskDefinition(taskDefinitionArn('all-bad'), [container('app', notifyLabels(70000, '/notify'))]),
      ],
    });
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const { messages } = await discoverServices(event(), deps());
    expect(messages.map((message) => [message.service, message.taskDefinitions[0]!.targets])).toEqual([
      ['mixed', [{ container: 'good', port: 8080, uri: '/notify' }]],
    ]);
    expect(warn).toHaveBeenCalledWith(
      'Invalid notify label; container skipped',
      expect.objectContaining({ container: 'bad-port', label: 'NOTIFY_ME_CONTAINER_PORT', value: '80a', taskDefinitionArn: arn }),
    );
    expect(warn).toHaveBeenCalledWith(
      'Invalid notify label; container skipped',
      expect.objectContaining({ container: 'bad-uri', label: 'NOTIFY_ME_API_URI', value: 'http://evil.example/notify' }),
    );
    expect(warn).toHaveBeenCalledWith('Invalid notify label; container skipped', expect.objectContaining({ container: 'app', value: '70000' }));
    // The warning's logger carries the cluster and service keys.
    const warningLogger = warn.mock.contexts.find((_, index) => warn.mock.calls[index]![1] && (warn.mock.calls[index]![1] as { container?: string }).container === 'bad-port');
    expect((warningLogger as Logger).getPersistentLogAttributes()).toMatchObject({ ecsService: 'mixed', cluster: 'demo' });
  });

  it('honours topics labels and custom label names', async () => {
    const arn = taskDefinitionArn('topics');
    serveClusters(ecsMock, {
      name: 'demo',
      services: [service('demo', 'topics', { taskDefinition: arn }), service('demo', 'custom', { taskDefinition: taskDefinitionArn('custom') })],
      taskDefinitions: [
        taskDefinition(arn, [
          container('config-only', notifyLabels(8080, '/c', 'config, flags')),
          container('cache-only', notifyLabels(8081, '/k', 'cache')),
          container('everything', notifyLabels(8082, '/e')),
        ]),
        taskDefinition(taskDefinitionArn('custom'), [container('app', { MY_PORT: '7000', MY_URI: '/mine' })]),
      ],
    });
    const targetsFor = async (topic: string | undefined, labels = labelNamesFromEnv({})) => {
      const { messages } = await discoverServices(event(topic === undefined ? {} : { topic }), deps({ labels }));
      return messages.flatMap((message) => message.taskDefinitions.flatMap((item) => item.targets.map((target) => target.container)));
    };
    expect(await targetsFor('config')).toEqual(['config-only', 'everything']);
    expect(await targetsFor('cache')).toEqual(['cache-only', 'everything']);
    expect(await targetsFor(undefined)).toEqual(['everything']);
    expect(await targetsFor(undefined, labelNamesFromEnv({ PORT_LABEL: 'MY_PORT', URI_LABEL: 'MY_URI' }))).toEqual(['app']);
  });

  it('builds messages the service queue schema accepts, carrying the event', async () => {
    serveClusters(ecsMock, labelledCluster(1));
    await processObserverEvent(event({ topic: 'config', detail: { nested: { a: [1, 2] } } }), deps());
    expect(sentMessages()).toEqual([
      {
        eventId: 'evt-1',
        source: 'observer',
        time: '2026-11-22T02:00:00.000Z',
        topic: 'config',
        cluster: 'demo',
        detail: { nested: { a: [1, 2] } },
        service: 'svc-000',
        serviceArn: serviceArn('demo', 'svc-000'),
        taskDefinitions: [
          { taskDefinitionArn: taskDefinitionArn('svc-000'), networkMode: 'awsvpc', targets: [{ container: 'app', port: 8080, uri: '/notify' }] },
        ],
      },
    ]);
  });
});

describe('errors', () => {
  it('maps ClusterNotFoundException to a PermanentError', async () => {
    ecsMock.on(ListServicesCommand).rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    const failure = processObserverEvent(event({ cluster: 'nope' }), deps());
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/ListServices\(nope\).*Cluster not found/);
  });

  it('lets ECS throttling propagate so the record is retried', async () => {
    ecsMock.on(ListServicesCommand).rejects(throttlingError());
    const failure = processObserverEvent(event(), deps());
    await expect(failure).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(failure).rejects.not.toBeInstanceOf(PermanentError);
  });

  it('retries Failed SendMessageBatch entries and fails the event when they keep failing', async () => {
    serveClusters(ecsMock, labelledCluster(3));
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: 'x' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }, { Id: '2', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: 'x' }, { Id: '2', MessageId: 'c', MD5OfMessageBody: 'x' }], Failed: [] });
    await processObserverEvent(event(), deps());
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries!.map((entry) => entry.Id))).toEqual([['0', '1', '2'], ['1', '2']]);

    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(processObserverEvent(event(), deps())).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses to forward a detail too large for SQS', async () => {
    serveClusters(ecsMock, labelledCluster(1));
    await expect(processObserverEvent(event({ detail: 'x'.repeat(300_000) }), deps())).rejects.toThrow(/exceeds the SQS limit/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
