import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ResolvedCluster, resolveCluster, sameCluster } from './clusters';
import { grantSendExact, grantTableKey, SEND_KEY_ACTIONS } from './grants';
import { type HandlerName, handlerCode } from './handler-code';
import { addNagSuppressions } from './nag';
import { serviceDiscoveryStatements, taskDiscoveryStatements } from './permissions';
import type {
  ClusterReference,
  DynamoDbStreamSourceOptions,
  EcsTaskNotifierProps,
  EventBridgeRuleSourceOptions,
  S3SourceOptions,
  StreamTable,
} from './props';
import { createDeadLetterQueue, createQueuePair } from './queues';
import { SourceRoutes } from './source-routes';
import { DynamoDbStreamPipe } from './sources/dynamodb-stream';
import { addEventBridgeRuleSource } from './sources/eventbridge';
import { addS3Source } from './sources/s3';
import {
  assertDuration,
  assertIntegerInRange,
  assertLabelName,
  assertTopic,
  LAMBDA_MAX_TIMEOUT,
  VISIBILITY_TIMEOUT_FACTOR,
} from './validation';

/** Defaults of the optional props, in one place (documented on the props with `@default`). */
export const DEFAULTS = {
  notifyTimeout: Duration.seconds(5),
  notifyFunctionTimeout: Duration.seconds(30),
  discoveryFunctionTimeout: Duration.seconds(60),
  idempotencyExpiry: Duration.hours(24),
  maxReceiveCount: 5,
  batchSizes: { serviceDiscovery: 5, taskDiscovery: 10, taskNotify: 10 },
  logRetention: logs.RetentionDays.ONE_MONTH,
  memorySize: 256,
} as const;

/** CloudWatch metric namespace of the handlers' Powertools metrics. */
export const METRICS_NAMESPACE = 'EcsTaskNotifier';

/**
 * Notifies every running task of the opted-in ECS services of an event, exactly once per (event, task
 * target): observer queue -> service discovery -> service queue -> task discovery -> task queue ->
 * task notify (HTTP POST to each task), each queue with its own dead-letter queue and alarm.
 *
 * Sources: anyone granted {@link grantSendMessages} on the observer queue, EventBridge rules
 * ({@link addEventBridgeRule}), S3 buckets ({@link addS3Source}) and DynamoDB streams
 * ({@link addDynamoDbStreamSource}).
 */
export class EcsTaskNotifier extends Construct {
  /** Receives the observer messages (and every source's events). */
  readonly observerQueue: sqs.IQueue;
  /** Dead-letter queue of the observer queue. */
  readonly observerDeadLetterQueue: sqs.IQueue;
  /** One message per opted-in service and event. */
  readonly serviceQueue: sqs.Queue;
  readonly serviceDeadLetterQueue: sqs.Queue;
  /** One message per (event, task, labelled container). */
  readonly taskQueue: sqs.Queue;
  readonly taskDeadLetterQueue: sqs.Queue;

  readonly serviceDiscoveryFunction: lambda.Function;
  readonly taskDiscoveryFunction: lambda.Function;
  readonly taskNotifyFunction: lambda.Function;

  /** Idempotency records of the task notify function (partition key `id`, TTL `expiration`). */
  readonly idempotencyTable: dynamodb.Table;

  /** The task notify function's security group when it runs in a VPC: allow it into your tasks' groups. */
  readonly notifySecurityGroup?: ec2.ISecurityGroup;

  /** Any message in the observer dead-letter queue. */
  readonly observerDeadLetterAlarm: cloudwatch.Alarm;
  /** Any message in the service dead-letter queue. */
  readonly serviceDeadLetterAlarm: cloudwatch.Alarm;
  /** Any message in the task dead-letter queue. */
  readonly taskDeadLetterAlarm: cloudwatch.Alarm;
  /** Errors of the task notify function (a failed invocation, not a failed POST: those are retried per record). */
  readonly taskNotifyErrorsAlarm: cloudwatch.Alarm;

  /** The allowed clusters, resolved. */
  private readonly clusters: ResolvedCluster[];
  private readonly routes: SourceRoutes;
  private readonly encryptionKey?: EcsTaskNotifierProps['encryptionKey'];
  private eventBridgeDlq?: { queue: sqs.Queue; alarm: cloudwatch.Alarm };
  private streamDlq?: { queue: sqs.Queue; alarm: cloudwatch.Alarm };
  private readonly alarmList: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: EcsTaskNotifierProps) {
    super(scope, id);
    const settings = validateProps(props);
    this.encryptionKey = props.encryptionKey;
    this.clusters = props.clusters.map((cluster, index) => resolveCluster(this, cluster, `clusters[${index}]`));
    this.routes = new SourceRoutes(this);
    const key = props.encryptionKey;

    // Queues: visibility timeout six times the consumer's timeout, so a slow invocation never lets a
    // message reappear while it is still being processed.
    const visibility = (timeout: Duration): Duration => Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
    let observerMaxReceiveCount = settings.maxReceiveCount;
    if (props.existingObserverQueue) {
      this.observerQueue = props.existingObserverQueue;
      const redrive = props.existingObserverQueue instanceof sqs.Queue ? props.existingObserverQueue.deadLetterQueue : undefined;
      if (redrive) {
        this.observerDeadLetterQueue = redrive.queue;
        observerMaxReceiveCount = redrive.maxReceiveCount;
      } else {
        const deadLetterQueue = createDeadLetterQueue(this, 'ObserverDeadLetterQueue', key);
        addNagSuppressions(deadLetterQueue, [DLQ_SUPPRESSION('the service discovery function moves failed observer messages here itself')]);
        this.observerDeadLetterQueue = deadLetterQueue;
      }
    } else {
      const observer = createQueuePair(this, 'Observer', {
        visibilityTimeout: visibility(DEFAULTS.discoveryFunctionTimeout),
        maxReceiveCount: settings.maxReceiveCount,
        encryptionKey: key,
        overrides: props.observerQueueProps,
      });
      this.observerQueue = observer.queue;
      this.observerDeadLetterQueue = observer.deadLetterQueue;
    }
    const service = createQueuePair(this, 'Service', {
      visibilityTimeout: visibility(DEFAULTS.discoveryFunctionTimeout),
      maxReceiveCount: settings.maxReceiveCount,
      encryptionKey: key,
    });
    this.serviceQueue = service.queue;
    this.serviceDeadLetterQueue = service.deadLetterQueue;
    const task = createQueuePair(this, 'Task', {
      visibilityTimeout: visibility(settings.notifyFunctionTimeout),
      maxReceiveCount: settings.maxReceiveCount,
      encryptionKey: key,
    });
    this.taskQueue = task.queue;
    this.taskDeadLetterQueue = task.deadLetterQueue;

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(key
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const labels: Record<string, string> = {
      ...(props.portLabel ? { PORT_LABEL: props.portLabel } : {}),
      ...(props.uriLabel ? { URI_LABEL: props.uriLabel } : {}),
      ...(props.topicsLabel ? { TOPICS_LABEL: props.topicsLabel } : {}),
    };

    // Service discovery: not in a VPC, it only calls the ECS API.
    this.serviceDiscoveryFunction = this.createFunction('service-discovery', 'ServiceDiscovery', props, {
      timeout: DEFAULTS.discoveryFunctionTimeout,
      environment: {
        SERVICE_QUEUE_URL: this.serviceQueue.queueUrl,
        ALLOWED_CLUSTERS: this.clusters.map((cluster) => cluster.allowlistEntry).join(','),
        DEAD_LETTER_QUEUE_URL: this.observerDeadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(observerMaxReceiveCount),
        SOURCE_ROUTES: this.routes.value,
        ...labels,
      },
      statements: serviceDiscoveryStatements(this.clusters),
    });
    grantSendExact(this.serviceQueue, this.serviceDiscoveryFunction);
    grantSendExact(this.observerDeadLetterQueue, this.serviceDiscoveryFunction);
    this.serviceDiscoveryFunction.addEventSource(
      new SqsEventSource(this.observerQueue, { batchSize: settings.batchSizes.serviceDiscovery, reportBatchItemFailures: true }),
    );

    // Task discovery: not in a VPC either (ECS and EC2 APIs only).
    this.taskDiscoveryFunction = this.createFunction('task-discovery', 'TaskDiscovery', props, {
      timeout: DEFAULTS.discoveryFunctionTimeout,
      environment: {
        TASK_QUEUE_URL: this.taskQueue.queueUrl,
        DEAD_LETTER_QUEUE_URL: this.serviceDeadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
        ...labels,
      },
      statements: taskDiscoveryStatements(this.clusters),
    });
    grantSendExact(this.taskQueue, this.taskDiscoveryFunction);
    grantSendExact(this.serviceDeadLetterQueue, this.taskDiscoveryFunction);
    this.taskDiscoveryFunction.addEventSource(
      new SqsEventSource(this.serviceQueue, { batchSize: settings.batchSizes.taskDiscovery, reportBatchItemFailures: true }),
    );

    // Task notify: the only function in the VPC, since it POSTs to the tasks' private addresses.
    const network = this.notifyNetwork(props);
    this.notifySecurityGroup = network.securityGroups?.[0];
    this.taskNotifyFunction = this.createFunction('task-notify', 'TaskNotify', props, {
      timeout: settings.notifyFunctionTimeout,
      environment: {
        IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
        NOTIFY_TIMEOUT_MS: String(settings.notifyTimeoutMs),
        IDEMPOTENCY_EXPIRY_SECONDS: String(settings.idempotencyExpirySeconds),
        DEAD_LETTER_QUEUE_URL: this.taskDeadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
      },
      statements: [
        new iam.PolicyStatement({
          sid: 'IdempotencyRecords',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [this.idempotencyTable.tableArn],
        }),
      ],
      ...network,
      reservedConcurrentExecutions: props.notifyReservedConcurrency,
    });
    if (network.vpc) {
      // With its own role, lambda.Function does not add the VPC access policy: the ENI actions Lambda
      // needs to attach the function to the subnets (none of them supports narrower resources usefully).
      this.taskNotifyFunction.role!.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AttachToVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    if (key) grantTableKey(key, this.taskNotifyFunction);
    grantSendExact(this.taskDeadLetterQueue, this.taskNotifyFunction);
    this.taskNotifyFunction.addEventSource(
      new SqsEventSource(this.taskQueue, {
        batchSize: settings.batchSizes.taskNotify,
        reportBatchItemFailures: true,
        maxConcurrency: props.notifyMaxConcurrency,
      }),
    );

    this.observerDeadLetterAlarm = this.deadLetterAlarm('ObserverDeadLetterAlarm', this.observerDeadLetterQueue, 'observer');
    this.serviceDeadLetterAlarm = this.deadLetterAlarm('ServiceDeadLetterAlarm', this.serviceDeadLetterQueue, 'service');
    this.taskDeadLetterAlarm = this.deadLetterAlarm('TaskDeadLetterAlarm', this.taskDeadLetterQueue, 'task');
    this.taskNotifyErrorsAlarm = new cloudwatch.Alarm(this, 'TaskNotifyErrorsAlarm', {
      alarmDescription: 'ecs-task-notifier: the task notify function failed invocations (not single POSTs)',
      metric: this.taskNotifyFunction.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarmList.push(this.taskNotifyErrorsAlarm);
  }

  /** Dead-letter queue of the EventBridge rule targets (created with the first rule). */
  get eventBridgeDeadLetterQueue(): sqs.IQueue | undefined {
    return this.eventBridgeDlq?.queue;
  }

  /** Alarm on {@link eventBridgeDeadLetterQueue} (created with the first rule). */
  get eventBridgeDeadLetterAlarm(): cloudwatch.Alarm | undefined {
    return this.eventBridgeDlq?.alarm;
  }

  /** On-failure destination of the DynamoDB stream pipes (created with the first stream source). */
  get streamDeadLetterQueue(): sqs.IQueue | undefined {
    return this.streamDlq?.queue;
  }

  /** Alarm on {@link streamDeadLetterQueue} (created with the first stream source). */
  get streamDeadLetterAlarm(): cloudwatch.Alarm | undefined {
    return this.streamDlq?.alarm;
  }

  /** Every alarm created so far (dead-letter queues and notify errors): add your actions to each. */
  get alarms(): readonly cloudwatch.Alarm[] {
    return [...this.alarmList];
  }

  /** Lets `grantee` send observer messages (`sqs:SendMessage` and the key, when encrypted with one). */
  grantSendMessages(grantee: iam.IGrantable): iam.Grant {
    return this.observerQueue.grantSendMessages(grantee);
  }

  /** Allows the task notify function to reach `target` (for example your service) on `port`. */
  allowNotifyTo(target: ec2.IConnectable, port: ec2.Port): void {
    if (!this.notifySecurityGroup) {
      throw new Error('allowNotifyTo: the task notify function has no VPC (set `vpc` or pass a cluster with a VPC)');
    }
    target.connections.allowFrom(this.taskNotifyFunction, port, 'ecs-task-notifier notify POST');
  }

  /**
   * An EventBridge rule (default or custom bus) whose matching events go to the observer queue, with
   * retries for 24 hours and then a dead-letter queue on the target. With `cluster` the event is
   * wrapped as `{"cluster", "topic", "event"}`; without it, the raw event must carry `detail.cluster`.
   */
  addEventBridgeRule(id: string, options: EventBridgeRuleSourceOptions): events.Rule {
    if (options.topic !== undefined && options.cluster === undefined) {
      throw new Error('addEventBridgeRule topic: requires `cluster` (a raw event carries its own topic in detail.topic)');
    }
    assertTopic('addEventBridgeRule topic', options.topic);
    const cluster = options.cluster === undefined ? undefined : this.allowedCluster(options.cluster, 'addEventBridgeRule cluster');
    if (!this.eventBridgeDlq) {
      const queue = createDeadLetterQueue(this, 'EventBridgeDeadLetterQueue', this.encryptionKey);
      addNagSuppressions(queue, [DLQ_SUPPRESSION('it is the dead-letter queue of the EventBridge rule targets')]);
      // EventBridge writes this queue with its own service principal: with a customer key it needs the key too.
      this.encryptionKey?.grant(new iam.ServicePrincipal('events.amazonaws.com'), ...SEND_KEY_ACTIONS);
      this.eventBridgeDlq = { queue, alarm: this.deadLetterAlarm('EventBridgeDeadLetterAlarm', queue, 'EventBridge target') };
    }
    return addEventBridgeRuleSource(
      this,
      id,
      { observerQueue: this.observerQueue, deadLetterQueue: this.eventBridgeDlq.queue },
      { ...options, cluster: cluster?.allowlistEntry },
    );
  }

  /**
   * Notifies `cluster` whenever `events` (default: object created) happen in `bucket`: the bucket
   * notifies the observer queue directly, and a `SOURCE_ROUTES` entry maps bucket/key/event to the
   * cluster and topic.
   */
  addS3Source(bucket: s3.IBucket, options: S3SourceOptions): void {
    assertTopic('addS3Source topic', options.topic);
    const cluster = this.allowedCluster(options.cluster, 'addS3Source cluster');
    this.routes.add(addS3Source(bucket, this.observerQueue, { ...options, cluster: cluster.allowlistEntry }));
    suppressBucketNotificationsHandler(Stack.of(bucket));
  }

  /**
   * Notifies `cluster` of every (filtered) change of `table`, through an EventBridge Pipe from its
   * stream to the observer queue: bisect on error, retries, then the stream dead-letter queue.
   * Each record arrives wrapped with the cluster and topic; a `SOURCE_ROUTES` entry also routes raw records.
   */
  addDynamoDbStreamSource(table: StreamTable, options: DynamoDbStreamSourceOptions): DynamoDbStreamPipe {
    assertTopic('addDynamoDbStreamSource topic', options.topic);
    const cluster = this.allowedCluster(options.cluster, 'addDynamoDbStreamSource cluster');
    if (table.tableStreamArn === undefined) {
      throw new Error(
        'addDynamoDbStreamSource table: the table has no stream (tableStreamArn is undefined); set `stream` on the Table ' +
          'or `tableStreamArn` when importing it',
      );
    }
    if (!this.streamDlq) {
      const queue = createDeadLetterQueue(this, 'StreamDeadLetterQueue', this.encryptionKey);
      addNagSuppressions(queue, [DLQ_SUPPRESSION('it is the on-failure destination (dead-letter queue) of the DynamoDB stream pipes')]);
      this.streamDlq = { queue, alarm: this.deadLetterAlarm('StreamDeadLetterAlarm', queue, 'DynamoDB stream pipe') };
    }
    // One pipe per call; the id follows the table's, numbered if two tables share a construct id.
    const baseId = `StreamSource${table.node.id}`;
    let pipeId = baseId;
    for (let n = 2; this.node.tryFindChild(pipeId); n++) pipeId = `${baseId}${n}`;
    const pipe = new DynamoDbStreamPipe(
      this,
      pipeId,
      table,
      { observerQueue: this.observerQueue, deadLetterQueue: this.streamDlq.queue },
      { ...options, cluster: cluster.allowlistEntry },
    );
    this.routes.add({ type: 'dynamodb', table: table.tableName, cluster: cluster.allowlistEntry, topic: options.topic });
    addNagSuppressions(pipe.role.node.findChild('DefaultPolicy'), [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'dynamodb:ListStreams supports no resource-level permissions; stream reads are limited to this table\'s stream ARN',
        appliesTo: ['Resource::*'],
      },
    ]);
    return pipe;
  }

  /** The configured cluster `reference` names, or an error naming `prop`. */
  private allowedCluster(reference: ClusterReference, prop: string): ResolvedCluster {
    const wanted = resolveCluster(this, reference, prop);
    const match = this.clusters.find((cluster) => sameCluster(cluster, wanted));
    if (!match) throw new Error(`${prop}: the cluster is not one of the construct's \`clusters\``);
    return match;
  }

  private notifyNetwork(props: EcsTaskNotifierProps): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
    const vpc = props.vpc ?? this.clusters.find((cluster) => cluster.vpc !== undefined)?.vpc;
    if (!vpc) {
      if (props.vpcSubnets) throw new Error('vpcSubnets: requires a VPC (set `vpc` or pass a cluster with a VPC)');
      if (props.securityGroups) throw new Error('securityGroups: requires a VPC (set `vpc` or pass a cluster with a VPC)');
      Annotations.of(this).addWarningV2(
        'ecs-task-notifier:notifyWithoutVpc',
        'The task notify function runs outside any VPC: only tasks with public IP addresses are reachable. Set `vpc` to reach private task addresses.',
      );
      return {};
    }
    const securityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'NotifySecurityGroup', {
        vpc,
        description: 'ecs-task-notifier task notify function: allow it into your tasks on their notify port',
        allowAllOutbound: true,
      }),
    ];
    return { vpc, vpcSubnets: props.vpcSubnets, securityGroups };
  }

  private createFunction(
    name: HandlerName,
    id: string,
    props: EcsTaskNotifierProps,
    options: Pick<lambda.FunctionProps, 'timeout' | 'vpc' | 'vpcSubnets' | 'securityGroups' | 'reservedConcurrentExecutions'> & {
      environment: Record<string, string>;
      statements: iam.PolicyStatement[];
    },
  ): lambda.Function {
    const { environment, statements, ...functionOptions } = options;
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, {
      retention: props.logRetention ?? DEFAULTS.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // One role per function, with exactly what it uses (no managed policy for logs: only its own group).
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `ecs-task-notifier ${name} function`,
    });
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new lambda.Function(this, `${id}Function`, {
      description: `ecs-task-notifier ${name}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: handlerCode(name),
      memorySize: DEFAULTS.memorySize,
      role,
      logGroup,
      tracing: props.tracing ?? lambda.Tracing.DISABLED,
      environment: {
        POWERTOOLS_SERVICE_NAME: `ecs-task-notifier-${name}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      ...functionOptions,
    });
    addNagSuppressions(fn, [
      {
        id: 'AwsSolutions-L1',
        reason: 'Pinned to nodejs22.x on purpose: the pre-built bundles are compiled and tested for target node22',
      },
    ]);
    addNagSuppressions(role.node.findChild('DefaultPolicy'), [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Resource * only for actions without useful resource-level permissions (ecs:DescribeTaskDefinition, ec2:DescribeInstances, ' +
          'the VPC ENI actions Lambda needs, X-Ray when tracing) or scoped by the ecs:cluster condition (ecs:ListServices, ecs:ListTasks)',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ECS services, tasks and container instances of the allowed clusters only (<type>/<cluster>/*), also under the ecs:cluster condition',
        appliesTo: [{ regex: '/^Resource::arn:.*:ecs:.*:(service|task|container-instance)\\/.+\\/\\*$/' }],
      },
    ]);
    return fn;
  }

  private deadLetterAlarm(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: `ecs-task-notifier: a message reached the ${what} dead-letter queue (see its "reason" attribute)`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarmList.push(alarm);
    return alarm;
  }
}

/** cdk-nag only recognises a dead-letter queue through another queue's redrive policy. */
const DLQ_SUPPRESSION = (why: string) => ({
  id: 'AwsSolutions-SQS3',
  reason: `This queue is itself a dead-letter queue: ${why}; a DLQ of a DLQ would only move the problem`,
});

/**
 * Bucket notifications are configured by CDK's own singleton custom resource (one per stack), whose
 * role uses the AWS managed basic execution policy and `s3:PutBucketNotification` on `*`.
 */
const suppressBucketNotificationsHandler = (stack: Stack): void => {
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
    const role = child.node.tryFindChild('Role');
    if (!role) continue;
    addNagSuppressions(role, [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'CDK-managed custom resource that configures S3 bucket notifications; its role and policy are defined by aws-cdk-lib',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ]);
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      addNagSuppressions(policy, [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'CDK-managed custom resource: s3:PutBucketNotification on the stack\'s buckets, as defined by aws-cdk-lib',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
  }
};

/** Validated settings with defaults applied. */
interface Settings {
  notifyTimeoutMs: number;
  notifyFunctionTimeout: Duration;
  idempotencyExpirySeconds: number;
  maxReceiveCount: number;
  batchSizes: { serviceDiscovery: number; taskDiscovery: number; taskNotify: number };
}

/** Checks every prop; each error names the prop. */
const validateProps = (props: EcsTaskNotifierProps): Settings => {
  if (!props.clusters || props.clusters.length === 0) throw new Error('clusters: give at least one cluster to notify');
  if (props.existingObserverQueue && props.observerQueueProps) {
    throw new Error('existingObserverQueue and observerQueueProps are mutually exclusive: give one or neither');
  }
  if (props.observerQueueProps?.encryption === sqs.QueueEncryption.UNENCRYPTED) {
    throw new Error('observerQueueProps.encryption: the observer queue must be encrypted');
  }
  if (props.observerQueueProps?.deadLetterQueue) {
    throw new Error('observerQueueProps.deadLetterQueue: the construct creates the observer dead-letter queue; use existingObserverQueue for your own');
  }
  if (props.observerQueueProps?.fifo) throw new Error('observerQueueProps.fifo: the observer queue must be a standard queue');
  assertLabelName('portLabel', props.portLabel);
  assertLabelName('uriLabel', props.uriLabel);
  assertLabelName('topicsLabel', props.topicsLabel);

  const notifyFunctionTimeout = props.notifyFunctionTimeout ?? DEFAULTS.notifyFunctionTimeout;
  assertDuration('notifyFunctionTimeout', notifyFunctionTimeout, { min: Duration.seconds(3), max: LAMBDA_MAX_TIMEOUT, unit: 'seconds' });
  const notifyTimeoutMs = assertDuration('notifyTimeout', props.notifyTimeout ?? DEFAULTS.notifyTimeout, {
    min: Duration.millis(100),
    max: LAMBDA_MAX_TIMEOUT,
    unit: 'milliseconds',
  });
  if (notifyTimeoutMs >= notifyFunctionTimeout.toMilliseconds()) {
    throw new Error(
      `notifyTimeout (${notifyTimeoutMs} ms) must be shorter than notifyFunctionTimeout (${notifyFunctionTimeout.toHumanString()})`,
    );
  }
  const idempotencyExpiryMs = assertDuration('idempotencyExpiry', props.idempotencyExpiry ?? DEFAULTS.idempotencyExpiry, {
    min: Duration.minutes(1),
    max: Duration.days(365),
    unit: 'seconds',
  });

  const maxReceiveCount = props.maxReceiveCount ?? DEFAULTS.maxReceiveCount;
  assertIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);
  const batchSizes = { ...DEFAULTS.batchSizes, ...props.batchSizes };
  // Without a batching window, an SQS event source mapping takes 1-10 records per batch.
  assertIntegerInRange('batchSizes.serviceDiscovery', batchSizes.serviceDiscovery, 1, 10);
  assertIntegerInRange('batchSizes.taskDiscovery', batchSizes.taskDiscovery, 1, 10);
  assertIntegerInRange('batchSizes.taskNotify', batchSizes.taskNotify, 1, 10);
  assertIntegerInRange('notifyMaxConcurrency', props.notifyMaxConcurrency, 2, 1000);
  assertIntegerInRange('notifyReservedConcurrency', props.notifyReservedConcurrency, 2, 10_000);
  if (
    props.notifyReservedConcurrency !== undefined &&
    props.notifyMaxConcurrency !== undefined &&
    props.notifyReservedConcurrency < props.notifyMaxConcurrency
  ) {
    throw new Error(
      `notifyReservedConcurrency (${props.notifyReservedConcurrency}) must not be below notifyMaxConcurrency (${props.notifyMaxConcurrency}): the mapping would be throttled`,
    );
  }
  const minimumObserverVisibility = DEFAULTS.discoveryFunctionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
  const observerVisibility = props.observerQueueProps?.visibilityTimeout;
  if (observerVisibility && !observerVisibility.isUnresolved() && observerVisibility.toSeconds() < minimumObserverVisibility) {
    throw new Error(
      `observerQueueProps.visibilityTimeout must be at least ${minimumObserverVisibility} seconds (6x the service discovery timeout)`,
    );
  }
  return {
    notifyTimeoutMs,
    notifyFunctionTimeout,
    idempotencyExpirySeconds: idempotencyExpiryMs / 1000,
    maxReceiveCount,
    batchSizes,
  };
};
