/**
 * Names and limits shared by the three handlers. Every AWS limit here is the documented API limit;
 * the handlers never ask for more in one call.
 */

/** Docker label names a container uses to opt in; each can be overridden by an environment variable. */
export const DEFAULT_LABELS = {
  /** `PORT_LABEL`: the container port the notify API listens on. */
  port: 'NOTIFY_ME_CONTAINER_PORT',
  /** `URI_LABEL`: the path of the notify API, starting with `/`. */
  uri: 'NOTIFY_ME_API_URI',
  /** `TOPICS_LABEL`: optional comma separated topics; without it the container receives every event. */
  topics: 'NOTIFY_ME_TOPICS',
} as const;

export const API_LIMITS = {
  /** ECS ListServices / ListTasks `maxResults`. */
  listPageSize: 100,
  /** ECS DescribeServices `services`. */
  describeServices: 10,
  /** ECS DescribeTasks `tasks`. */
  describeTasks: 100,
  /** ECS DescribeContainerInstances `containerInstances`. */
  describeContainerInstances: 100,
  /** EC2 DescribeInstances `InstanceIds` per call (the API takes more; 100 keeps responses small). */
  describeInstances: 100,
  /** SQS SendMessageBatch entries. */
  sendMessageBatchEntries: 10,
  /** SQS SendMessageBatch total payload: 256 KiB, the limit every SQS queue accepts. */
  sendMessageBatchBytes: 262_144,
} as const;

export const METRICS_NAMESPACE = 'EcsTaskNotifier';

/** Metric names (Powertools Metrics, EMF). */
export const METRIC = {
  servicesMatched: 'ServicesMatched',
  tasksFound: 'TasksFound',
  tasksNotified: 'TasksNotified',
  notifyTransientFailures: 'NotifyTransientFailures',
  notifyPermanentFailures: 'NotifyPermanentFailures',
  duplicatesSuppressed: 'DuplicatesSuppressed',
  inputsRejected: 'InputsRejected',
} as const;

/** Message attribute that carries, on a dead-lettered message, why it was moved there. */
export const DLQ_REASON_ATTRIBUTE = 'reason';
/** Message attribute that carries the id of the message that was dead-lettered. */
export const DLQ_SOURCE_MESSAGE_ID_ATTRIBUTE = 'sourceMessageId';

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;

/**
 * Static idempotency key prefix. Powertools defaults to the function name, which changes whenever
 * CloudFormation replaces the function and would silently forget every record.
 */
export const IDEMPOTENCY_KEY_PREFIX = 'ecs-task-notifier.task-notify';

/** Headers of the notification POST. */
export const NOTIFY_HEADERS = {
  eventId: 'x-notify-event-id',
  taskArn: 'x-notify-task-arn',
} as const;
