import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcsTaskNotifier, type EcsTaskNotifierProps } from '../../constructs';
import { handlerBundleDir } from '../../constructs/handler-code';
import { ensureBundles, newStack } from './fixtures';

beforeAll(ensureBundles);

const build = (props: Partial<EcsTaskNotifierProps> | ((stack: Stack) => Partial<EcsTaskNotifierProps>)) => {
  const stack = newStack();
  const extra = typeof props === 'function' ? props(stack) : props;
  return new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'], ...extra });
};

/** Each invalid prop fails at synth with a message that names it. */
const invalidProps: [string, Partial<EcsTaskNotifierProps> | ((stack: Stack) => Partial<EcsTaskNotifierProps>), RegExp][] = [
  ['empty clusters', { clusters: [] }, /^clusters: /],
  ['bad cluster name', { clusters: ['no spaces allowed'] }, /clusters\[0\]: .*not a cluster name/],
  ['non-ECS ARN as cluster', { clusters: ['arn:aws:sqs:eu-west-1:123456789012:queue'] }, /clusters\[0\]: .*not an ECS cluster ARN/],
  [
    'existingObserverQueue with observerQueueProps',
    (stack) => ({ existingObserverQueue: new sqs.Queue(stack, 'Q'), observerQueueProps: { queueName: 'x' } }),
    /existingObserverQueue and observerQueueProps are mutually exclusive/,
  ],
  ['unencrypted observer queue', { observerQueueProps: { encryption: sqs.QueueEncryption.UNENCRYPTED } }, /observerQueueProps\.encryption/],
  ['FIFO observer queue', { observerQueueProps: { fifo: true } }, /observerQueueProps\.fifo/],
  [
    'own DLQ in observerQueueProps',
    (stack) => ({ observerQueueProps: { deadLetterQueue: { queue: new sqs.Queue(stack, 'D'), maxReceiveCount: 3 } } }),
    /observerQueueProps\.deadLetterQueue/,
  ],
  ['short observer visibility timeout', { observerQueueProps: { visibilityTimeout: Duration.seconds(60) } }, /observerQueueProps\.visibilityTimeout must be at least 360/],
  ['portLabel with whitespace', { portLabel: 'MY PORT' }, /^portLabel must be/],
  ['empty uriLabel', { uriLabel: '' }, /^uriLabel must be/],
  ['topicsLabel with a comma', { topicsLabel: 'A,B' }, /^topicsLabel must be/],
  ['notifyTimeout below 100 ms', { notifyTimeout: Duration.millis(50) }, /^notifyTimeout must be from/],
  ['notifyTimeout not shorter than the function timeout', { notifyTimeout: Duration.seconds(30) }, /^notifyTimeout \(30000 ms\) must be shorter than notifyFunctionTimeout/],
  ['fractional notifyFunctionTimeout', { notifyFunctionTimeout: Duration.millis(20_500) }, /^notifyFunctionTimeout must be a whole number of seconds/],
  ['notifyFunctionTimeout above 15 minutes', { notifyFunctionTimeout: Duration.minutes(16) }, /^notifyFunctionTimeout must be from/],
  ['idempotencyExpiry below a minute', { idempotencyExpiry: Duration.seconds(30) }, /^idempotencyExpiry must be from/],
  ['fractional idempotencyExpiry', { idempotencyExpiry: Duration.millis(90_500) }, /^idempotencyExpiry must be a whole number of seconds/],
  ['maxReceiveCount 0', { maxReceiveCount: 0 }, /^maxReceiveCount must be an integer from 1 to 1000/],
  ['maxReceiveCount fractional', { maxReceiveCount: 2.5 }, /^maxReceiveCount must be an integer/],
  ['service discovery batch above 10', { batchSizes: { serviceDiscovery: 11 } }, /^batchSizes\.serviceDiscovery must be an integer from 1 to 10/],
  ['task discovery batch 0', { batchSizes: { taskDiscovery: 0 } }, /^batchSizes\.taskDiscovery must be/],
  ['task notify batch above 10', { batchSizes: { taskNotify: 100 } }, /^batchSizes\.taskNotify must be/],
  ['notifyMaxConcurrency below 2', { notifyMaxConcurrency: 1 }, /^notifyMaxConcurrency must be an integer from 2 to 1000/],
  ['notifyReservedConcurrency below 2', { notifyReservedConcurrency: 1 }, /^notifyReservedConcurrency must be an integer/],
  ['reserved below max concurrency', { notifyReservedConcurrency: 5, notifyMaxConcurrency: 10 }, /^notifyReservedConcurrency \(5\) must not be below notifyMaxConcurrency \(10\)/],
  ['vpcSubnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /^vpcSubnets: requires a VPC/],
  [
    'securityGroups without a VPC',
    (stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678')] }),
    /^securityGroups: requires a VPC/,
  ],
];

describe('invalid props', () => {
  it.each(invalidProps)('%s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('invalid sources', () => {
  it('refuses a source cluster that is not one of clusters', () => {
    const notifier = build({});
    const bucket = new s3.Bucket(Stack.of(notifier), 'Bucket');
    expect(() => notifier.addS3Source(bucket, { cluster: 'elsewhere' })).toThrow(/addS3Source cluster: .*not one of the construct's `clusters`/);
    expect(() => notifier.addEventBridgeRule('R', { eventPattern: { source: ['x'] }, cluster: 'elsewhere' })).toThrow(
      /addEventBridgeRule cluster/,
    );
  });

  it('refuses a DynamoDB table without a stream, naming the prop', () => {
    const notifier = build({});
    const table = new dynamodb.Table(Stack.of(notifier), 'NoStream', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    expect(() => notifier.addDynamoDbStreamSource(table, { cluster: 'demo' })).toThrow(/addDynamoDbStreamSource table: .*no stream/);
  });

  it.each([
    ['AT_TIMESTAMP start', { startingPosition: lambda.StartingPosition.AT_TIMESTAMP }, /startingPosition/],
    ['batch size above 10', { batchSize: 11 }, /addDynamoDbStreamSource batchSize/],
    ['retries above 185', { maximumRetryAttempts: 186 }, /addDynamoDbStreamSource maximumRetryAttempts/],
    ['filter that is not JSON', { filters: ['eventName = MODIFY'] }, /addDynamoDbStreamSource filters\[0\]/],
    ['topic with a comma', { topic: 'a,b' }, /addDynamoDbStreamSource topic/],
  ])('refuses a stream source with %s', (_name, options, message) => {
    const notifier = build({});
    const table = new dynamodb.Table(Stack.of(notifier), 'T', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    expect(() => notifier.addDynamoDbStreamSource(table, { cluster: 'demo', ...options })).toThrow(message);
  });

  it('refuses two S3 prefixes, no event types and a topic without a cluster on a rule', () => {
    const notifier = build({});
    const bucket = new s3.Bucket(Stack.of(notifier), 'Bucket');
    expect(() => notifier.addS3Source(bucket, { cluster: 'demo', filters: [{ prefix: 'a/' }, { prefix: 'b/' }] })).toThrow(
      /addS3Source filters: S3 accepts at most one prefix/,
    );
    expect(() => notifier.addS3Source(bucket, { cluster: 'demo', events: [] })).toThrow(/addS3Source events/);
    expect(() => notifier.addEventBridgeRule('R', { eventPattern: { source: ['x'] }, topic: 'config' })).toThrow(
      /addEventBridgeRule topic: requires `cluster`/,
    );
  });

  it('refuses allowNotifyTo without a VPC', () => {
    const notifier = build({});
    const group = new ec2.SecurityGroup(Stack.of(notifier), 'G', { vpc: new ec2.Vpc(Stack.of(notifier), 'V') });
    expect(() => notifier.allowNotifyTo(group, ec2.Port.tcp(80))).toThrow(/allowNotifyTo: .*no VPC/);
  });
});

describe('missing bundles', () => {
  it('tells to run npm run build:handlers', () => {
    expect(() => handlerBundleDir('task-notify', ['/nonexistent/assets/handlers'])).toThrow(/run npm run build:handlers/);
  });
});
