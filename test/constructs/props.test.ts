import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcsTaskNotifier } from '../../constructs';
import {
  actionsOf,
  ensureBundles,
  flatten,
  functionStatements,
  lambdaFunction,
  newStack,
  resourceByPrefix,
  resources,
  resourcesOf,
} from './fixtures';

/** Every optional prop set to a non-default value, in one stack. */
let template: Template;
let notifier: EcsTaskNotifier;
let givenGroup: ec2.SecurityGroup;

beforeAll(async () => {
  await ensureBundles();
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  givenGroup = new ec2.SecurityGroup(stack, 'Given', { vpc });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  notifier = new EcsTaskNotifier(stack, 'Notifier', {
    clusters: ['demo'],
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [givenGroup],
    portLabel: 'MY_PORT',
    uriLabel: 'MY_URI',
    topicsLabel: 'MY_TOPICS',
    notifyTimeout: Duration.millis(2500),
    notifyFunctionTimeout: Duration.seconds(20),
    idempotencyExpiry: Duration.hours(1),
    batchSizes: { serviceDiscovery: 1, taskDiscovery: 2, taskNotify: 3 },
    maxReceiveCount: 3,
    notifyReservedConcurrency: 20,
    notifyMaxConcurrency: 10,
    logRetention: logs.RetentionDays.ONE_WEEK,
    tracing: lambda.Tracing.ACTIVE,
    observerQueueProps: { queueName: 'my-observer', retentionPeriod: Duration.days(7) },
    encryptionKey: key,
    tableRemovalPolicy: RemovalPolicy.DESTROY,
  });
  notifier.addS3Source(new s3.Bucket(stack, 'Bucket'), { cluster: 'demo' });
  notifier.addEventBridgeRule('Rule', { eventPattern: { source: ['my.app'] }, cluster: 'demo' });
  template = Template.fromStack(stack);
});

const keyArn = () => `\${${resourceByPrefix(template, 'AWS::KMS::Key', 'Key')[0]}.Arn}`;

describe('network props', () => {
  it('puts only the notify function in the given VPC subnets and security groups', () => {
    const vpcConfig = lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties.VpcConfig;
    expect(vpcConfig.SecurityGroupIds.map(flatten)).toEqual([`\${${resourceByPrefix(template, 'AWS::EC2::SecurityGroup', 'Given')[0]}.GroupId}`]);
    expect(vpcConfig.SubnetIds.map(flatten).every((id: string) => id.includes('isolated'))).toBe(true);
    expect(lambdaFunction(template, 'NotifierServiceDiscoveryFunction').Properties.VpcConfig).toBeUndefined();
    expect(lambdaFunction(template, 'NotifierTaskDiscoveryFunction').Properties.VpcConfig).toBeUndefined();
    expect(notifier.notifySecurityGroup).toBe(givenGroup);
    expect(Object.keys(resources(template, 'AWS::EC2::SecurityGroup'))).toHaveLength(1);
  });
});

describe('label props', () => {
  it('passes the label names to both discovery functions only', () => {
    for (const prefix of ['NotifierServiceDiscoveryFunction', 'NotifierTaskDiscoveryFunction']) {
      expect(lambdaFunction(template, prefix).Properties.Environment.Variables).toMatchObject({
        PORT_LABEL: 'MY_PORT',
        URI_LABEL: 'MY_URI',
        TOPICS_LABEL: 'MY_TOPICS',
      });
    }
    expect(lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties.Environment.Variables.PORT_LABEL).toBeUndefined();
  });
});

describe('timing props', () => {
  it('sets the notify timeout, function timeout, task queue visibility and idempotency expiry', () => {
    const fn = lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties;
    expect(fn.Environment.Variables.NOTIFY_TIMEOUT_MS).toBe('2500');
    expect(fn.Environment.Variables.IDEMPOTENCY_EXPIRY_SECONDS).toBe('3600');
    expect(fn.Timeout).toBe(20);
    expect(resourceByPrefix(template, 'AWS::SQS::Queue', 'NotifierTaskQueue')[1].Properties.VisibilityTimeout).toBe(120);
  });
});

describe('throughput props', () => {
  it('sets each batch size, the receive count everywhere, reserved and maximum concurrency', () => {
    const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    const batchOf = (prefix: string) => {
      const fnId = resourceByPrefix(template, 'AWS::Lambda::Function', prefix)[0];
      return mappings.find((m) => flatten(m.Properties.FunctionName) === `\${${fnId}}`)!.Properties;
    };
    expect(batchOf('NotifierServiceDiscoveryFunction').BatchSize).toBe(1);
    expect(batchOf('NotifierTaskDiscoveryFunction').BatchSize).toBe(2);
    expect(batchOf('NotifierTaskNotifyFunction').BatchSize).toBe(3);
    expect(batchOf('NotifierTaskNotifyFunction').ScalingConfig).toEqual({ MaximumConcurrency: 10 });
    expect(lambdaFunction(template, 'NotifierTaskNotifyFunction').Properties.ReservedConcurrentExecutions).toBe(20);
    for (const prefix of ['NotifierObserverQueue', 'NotifierServiceQueue', 'NotifierTaskQueue']) {
      expect(resourceByPrefix(template, 'AWS::SQS::Queue', prefix)[1].Properties.RedrivePolicy.maxReceiveCount).toBe(3);
    }
    for (const prefix of ['NotifierServiceDiscoveryFunction', 'NotifierTaskDiscoveryFunction', 'NotifierTaskNotifyFunction']) {
      expect(lambdaFunction(template, prefix).Properties.Environment.Variables.MAX_RECEIVE_COUNT).toBe('3');
    }
  });
});

describe('observability props', () => {
  it('applies log retention and active tracing (with the X-Ray permissions) to every function', () => {
    for (const group of Object.values(resources(template, 'AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(7);
    for (const prefix of ['NotifierServiceDiscoveryFunction', 'NotifierTaskDiscoveryFunction', 'NotifierTaskNotifyFunction']) {
      expect(lambdaFunction(template, prefix).Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(functionStatements(template, prefix).flatMap(actionsOf)).toContain('xray:PutTraceSegments');
    }
  });
});

describe('observer queue props and encryption key', () => {
  it('applies the observer queue overrides but keeps the construct DLQ and the key', () => {
    const [, observer] = resourceByPrefix(template, 'AWS::SQS::Queue', 'NotifierObserverQueue');
    expect(observer.Properties.QueueName).toBe('my-observer');
    expect(observer.Properties.MessageRetentionPeriod).toBe(7 * 24 * 3600);
    expect(observer.Properties.RedrivePolicy).toBeDefined();
  });

  it('encrypts every queue and the table with the key', () => {
    for (const [id, queue] of Object.entries(resources(template, 'AWS::SQS::Queue'))) {
      expect(flatten(queue.Properties.KmsMasterKeyId), id).toBe(keyArn());
    }
    const [, table] = resourceByPrefix(template, 'AWS::DynamoDB::Table', 'NotifierIdempotencyTable');
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
    expect(flatten(table.Properties.SSESpecification.KMSMasterKeyId)).toBe(keyArn());
  });

  it('lets S3 and EventBridge use the key, and each function only what it needs of it', () => {
    const [, key] = resourceByPrefix(template, 'AWS::KMS::Key', 'Key');
    const services = (key.Properties.KeyPolicy.Statement as { Principal?: { Service?: string } }[])
      .map((statement) => statement.Principal?.Service)
      .filter(Boolean);
    expect(services).toEqual(expect.arrayContaining(['s3.amazonaws.com', 'events.amazonaws.com']));
    const notifyKms = functionStatements(template, 'NotifierTaskNotifyFunction').filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(notifyKms.flatMap(resourcesOf).every((resource) => resource === keyArn())).toBe(true);
  });

  it('grants exact KMS actions (no wildcard) to every role of the construct', () => {
    const actions = Object.entries(resources(template, 'AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('Notifier'))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => s.Action));
    expect(actions).toContain('kms:GenerateDataKey');
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('destroys the table with the stack when asked', () => {
    expect(resourceByPrefix(template, 'AWS::DynamoDB::Table', 'NotifierIdempotencyTable')[1].DeletionPolicy).toBe('Delete');
  });
});

describe('existing observer queue', () => {
  it('consumes a given queue, using its own DLQ and receive count', () => {
    const stack = newStack('Existing');
    const dlq = new sqs.Queue(stack, 'TheirDlq', { enforceSSL: true });
    const queue = new sqs.Queue(stack, 'TheirQueue', {
      visibilityTimeout: Duration.minutes(6),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 7 },
    });
    const own = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'], existingObserverQueue: queue });
    const t = Template.fromStack(stack);
    expect(own.observerQueue).toBe(queue);
    expect(own.observerDeadLetterQueue).toBe(dlq);
    expect(Object.keys(resources(t, 'AWS::SQS::Queue')).filter((id) => id.startsWith('NotifierObserver'))).toEqual([]);
    const env = lambdaFunction(t, 'NotifierServiceDiscoveryFunction').Properties.Environment.Variables;
    expect(env.MAX_RECEIVE_COUNT).toBe('7');
    expect(flatten(env.DEAD_LETTER_QUEUE_URL)).toBe(`\${${resourceByPrefix(t, 'AWS::SQS::Queue', 'TheirDlq')[0]}}`);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [resourceByPrefix(t, 'AWS::SQS::Queue', 'TheirQueue')[0], 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('creates an observer DLQ for an imported queue without a known redrive policy', () => {
    const stack = newStack('Imported');
    const queue = sqs.Queue.fromQueueArn(stack, 'Imported', 'arn:aws:sqs:eu-west-1:123456789012:observer');
    const own = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'], existingObserverQueue: queue });
    const t = Template.fromStack(stack);
    const [dlqId, dlq] = resourceByPrefix(t, 'AWS::SQS::Queue', 'NotifierObserverDeadLetterQueue');
    expect(dlq.Properties.MessageRetentionPeriod).toBe(1_209_600);
    const env = lambdaFunction(t, 'NotifierServiceDiscoveryFunction').Properties.Environment.Variables;
    expect(env.DEAD_LETTER_QUEUE_URL).toEqual({ Ref: dlqId });
    expect(env.MAX_RECEIVE_COUNT).toBe('5');
    expect(own.observerQueue.queueArn).toBe('arn:aws:sqs:eu-west-1:123456789012:observer');
  });
});

describe('cluster VPC default', () => {
  it('runs the notify function in the VPC of the first cluster with one, with its own security group', () => {
    const stack = newStack('ClusterVpc');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'demo', vpc });
    const own = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['plain', cluster] });
    const service = new ec2.SecurityGroup(stack, 'ServiceGroup', { vpc });
    own.allowNotifyTo(service, ec2.Port.tcp(8080));
    const t = Template.fromStack(stack);
    const [groupId] = resourceByPrefix(t, 'AWS::EC2::SecurityGroup', 'NotifierNotifySecurityGroup');
    expect(lambdaFunction(t, 'NotifierTaskNotifyFunction').Properties.VpcConfig.SecurityGroupIds).toEqual([
      { 'Fn::GetAtt': [groupId, 'GroupId'] },
    ]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
    });
    expect(own.notifySecurityGroup).toBeDefined();
  });
});
