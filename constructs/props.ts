import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** A cluster the notifier may notify: an imported or created `ICluster`, a cluster name, or a cluster ARN. */
export type ClusterReference = ecs.ICluster | string;

/** Batch sizes of the three SQS event source mappings (1-10 each: no batching window is configured). */
export interface EcsTaskNotifierBatchSizes {
  /**
   * Observer messages per service discovery invocation.
   * @default 5
   */
  readonly serviceDiscovery?: number;
  /**
   * Service messages per task discovery invocation.
   * @default 10
   */
  readonly taskDiscovery?: number;
  /**
   * Task messages (one POST each, sent in parallel) per task notify invocation.
   * @default 10
   */
  readonly taskNotify?: number;
}

/** Properties of {@link EcsTaskNotifier}. */
export interface EcsTaskNotifierProps {
  /**
   * The clusters whose opted-in services may be notified (`ALLOWED_CLUSTERS`). Events naming any other
   * cluster are refused, and the ECS permissions of the discovery functions are scoped to these clusters.
   * Names are resolved in the stack's account and region.
   */
  readonly clusters: ClusterReference[];

  /**
   * VPC of the task notify function, which must reach the tasks' private addresses. The discovery
   * functions never run in a VPC: they only call AWS APIs.
   * @default - the VPC of the first `ICluster` in `clusters` that has one; otherwise no VPC
   *   (a synth warning says only public task addresses are then reachable)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of the task notify function. Requires a VPC (`vpc` or a cluster with one).
   * @default - the VPC's private subnets with egress (CDK's default selection)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the task notify function. Requires a VPC. Allow them into your tasks' security
   * groups on the notify port (see {@link EcsTaskNotifier.notifySecurityGroup}).
   * @default - one security group created by the construct, all outbound allowed
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Docker label that holds the notify API's container port (`PORT_LABEL`).
   * @default 'NOTIFY_ME_CONTAINER_PORT'
   */
  readonly portLabel?: string;

  /**
   * Docker label that holds the notify API's path (`URI_LABEL`).
   * @default 'NOTIFY_ME_API_URI'
   */
  readonly uriLabel?: string;

  /**
   * Docker label that holds a container's comma separated topics (`TOPICS_LABEL`).
   * @default 'NOTIFY_ME_TOPICS'
   */
  readonly topicsLabel?: string;

  /**
   * Timeout of one notify POST (`NOTIFY_TIMEOUT_MS`); whole milliseconds, at least 100 ms and less than
   * `notifyFunctionTimeout`.
   * @default Duration.seconds(5)
   */
  readonly notifyTimeout?: Duration;

  /**
   * Timeout of the task notify function. Must exceed `notifyTimeout`; the task queue's visibility
   * timeout is six times this value.
   * @default Duration.seconds(30)
   */
  readonly notifyFunctionTimeout?: Duration;

  /**
   * How long a delivered (event, task target) is remembered to suppress duplicates
   * (`IDEMPOTENCY_EXPIRY_SECONDS`, the DynamoDB TTL). Whole seconds, at least one minute; should exceed
   * the time a message can spend in the pipeline.
   * @default Duration.hours(24)
   */
  readonly idempotencyExpiry?: Duration;

  /**
   * Batch sizes of the three event source mappings.
   * @default - see {@link EcsTaskNotifierBatchSizes}
   */
  readonly batchSizes?: EcsTaskNotifierBatchSizes;

  /**
   * How many times a message is received from any of the three queues before it goes to that queue's
   * dead-letter queue (`MAX_RECEIVE_COUNT`; 1-1000).
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Reserved concurrency of the task notify function: bounds how many POSTs run at once across the
   * account. Must be at least 2 and, when set with `notifyMaxConcurrency`, not below it.
   * @default - no reservation (the account's unreserved concurrency)
   */
  readonly notifyReservedConcurrency?: number;

  /**
   * Maximum concurrency of the task queue's event source mapping (2-1000): the bounded fan-out without
   * reserving account concurrency, and without the throttling a reservation causes on the mapping.
   * @default - no limit
   */
  readonly notifyMaxConcurrency?: number;

  /**
   * Retention of the three functions' log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * X-Ray tracing of the three functions.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Use this queue as the observer queue instead of creating one. Its own redrive policy (if it is a
   * `Queue` with a dead-letter queue) is used; otherwise the construct creates an observer dead-letter
   * queue and the service discovery function moves a message there itself on its `maxReceiveCount`th
   * receive. Its visibility timeout should be at least six times the service discovery timeout (6 minutes).
   * Mutually exclusive with `observerQueueProps`.
   * @default - a queue is created
   */
  readonly existingObserverQueue?: sqs.IQueue;

  /**
   * Overrides for the observer queue the construct creates (for example `queueName`, `retentionPeriod`).
   * `enforceSSL` stays on, encryption cannot be turned off and the dead-letter queue is always the
   * construct's. Mutually exclusive with `existingObserverQueue`.
   * @default - encrypted, SSL only, 4 days retention, visibility timeout 6x the consumer's timeout
   */
  readonly observerQueueProps?: sqs.QueueProps;

  /**
   * KMS key that encrypts every queue the construct creates (and the idempotency table). The construct
   * grants S3, EventBridge and the pipes' roles what they need on it.
   * @default - SQS-managed server-side encryption (SSE-SQS) and a DynamoDB AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Removal policy of the idempotency table.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/** Options of {@link EcsTaskNotifier.addEventBridgeRule}. */
export interface EventBridgeRuleSourceOptions {
  /** The events that should notify the tasks. */
  readonly eventPattern: events.EventPattern;
  /**
   * The bus the rule listens on.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The cluster to notify (one of the construct's `clusters`). When set, the event is wrapped as
   * `{"cluster", "topic", "event"}`; when unset, the raw event is sent and must carry `detail.cluster`.
   * @default - the cluster is read from the event's `detail.cluster`
   */
  readonly cluster?: ClusterReference;
  /**
   * Topic of the notification: only containers without a topics label or listing this topic hear it.
   * Requires `cluster`.
   * @default - no topic (every opted-in container)
   */
  readonly topic?: string;
  /**
   * Description of the rule.
   * @default - generated
   */
  readonly description?: string;
}

/** Options of {@link EcsTaskNotifier.addS3Source}. */
export interface S3SourceOptions {
  /** The cluster to notify (one of the construct's `clusters`). */
  readonly cluster: ClusterReference;
  /**
   * Topic of the notification.
   * @default - no topic
   */
  readonly topic?: string;
  /**
   * Bucket events that notify.
   * @default [s3.EventType.OBJECT_CREATED]
   */
  readonly events?: s3.EventType[];
  /**
   * Key filters (at most one prefix and one suffix).
   * @default - every key
   */
  readonly filters?: s3.NotificationKeyFilter[];
}

/** Options of {@link EcsTaskNotifier.addDynamoDbStreamSource}. */
export interface DynamoDbStreamSourceOptions {
  /** The cluster to notify (one of the construct's `clusters`). */
  readonly cluster: ClusterReference;
  /**
   * Topic of the notification.
   * @default - no topic
   */
  readonly topic?: string;
  /**
   * EventBridge Pipes filter patterns (JSON strings, for example
   * `JSON.stringify({ eventName: ['MODIFY'] })`); a record matching any of them is forwarded.
   * @default - every record
   */
  readonly filters?: string[];
  /**
   * Where in the stream the pipe starts reading.
   * @default lambda.StartingPosition.LATEST
   */
  readonly startingPosition?: lambda.StartingPosition;
  /**
   * Stream records per pipe batch (1-10: each record becomes one observer message).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Retries of a failing batch before its records go to the pipe's dead-letter queue (0-185).
   * @default 10
   */
  readonly maximumRetryAttempts?: number;
}

/** The tables accepted by {@link EcsTaskNotifier.addDynamoDbStreamSource}. */
export type StreamTable = dynamodb.ITable;
