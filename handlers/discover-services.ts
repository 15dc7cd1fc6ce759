import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeServicesCommand,
  type ECSClient,
  paginateListServices,
  type Service,
} from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { mapConcurrent } from './concurrency';
import { API_LIMITS } from './constants';
import { describeInChunks, rethrowEcsError } from './ecs-api';
import type { LabelNames } from './env';
import { PermanentError } from './errors';
import { containerTargets } from './labels';
import { NetworkModeSchema, type ServiceMessage, type TaskDefinitionTargets } from './messages';
import type { ObserverEvent } from './observer-input';
import { recordLogger } from './observability';
import { sendMessages } from './sqs';
import type { TaskDefinitionCache } from './task-definitions';

/** AWS clients service discovery uses. */
export interface ServiceDiscoveryClients {
  ecs: ECSClient;
  sqs: SQSClient;
}

/** Everything {@link discoverServices} needs besides the event. */
export interface ServiceDiscoveryDeps {
  clients: ServiceDiscoveryClients;
  /** `SERVICE_QUEUE_URL`. */
  serviceQueueUrl: string;
  /** `PORT_LABEL` / `URI_LABEL` / `TOPICS_LABEL`. */
  labels: LabelNames;
  /** Shared across warm invocations: revisions are immutable. */
  taskDefinitions: TaskDefinitionCache;
  log: Logger;
}

/** What discovery found for one event. */
export interface ServiceDiscoveryResult {
  /** Services looked at (listed, or named by the event and found). */
  listed: number;
  /** One per service with at least one target: what went to the service queue. */
  messages: ServiceMessage[];
}

/** Services whose task definitions are looked up at once (each revision is described once anyway). */
const SERVICE_CONCURRENCY = 10;

/** Every service ARN of the cluster (ListServices paginator, 100 a page). */
export const listServiceArns = async (ecs: ECSClient, cluster: string): Promise<string[]> => {
  const arns: string[] = [];
  try {
    const pages = paginateListServices({ client: ecs, pageSize: API_LIMITS.listPageSize }, { cluster });
    for await (const page of pages) arns.push(...(page.serviceArns ?? []));
  } catch (error) {
    return rethrowEcsError(error, `ListServices(${cluster})`);
  }
  return arns;
};

/**
 * DescribeServices in chunks of 10. A service reported MISSING (named by the event but absent, or
 * deleted since it was listed) is skipped with a WARN line; any other failure is a TransientError.
 */
export const describeServices = async (
  ecs: ECSClient,
  cluster: string,
  services: readonly string[],
  log: Logger,
): Promise<Service[]> => {
  return describeInChunks(
    'DescribeServices',
    cluster,
    services,
    API_LIMITS.describeServices,
    async (names) => {
      const response = await ecs.send(new DescribeServicesCommand({ cluster, services: names }));
      return { items: response.services, failures: response.failures };
    },
    (arn) => log.warn('Service not found in the cluster; skipped', { ecsService: arn }),
  );
};

/**
 * Task definition ARNs a service runs tasks of: every deployment (and, for CODE_DEPLOY or
 * EXTERNAL controllers, every task set) with running or pending tasks. During a rolling deployment
 * that is the PRIMARY and the ACTIVE revision.
 */
export const runningTaskDefinitions = (service: Service): string[] => {
  const arns = [...(service.deployments ?? []), ...(service.taskSets ?? [])]
    .filter((deployment) => (deployment.runningCount ?? 0) > 0 || (deployment.pendingCount ?? 0) > 0)
    .map((deployment) => deployment.taskDefinition)
    .filter((arn): arn is string => arn !== undefined && arn.length > 0);
  return [...new Set(arns)];
};

/**
 * The targets of each revision the service runs, for `topic`. Invalid labels skip only their
 * container, with a WARN line naming cluster, service, container, label and value.
 */
export const serviceRevisionTargets = async (
  service: Service,
  topic: string | undefined,
  deps: Pick<ServiceDiscoveryDeps, 'clients' | 'labels' | 'taskDefinitions'>,
  log: Logger,
): Promise<TaskDefinitionTargets[]> =>
  Promise.all(
    runningTaskDefinitions(service).map(async (taskDefinitionArn) => {
      const definition = await deps.taskDefinitions.get(deps.clients.ecs, taskDefinitionArn);
      const { targets, rejected } = containerTargets(definition.containerDefinitions, deps.labels, topic);
      for (const rejection of rejected) {
        log.warn('Invalid notify label; container skipped', {
          taskDefinitionArn,
          container: rejection.container,
          label: rejection.label,
          value: rejection.value,
          reason: rejection.reason,
        });
      }
      const mode = NetworkModeSchema.safeParse(definition.networkMode ?? 'bridge');
      return { taskDefinitionArn, networkMode: mode.success ? mode.data : 'none', targets };
    }),
  );

/**
 * Finds the opted-in services of the event's cluster (all of them, or only those the event names)
 * and builds one ServiceMessage per service with at least one target in any running revision. The
 * message lists every running revision, so task discovery addresses each task with its own labels.
 */
export const discoverServices = async (event: ObserverEvent, deps: ServiceDiscoveryDeps): Promise<ServiceDiscoveryResult> => {
  const { ecs } = deps.clients;
  const refs = event.services ?? (await listServiceArns(ecs, event.cluster));
  const services = refs.length > 0 ? await describeServices(ecs, event.cluster, refs, deps.log) : [];
  const messages = await mapConcurrent(
    services,
    SERVICE_CONCURRENCY,
    async (service): Promise<ServiceMessage | undefined> => {
      const name = service.serviceName;
      if (!name) return undefined;
      const log = recordLogger(deps.log, { cluster: event.cluster, service: name });
      const taskDefinitions = await serviceRevisionTargets(service, event.topic, deps, log);
      if (!taskDefinitions.some((revision) => revision.targets.length > 0)) return undefined;
      return {
        eventId: event.eventId,
        source: event.source,
        time: event.time,
        ...(event.topic === undefined ? {} : { topic: event.topic }),
        cluster: event.cluster,
        detail: event.detail,
        service: name,
        ...(service.serviceArn === undefined ? {} : { serviceArn: service.serviceArn }),
        taskDefinitions,
      };
    },
  );
  return { listed: services.length, messages: messages.filter((message) => message !== undefined) };
};

/**
 * Discovers the event's services and queues their ServiceMessages on the service queue
 * (SendMessageBatch via {@link sendMessages}: `Failed` entries are retried, never ignored). A message
 * too large for SQS is a PermanentError (the event's detail is too big to forward).
 */
export const processObserverEvent = async (event: ObserverEvent, deps: ServiceDiscoveryDeps): Promise<ServiceDiscoveryResult> => {
  const result = await discoverServices(event, deps);
  const bodies = result.messages.map((message) => JSON.stringify(message));
  const tooLarge = bodies.find((body) => Buffer.byteLength(body, 'utf8') > API_LIMITS.sendMessageBatchBytes);
  if (tooLarge !== undefined) {
    throw new PermanentError(
      `service message of ${Buffer.byteLength(tooLarge, 'utf8')} bytes exceeds the SQS limit of ${API_LIMITS.sendMessageBatchBytes}: the event detail is too large`,
    );
  }
  if (bodies.length > 0) await sendMessages(deps.clients.sqs, deps.serviceQueueUrl, bodies);
  deps.log.info('Services discovered', {
    servicesListed: result.listed,
    servicesMatched: result.messages.length,
    matched: result.messages.map((message) => message.service),
    topic: event.topic,
  });
  return result;
};
