import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcsTaskNotifier } from '../../constructs';
import { ensureBundles, flatten, lambdaFunction, newStack, resourceByPrefix, resources } from './fixtures';

/**
 * One stack with every default: a name and an ARN as clusters, no VPC, and one source of each kind.
 * Every assertion in this file reads the same synthesized template.
 */
let template: Template;
let annotations: Annotations;
let notifier: EcsTaskNotifier;

beforeAll(async () => {
  await ensureBundles();
  const stack = newStack();
  notifier = new EcsTaskNotifier(stack, 'Notifier', {
    clusters: ['demo', 'arn:aws:ecs:eu-west-1:123456789012:cluster/other'],
  });
  const bucket = new s3.Bucket(stack, 'Bucket');
  notifier.addS3Source(bucket, { cluster: 'demo' });
  const table = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  notifier.addDynamoDbStreamSource(table, { cluster: 'demo' });
  notifier.addEventBridgeRule('Custom', { eventPattern: { source: ['my.app'] } });
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
});

const QUEUE = 'AWS::SQS::Queue';
const queue = (prefix: string) => resourceByPrefix(template, QUEUE, prefix)[1];
const queueRef = (prefix: string) => ({ Ref: resourceByPrefix(template, QUEUE, prefix)[0] });

describe('queues', () => {
  it('creates the three work queues, their DLQs and the source DLQs, all SSE-SQS encrypted', () => {
    const queues = Object.values(resources(template, QUEUE));
    expect(queues).toHaveLength(8);
    for (const q of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('enforces SSL on every queue with a deny on aws:SecureTransport=false', () => {
    const policies = Object.values(resources(template, 'AWS::SQS::QueuePolicy'));
    const guarded = new Set(
      policies
        .filter((policy) =>
          (policy.Properties.PolicyDocument.Statement as { Effect: string; Condition?: unknown }[]).some(
            (statement) =>
              statement.Effect === 'Deny' &&
              JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          ),
        )
        .flatMap((policy) => (policy.Properties.Queues as unknown[]).map(flatten)),
    );
    for (const id of Object.keys(resources(template, QUEUE))) expect(guarded).toContain(`\${${id}}`);
  });

  it('keeps dead-lettered messages 14 days in every DLQ', () => {
    for (const prefix of ['NotifierObserverDeadLetterQueue', 'NotifierServiceDeadLetterQueue', 'NotifierTaskDeadLetterQueue', 'NotifierEventBridgeDeadLetterQueue', 'NotifierStreamDeadLetterQueue']) {
      expect(queue(prefix).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('redrives each work queue to its own DLQ after 5 receives', () => {
    for (const [work, dlq] of [
      ['NotifierObserverQueue', 'NotifierObserverDeadLetterQueue'],
      ['NotifierServiceQueue', 'NotifierServiceDeadLetterQueue'],
      ['NotifierTaskQueue', 'NotifierTaskDeadLetterQueue'],
    ] as const) {
      expect(queue(work).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [resourceByPrefix(template, QUEUE, dlq)[0], 'Arn'] },
        maxReceiveCount: 5,
      });
    }
  });

  it('sets every visibility timeout to at least 6x its consumer timeout', () => {
    const consumers = [
      ['NotifierObserverQueue', 'NotifierServiceDiscoveryFunction'],
      ['NotifierServiceQueue', 'NotifierTaskDiscoveryFunction'],
      ['NotifierTaskQueue', 'NotifierTaskNotifyFunction'],
    ] as const;
    for (const [q, fn] of consumers) {
      const timeout = lambdaFunction(template, fn).Properties.Timeout as number;
      expect(queue(q).Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    }
    expect(lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties.Timeout).toBe(30);
    expect(queue('NotifierTaskQueue').Properties.VisibilityTimeout).toBe(180);
  });
});

describe('functions', () => {
  const names = {
    NotifierServiceDiscoveryFunction: 'service-discovery',
    NotifierTaskDiscoveryFunction: 'task-discovery',
    NotifierTaskNotifyFunction: 'task-notify',
  } as const;

  it('runs each handler bundle on Node.js 22, arm64, with source maps and its Powertools service name', () => {
    for (const [prefix, name] of Object.entries(names)) {
      const fn = lambdaFunction(template, prefix).Properties;
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Handler).toBe('index.handler');
      expect(fn.TracingConfig).toBeUndefined();
      expect(fn.Environment.Variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `ecs-task-notifier-${name}`,
        POWERTOOLS_METRICS_NAMESPACE: 'EcsTaskNotifier',
      });
      expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('gives each function its own role', () => {
    const roles = Object.keys(names).map((prefix) => flatten(lambdaFunction(template, prefix).Properties.Role));
    expect(new Set(roles).size).toBe(3);
  });

  it('wires the service discovery environment: next queue, allowlist, own DLQ, receive count, routes', () => {
    const env = lambdaFunction(template, 'NotifierServiceDiscoveryFunction').Properties.Environment.Variables;
    expect(env.SERVICE_QUEUE_URL).toEqual(queueRef('NotifierServiceQueue'));
    expect(env.DEAD_LETTER_QUEUE_URL).toEqual(queueRef('NotifierObserverDeadLetterQueue'));
    expect(env.ALLOWED_CLUSTERS).toBe('demo,arn:aws:ecs:eu-west-1:123456789012:cluster/other');
    expect(env.MAX_RECEIVE_COUNT).toBe('5');
    expect(env.PORT_LABEL).toBeUndefined();
    expect(env.URI_LABEL).toBeUndefined();
    expect(env.TOPICS_LABEL).toBeUndefined();
  });

  it('wires the task discovery environment', () => {
    const env = lambdaFunction(template, 'NotifierTaskDiscoveryFunction').Properties.Environment.Variables;
    expect(env.TASK_QUEUE_URL).toEqual(queueRef('NotifierTaskQueue'));
    expect(env.DEAD_LETTER_QUEUE_URL).toEqual(queueRef('NotifierServiceDeadLetterQueue'));
    expect(env.MAX_RECEIVE_COUNT).toBe('5');
  });

  it('wires the task notify environment with the default timeout and idempotency expiry', () => {
    const env = lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties.Environment.Variables;
    expect(env).toMatchObject({ NOTIFY_TIMEOUT_MS: '5000', IDEMPOTENCY_EXPIRY_SECONDS: '86400', MAX_RECEIVE_COUNT: '5' });
    expect(env.IDEMPOTENCY_TABLE_NAME).toEqual({ Ref: resourceByPrefix(template, 'AWS::DynamoDB::Table', 'NotifierIdempotencyTable')[0] });
    expect(env.DEAD_LETTER_QUEUE_URL).toEqual(queueRef('NotifierTaskDeadLetterQueue'));
  });

  it('keeps every function out of a VPC and warns that only public task addresses are reachable', () => {
    for (const prefix of Object.keys(names)) expect(lambdaFunction(template, prefix).Properties.VpcConfig).toBeUndefined();
    expect(notifier.notifySecurityGroup).toBeUndefined();
    annotations.hasWarning('/Test/Notifier', Match.stringLikeRegexp('only tasks with public IP addresses are reachable'));
  });

  it('keeps each log group one month', () => {
    const groups = Object.values(resources(template, 'AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(3);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });
});

describe('event source mappings', () => {
  it('reports batch item failures on every mapping, with the default batch sizes', () => {
    const expected = [
      ['NotifierObserverQueue', 'NotifierServiceDiscoveryFunction', 5],
      ['NotifierServiceQueue', 'NotifierTaskDiscoveryFunction', 10],
      ['NotifierTaskQueue', 'NotifierTaskNotifyFunction', 10],
    ] as const;
    const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(3);
    for (const [q, fn, batchSize] of expected) {
      const fnId = resourceByPrefix(template, 'AWS::Lambda::Function', fn)[0];
      const mapping = mappings.find((m) => flatten(m.Properties.FunctionName) === `\${${fnId}}`)!;
      expect(flatten(mapping.Properties.EventSourceArn)).toBe(`\${${resourceByPrefix(template, QUEUE, q)[0]}.Arn}`);
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.Properties.BatchSize).toBe(batchSize);
      expect(mapping.Properties.ScalingConfig).toBeUndefined();
    }
  });
});

describe('idempotency table', () => {
  it('has partition key id, TTL expiration, on-demand billing, PITR and encryption, retained by default', () => {
    const [, table] = resourceByPrefix(template, 'AWS::DynamoDB::Table', 'NotifierIdempotencyTable');
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table.Properties.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('alarms', () => {
  const dlqs = [
    'NotifierObserverDeadLetterQueue',
    'NotifierServiceDeadLetterQueue',
    'NotifierTaskDeadLetterQueue',
    'NotifierEventBridgeDeadLetterQueue',
    'NotifierStreamDeadLetterQueue',
  ];

  it('alarms on any visible message in every DLQ, including the EventBridge and pipe DLQs', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
    for (const prefix of dlqs) {
      const queueName = { 'Fn::GetAtt': [resourceByPrefix(template, QUEUE, prefix)[0], 'QueueName'] };
      const alarm = alarms.find((a) => JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: queueName }]));
      expect(alarm, prefix).toBeDefined();
      expect(alarm!.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms on task notify function errors', () => {
    const fnId = resourceByPrefix(template, 'AWS::Lambda::Function', 'NotifierTaskNotifyFunction')[0];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('exposes every alarm so users can add actions', () => {
    expect(notifier.alarms).toHaveLength(6);
    expect(Object.keys(resources(template, 'AWS::CloudWatch::Alarm'))).toHaveLength(6);
    expect(notifier.alarms).toContain(notifier.taskNotifyErrorsAlarm);
    expect(notifier.alarms).toContain(notifier.eventBridgeDeadLetterAlarm);
    expect(notifier.alarms).toContain(notifier.streamDeadLetterAlarm);
    for (const alarm of [notifier.observerDeadLetterAlarm, notifier.serviceDeadLetterAlarm, notifier.taskDeadLetterAlarm]) {
      expect(notifier.alarms).toContain(alarm);
    }
  });
});

describe('public properties', () => {
  it('exposes the queues, functions and table it created', () => {
    const stack = notifier.node.scope as unknown as { resolve: (value: unknown) => unknown };
    expect(stack.resolve(notifier.observerQueue.queueUrl)).toEqual(queueRef('NotifierObserverQueue'));
    expect(stack.resolve(notifier.taskQueue.queueUrl)).toEqual(queueRef('NotifierTaskQueue'));
    expect(notifier.idempotencyTable.node.path).toBe('Test/Notifier/IdempotencyTable');
    expect(notifier.taskNotifyFunction.node.path).toBe('Test/Notifier/TaskNotifyFunction');
    expect(notifier.eventBridgeDeadLetterQueue?.node.path).toBe('Test/Notifier/EventBridgeDeadLetterQueue');
    expect(notifier.streamDeadLetterQueue?.node.path).toBe('Test/Notifier/StreamDeadLetterQueue');
  });

  it('grants observer sends to any grantee (only sqs:SendMessage family on the observer queue)', () => {
    const stack = newStack('Grants');
    const own = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'] });
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    own.grantSendMessages(role);
    const t = Template.fromStack(stack);
    const observer = resourceByPrefix(t, QUEUE, 'NotifierObserverQueue')[0];
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Producer') }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [observer, 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('event bus sources without a cluster', () => {
  it('sends the raw event (no input transformer) so the function reads detail.cluster', () => {
    const rule = Object.values(resources(template, 'AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('my.app'),
    )!;
    expect(rule.Properties.Targets[0].InputTransformer).toBeUndefined();
    expect(rule.Properties.Targets[0].Input).toBeUndefined();
  });
});
