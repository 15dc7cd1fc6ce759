import type { Logger } from '@aws-lambda-powertools/logger';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTasksCommand,
  type ECSClient,
  paginateListTasks,
  ServiceNotFoundException,
  type Task,
} from '@aws-sdk/client-ecs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { API_LIMITS } from './constants';
import { describeInChunks, rethrowEcsError } from './ecs-api';
import type { LabelNames } from './env';
import { errorMessage } from './errors';
import { containerTargets } from './labels';
import { NetworkModeSchema, type ServiceMessage, type TaskDefinitionTargets, type TaskMessage } from './messages';
import { sendMessages } from './sqs';
import { type ContainerInstanceIpCache, isAddress, targetAddress } from './task-addresses';
import type { TaskDefinitionCache } from './task-definitions';

/** AWS clients task discovery uses. */
export interface TaskDiscoveryClients {
  ecs: ECSClient;
  ec2: EC2Client;
  sqs: SQSClient;
}

/** Configuration of the task discovery function (see `loadTaskDiscoveryConfig`). */
export interface TaskDiscoveryConfig {
  /** `TASK_QUEUE_URL`. */
  taskQueueUrl: string;
  /** `DEAD_LETTER_QUEUE_URL`. */
  deadLetterQueueUrl: string;
  /** `PORT_LABEL` / `URI_LABEL` / `TOPICS_LABEL`. */
  labels: LabelNames;
  /** `MAX_RECEIVE_COUNT`, when set. */
  maxReceiveCount?: number;
}

/** Everything {@link discoverTaskMessages} needs besides the message. */
export interface TaskDiscoveryDeps {
  clients: TaskDiscoveryClients;
  labels: LabelNames;
  /** Shared across warm invocations: revisions are immutable. */
  taskDefinitions: TaskDefinitionCache;
  /** Shared across warm invocations: a container instance keeps its EC2 instance and IP. */
  instanceIps: ContainerInstanceIpCache;
  log: Logger;
}

/** What discovery found for one service message. */
export interface TaskDiscoveryResult {
  /** One per (task, labelled container) with an address. */
  messages: TaskMessage[];
  /** RUNNING tasks of the service (before address checks): the TasksFound metric. */
  tasksFound: number;
}

/** Rethrows an ECS error: those no retry can fix as a PermanentError, everything else unchanged (retryable). */
/**
 * ARNs of the service's tasks whose desired status is RUNNING (ListTasks paginator, 100 a page).
 * A service that no longer exists has no tasks: an empty list, not an error.
 */
export const listRunningTaskArns = async (ecs: ECSClient, cluster: string, service: string, log: Logger): Promise<string[]> => {
  const arns: string[] = [];
  try {
    const pages = paginateListTasks(
      { client: ecs, pageSize: API_LIMITS.listPageSize },
      { cluster, serviceName: service, desiredStatus: 'RUNNING' },
    );
    for await (const page of pages) arns.push(...(page.taskArns ?? []));
  } catch (error) {
    if (error instanceof ServiceNotFoundException) {
      log.info('Service no longer exists; no tasks to notify', { error: errorMessage(error) });
      return [];
    }
    return rethrowEcsError(error, `ListTasks(${cluster}, ${service})`);
  }
  return arns;
};

/**
 * DescribeTasks in chunks of 100. A task reported MISSING has stopped meanwhile and is skipped
 * with an INFO line; any other failure is a TransientError so the record is retried.
 */
export const describeTasks = async (ecs: ECSClient, cluster: string, taskArns: readonly string[], log: Logger): Promise<Task[]> => {
  return describeInChunks(
    'DescribeTasks',
    cluster,
    taskArns,
    API_LIMITS.describeTasks,
    async (arns) => {
      const response = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
      return { items: response.tasks, failures: response.failures };
    },
    (arn) => log.info('Task is gone; skipped', { taskArn: arn }),
  );
};

/**
 * Whether a described task should be notified: RUNNING, started by `service` (group
 * `service:<name>`), and not UNHEALTHY. UNKNOWN (no health check) and HEALTHY both pass.
 */
export const isNotifiableTask = (task: Task, service: string): boolean =>
  task.lastStatus === 'RUNNING' && task.group === `service:${service}` && task.healthStatus !== 'UNHEALTHY';

/**
 * The targets of the revision a task runs: from the message when service discovery saw that
 * revision, else described now (a deployment started meanwhile) through the shared cache and
 * filtered with the message's topic, exactly as service discovery would have.
 */
export const revisionTargets = async (
  message: ServiceMessage,
  taskDefinitionArn: string,
  deps: Pick<TaskDiscoveryDeps, 'clients' | 'labels' | 'taskDefinitions' | 'log'>,
): Promise<TaskDefinitionTargets> => {
  const known = message.taskDefinitions.find((item) => item.taskDefinitionArn === taskDefinitionArn);
  if (known) return known;
  const definition = await deps.taskDefinitions.get(deps.clients.ecs, taskDefinitionArn);
  const { targets, rejected } = containerTargets(definition.containerDefinitions, deps.labels, message.topic);
  for (const rejection of rejected) {
    deps.log.warn('Invalid notify label; container skipped', { taskDefinitionArn, ...rejection });
  }
  const mode = NetworkModeSchema.safeParse(definition.networkMode ?? 'bridge');
  return { taskDefinitionArn, networkMode: mode.success ? mode.data : 'none', targets };
};

/**
 * Finds every RUNNING task of the message's service and returns one TaskMessage per (task,
 * labelled container) that has an address. Each task is addressed with its own task definition
 * revision, so during a rolling deployment old and new tasks each use their own labels. Targets
 * without an address yet, and containers reporting UNHEALTHY, are skipped with a log line.
 */
export const discoverTaskMessages = async (message: ServiceMessage, deps: TaskDiscoveryDeps): Promise<TaskDiscoveryResult> => {
  const { ecs } = deps.clients;
  const arns = await listRunningTaskArns(ecs, message.cluster, message.service, deps.log);
  const described = arns.length > 0 ? await describeTasks(ecs, message.cluster, arns, deps.log) : [];
  const tasks = described.filter((task) => {
    if (isNotifiableTask(task, message.service)) return true;
    deps.log.info('Task not notified', {
      taskArn: task.taskArn,
      lastStatus: task.lastStatus,
      group: task.group,
      healthStatus: task.healthStatus,
    });
    return false;
  });

  const revisions = new Map<string, Promise<TaskDefinitionTargets>>();
  const targetsOf = (arn: string): Promise<TaskDefinitionTargets> => {
    let pending = revisions.get(arn);
    if (!pending) {
      pending = revisionTargets(message, arn, deps);
      revisions.set(arn, pending);
    }
    return pending;
  };
  const withTargets = await Promise.all(
    tasks.map(async (task) => ({ task, revision: task.taskDefinitionArn ? await targetsOf(task.taskDefinitionArn) : undefined })),
  );

  const instanceArns = withTargets
    .filter(({ revision }) => revision && revision.networkMode !== 'awsvpc' && revision.targets.length > 0)
    .map(({ task }) => task.containerInstanceArn)
    .filter((arn): arn is string => arn !== undefined);
  const instanceIps =
    instanceArns.length > 0 ? await deps.instanceIps.resolve(deps.clients, message.cluster, instanceArns) : new Map<string, string>();

  const messages: TaskMessage[] = [];
  for (const { task, revision } of withTargets) {
    const taskArn = task.taskArn;
    if (!taskArn || !revision) {
      deps.log.warn('Task without ARN or task definition; skipped', { taskArn });
      continue;
    }
    const instanceIp = task.containerInstanceArn ? instanceIps.get(task.containerInstanceArn) : undefined;
    for (const target of revision.targets) {
      const container = task.containers?.find((item) => item.name === target.container);
      if (container?.healthStatus === 'UNHEALTHY') {
        deps.log.info('Container is UNHEALTHY; not notified', { taskArn, container: target.container });
        continue;
      }
      const address = targetAddress(task, revision.networkMode, target, instanceIp);
      if (!isAddress(address)) {
        deps.log.info('Target has no address yet; skipped', {
          taskArn,
          container: target.container,
          networkMode: revision.networkMode,
          reason: address.skipped,
        });
        continue;
      }
      messages.push({
        eventId: message.eventId,
        source: message.source,
        time: message.time,
        ...(message.topic !== undefined ? { topic: message.topic } : {}),
        cluster: message.cluster,
        detail: message.detail,
        service: message.service,
        container: target.container,
        taskArn,
        host: address.host,
        port: address.port,
        uri: target.uri,
      });
    }
  }
  return { messages, tasksFound: tasks.length };
};

/**
 * Discovers the tasks of one service message and queues their TaskMessages on the task queue
 * (SendMessageBatch via {@link sendMessages}; a failed entry fails the record). A retried record
 * may queue some TaskMessages again: task notify's idempotency makes that harmless.
 *
 * @returns what was found, for metrics and logs
 */
export const processServiceMessage = async (
  message: ServiceMessage,
  deps: TaskDiscoveryDeps & { taskQueueUrl: string },
): Promise<TaskDiscoveryResult> => {
  const result = await discoverTaskMessages(message, deps);
  if (result.messages.length > 0) {
    await sendMessages(
      deps.clients.sqs,
      deps.taskQueueUrl,
      result.messages.map((item) => JSON.stringify(item)),
    );
  }
  deps.log.info('Tasks discovered', { tasksFound: result.tasksFound, targetsQueued: result.messages.length });
  return result;
};
