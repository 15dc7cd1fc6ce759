import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CallCounter } from './aws-error';
import { createIdempotencyTable, type LocalDynamoDb, startLocalDynamoDb } from './dynamodb';
import { Ec2Api } from './ec2-api';
import { EcsApi } from './ecs-api';
import { AwsFaultInjector, type LocalEndpoints, sharedEndpoints } from './endpoints';
import { EventSourceMapping, type InvocationOutcome } from './event-source';
import { type FunctionName, mergeFaults } from './faults';
import { lambdaContext } from './lambda-context';
import { buildReport, type EventTrace, observerSend } from './report';
import { type SimMessage, type SimQueue, SqsBroker } from './sqs-broker';
import { TaskListeners } from './task-listeners';
import type { Counters, DrainOptions, QueueRole, ReplayReport, Simulation, SimulationOptions } from './types';
import { buildCluster } from './world';

/**
 * Wires a simulated cluster to the three real handler modules: local ECS/EC2/SQS endpoints,
 * dynalite for idempotency, task listeners, and one event source mapping per queue.
 */

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Idempotency table of the simulated task notify function (one per process; task ARNs are random). */
export const IDEMPOTENCY_TABLE = 'ecs-task-notifier-idempotency';

const QUEUE_NAMES: Record<QueueRole, string> = {
  observer: 'ecs-task-notifier-observer',
  service: 'ecs-task-notifier-service',
  task: 'ecs-task-notifier-task',
};

const CONSUMER: Record<QueueRole, FunctionName> = {
  observer: 'service-discovery',
  service: 'task-discovery',
  task: 'task-notify',
};

/** Environment variables any simulated function sets (cleared for the others). */
const FUNCTION_ENV_KEYS = [
  'SERVICE_QUEUE_URL',
  'TASK_QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'ALLOWED_CLUSTERS',
  'SOURCE_ROUTES',
  'IDEMPOTENCY_TABLE_NAME',
  'NOTIFY_TIMEOUT_MS',
  'MAX_RECEIVE_COUNT',
  'AWS_LAMBDA_FUNCTION_NAME',
] as const;

interface Runtime {
  endpoints: LocalEndpoints;
  dynamo: LocalDynamoDb;
  handlers: Record<FunctionName, Handler>;
}

let runtime: Promise<Runtime> | undefined;

/**
 * Starts the process-wide runtime once: the endpoints, dynalite, the SDK endpoint variables, then
 * imports the handler modules (their SDK clients resolve the endpoints from the environment).
 */
const startRuntime = (region: string): Promise<Runtime> =>
  (runtime ??= (async () => {
    const endpoints = await sharedEndpoints();
    const dynamo = await startLocalDynamoDb();
    process.env.AWS_ENDPOINT_URL_ECS = endpoints.ecsUrl;
    process.env.AWS_ENDPOINT_URL_EC2 = endpoints.ec2Url;
    process.env.AWS_ENDPOINT_URL_SQS = endpoints.sqsUrl;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
    process.env.AWS_REGION ||= region;
    // Offline only: never the user's real credentials, even against loopback.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    await createIdempotencyTable(dynamo.endpoint, IDEMPOTENCY_TABLE);
    const [serviceDiscovery, taskDiscovery, taskNotify] = await Promise.all([
      import('../../handlers/service-discovery'),
      import('../../handlers/task-discovery'),
      import('../../handlers/task-notify'),
    ]);
    return {
      endpoints,
      dynamo,
      handlers: {
        'service-discovery': serviceDiscovery.handler,
        'task-discovery': taskDiscovery.handler,
        'task-notify': taskNotify.handler,
      },
    };
  })());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const emptyInvocations = (): Record<FunctionName, number> => ({ 'service-discovery': 0, 'task-discovery': 0, 'task-notify': 0 });

/**
 * Starts a simulation of `options.cluster`. One simulation at a time per process (the SDK clients
 * of the handler modules keep their endpoints): close it before starting the next.
 */
export const startSimulation = async (options: SimulationOptions): Promise<Simulation> => {
  const spec = options.cluster;
  const { endpoints, dynamo, handlers } = await startRuntime(spec.region);
  const region = process.env.AWS_REGION ?? spec.region;
  const faults = mergeFaults(spec.faults, options.faults);
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 6_000;
  const notifyTimeoutMs = options.notifyTimeoutMs ?? 1_500;
  const concurrency = options.lambdaConcurrency ?? 2;
  const world = buildCluster(spec);

  // Crash injection: POSTs counted while a crashing task-notify invocation runs.
  const postWatchers = new Set<() => void>();
  const listeners = new TaskListeners(world, faults.tasks, () => {
    for (const watcher of postWatchers) watcher();
    progress();
  });
  await listeners.start();

  const trace: EventTrace = { observerSends: [], events: new Map(), lastReceiveCount: new Map() };
  const queues = {} as Record<QueueRole | `${QueueRole}-dlq`, SimQueue>;
  const onEnqueue = (queue: SimQueue, message: SimMessage): void => {
    if (queue !== queues.service) return;
    try {
      const body = JSON.parse(message.body) as { eventId?: string; topic?: string; source?: string; service?: string };
      if (typeof body.eventId !== 'string') return;
      const event = trace.events.get(body.eventId) ?? { eventId: body.eventId, topic: body.topic, source: body.source, services: new Set<string>(), firstSeenAt: Date.now() };
      if (body.service) event.services.add(body.service);
      trace.events.set(body.eventId, event);
    } catch {
      // not an event: the report shows it when it is dead-lettered
    }
  };
  const broker = new SqsBroker(endpoints.sqsUrl, region, '000000000000', onEnqueue);
  for (const role of ['observer', 'service', 'task'] as const) {
    const dlq = broker.createQueue(`${QUEUE_NAMES[role]}-dlq`, visibilityTimeoutMs);
    queues[`${role}-dlq`] = dlq;
    queues[role] = broker.createQueue(QUEUE_NAMES[role], visibilityTimeoutMs, { deadLetterQueue: dlq, maxReceiveCount });
  }

  const api = new CallCounter();
  endpoints.attach({
    ecs: new EcsApi(world, (tasks) => listeners.afterDescribe(tasks)),
    ec2: new Ec2Api(world),
    sqs: broker,
    faults: new AwsFaultInjector(faults.aws),
    api,
  });

  const allowedClusters = spec.allowedClusters?.join(',') ?? spec.name;
  const sourceRoutes =
    spec.sourceRoutes === undefined ? undefined : typeof spec.sourceRoutes === 'string' ? spec.sourceRoutes : JSON.stringify(spec.sourceRoutes);
  const functionEnv: Record<FunctionName, Record<string, string | undefined>> = {
    'service-discovery': {
      SERVICE_QUEUE_URL: queues.service.url,
      DEAD_LETTER_QUEUE_URL: queues['observer-dlq'].url,
      ALLOWED_CLUSTERS: allowedClusters,
      SOURCE_ROUTES: sourceRoutes,
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      ...spec.functionEnv['service-discovery'],
    },
    'task-discovery': {
      TASK_QUEUE_URL: queues.task.url,
      DEAD_LETTER_QUEUE_URL: queues['service-dlq'].url,
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      ...spec.functionEnv['task-discovery'],
    },
    'task-notify': {
      DEAD_LETTER_QUEUE_URL: queues['task-dlq'].url,
      IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
      NOTIFY_TIMEOUT_MS: String(notifyTimeoutMs),
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      ...spec.functionEnv['task-notify'],
    },
  };

  let invocations = emptyInvocations();
  const invocationSeq = emptyInvocations();
  const background = new Set<Promise<unknown>>();

  /** Invokes a handler as Lambda would: its environment set synchronously right before the call. */
  const invoke = async (fn: FunctionName, event: SQSEvent): Promise<InvocationOutcome> => {
    invocations[fn]++;
    const sequence = ++invocationSeq[fn];
    const functionName = `ecs-task-notifier-${fn}`;
    const env = { ...functionEnv[fn], AWS_LAMBDA_FUNCTION_NAME: functionName };
    for (const key of FUNCTION_ENV_KEYS) delete process.env[key];
    for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
    const context = lambdaContext(functionName, region, world.accountId, visibilityTimeoutMs);
    const crash = faults.crashes.find((candidate) => candidate.function === fn && candidate.invocation === sequence);
    let seenPosts = 0;
    let crashed: (() => void) | undefined;
    const crashSignal = new Promise<void>((resolve) => (crashed = resolve));
    const watcher = (): void => {
      if (++seenPosts >= (crash?.afterPosts ?? 1)) crashed?.();
    };
    if (crash && fn === 'task-notify') postWatchers.add(watcher);
    const work = handlers[fn](event, context);
    const settled = work.then(
      (response): InvocationOutcome => ({ response }),
      (error: unknown): InvocationOutcome => ({ failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
    background.add(settled);
    void settled.finally(() => {
      background.delete(settled);
      postWatchers.delete(watcher);
      crashed?.();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ failed: `Task timed out after ${visibilityTimeoutMs} ms` }), visibilityTimeoutMs);
    });
    try {
      if (crash) {
        await Promise.race([crashSignal, timedOut]);
        return { failed: `invocation ${sequence} crashed (injected fault)` };
      }
      return await Promise.race([settled, timedOut]);
    } finally {
      clearTimeout(timer);
      progress();
    }
  };

  const mappings = (['observer', 'service', 'task'] as const).map(
    (role) =>
      new EventSourceMapping({
        broker,
        queue: queues[role],
        batchSize: options.batchSizes?.[CONSUMER[role]] ?? 10,
        concurrency,
        region,
        invoke: (event) => invoke(CONSUMER[role], event),
        onInvoked: (records) => {
          for (const record of records) trace.lastReceiveCount.set(record.messageId, Number(record.attributes.ApproximateReceiveCount));
        },
      }),
  );
  const unsubscribe = broker.onChange(() => {
    for (const mapping of mappings) mapping.wake();
  });

  function progress(): void {
    if (!options.onProgress) return;
    options.onProgress({
      invocations: { ...invocations },
      queued: { observer: queues.observer.messages.length, service: queues.service.messages.length, task: queues.task.messages.length },
      deadLettered: queues['observer-dlq'].messages.length + queues['service-dlq'].messages.length + queues['task-dlq'].messages.length,
      posts: listeners.received.length,
    });
  }

  let closed = false;
  const counters = (): Counters => ({ api: api.snapshot(), sqs: broker.counter.snapshot(), invocations: { ...invocations } });

  const simulation: Simulation = {
    cluster: { name: world.name, arn: world.arn, accountId: world.accountId, region: world.region },
    endpoints: {
      ecs: endpoints.ecsUrl,
      ec2: endpoints.ec2Url,
      sqs: endpoints.sqsUrl,
      dynamodb: dynamo.endpoint,
      queues: Object.fromEntries(Object.entries(queues).map(([role, queue]) => [role, queue.url])) as Simulation['endpoints']['queues'],
    },
    sendObserverMessage: async (body) => {
      if (closed) throw new Error('Simulation is closed');
      broker.counter.add('SendMessage');
      const send = observerSend(body);
      trace.observerSends.push(send);
      const message = broker.enqueue(queues.observer, body);
      send.messageId = message.messageId;
      for (let copy = 1; copy < faults.observerDeliveries; copy++) broker.enqueue(queues.observer, body, {}, message.messageId);
      return message.messageId;
    },
    drain: async (drainOptions: DrainOptions = {}) => {
      const deadline = Date.now() + (drainOptions.timeoutMs ?? 120_000);
      for (const mapping of mappings) mapping.wake();
      while (!(mappings.every((mapping) => mapping.idle) && background.size === 0)) {
        if (Date.now() > deadline) {
          throw new Error(
            `drain timed out: ${mappings.map((mapping, index) => `${['observer', 'service', 'task'][index]}=${mapping.pending}`).join(' ')}, ${background.size} invocation(s) running`,
          );
        }
        await sleep(5);
      }
      progress();
    },
    report: (): ReplayReport => buildReport({ spec, world, listeners, trace, queues, counters: counters() }),
    counters,
    resetCounters: () => {
      api.reset();
      broker.counter.reset();
      invocations = emptyInvocations();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const mapping of mappings) mapping.stop();
      await Promise.race([Promise.allSettled([...background]), sleep(visibilityTimeoutMs)]);
      endpoints.detach();
      await listeners.close();
    },
  };
  return simulation;
};
