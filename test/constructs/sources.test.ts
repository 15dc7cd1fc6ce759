import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedClusters } from '../../handlers/clusters';
import { type ObserverInputConfig, parseObserverRecord } from '../../handlers/observer-input';
import { parseSourceRoutes } from '../../handlers/routes';
import { EcsTaskNotifier } from '../../constructs';
import { ensureBundles, flatten, lambdaFunction, newStack, resourceByPrefix, resources, type Resource } from './fixtures';

/**
 * One stack with each source; the synthesized wiring is then fed, with AWS-shaped sample events, to
 * the service discovery function's own parser: the construct's side of the contract is checked
 * against the handler's, not against a copy of it.
 */
let template: Template;
let config: ObserverInputConfig;

const OBSERVER = 'NotifierObserverQueue';

beforeAll(async () => {
  await ensureBundles();
  const stack = newStack();
  const notifier = new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo', 'other'] });
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: 'config-bucket' });
  notifier.addS3Source(bucket, {
    cluster: 'demo',
    topic: 'config',
    events: [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED],
    filters: [{ prefix: 'config/', suffix: '.json' }],
  });
  const table = new dynamodb.Table(stack, 'Orders', {
    tableName: 'orders',
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
  });
  notifier.addDynamoDbStreamSource(table, {
    cluster: 'other',
    topic: 'orders',
    filters: [JSON.stringify({ eventName: ['MODIFY'] })],
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  });
  const bus = new events.EventBus(stack, 'Bus');
  notifier.addEventBridgeRule('ParameterChange', {
    eventPattern: { source: ['aws.ssm'], detailType: ['Parameter Store Change'] },
    eventBus: bus,
    cluster: 'demo',
    topic: 'config',
  });
  notifier.addEventBridgeRule('RawEvents', { eventPattern: { source: ['my.app'] } });
  template = Template.fromStack(stack);
  const env = lambdaFunction(template, 'NotifierServiceDiscoveryFunction').Properties.Environment.Variables;
  // What CloudFormation resolves at deploy: the bucket's and table's Ref are their (given) names.
  const deployed = flatten(env.SOURCE_ROUTES)
    .replace(`\${${resourceByPrefix(template, 'AWS::S3::Bucket', 'Bucket')[0]}}`, 'config-bucket')
    .replace(`\${${resourceByPrefix(template, 'AWS::DynamoDB::Table', 'Orders')[0]}}`, 'orders');
  config = {
    routes: parseSourceRoutes(deployed),
    allowedClusters: parseAllowedClusters(flatten(env.ALLOWED_CLUSTERS)),
    region: 'eu-west-1',
  };
});

const observerArn = () => ({ 'Fn::GetAtt': [resourceByPrefix(template, 'AWS::SQS::Queue', OBSERVER)[0], 'Arn'] });
const record = (body: unknown) => ({
  body: JSON.stringify(body),
  messageId: 'm-1',
  attributes: { SentTimestamp: '1700000000000' } as never,
});
const targets = (body: unknown) => parseObserverRecord(record(body), config).events.map(({ cluster, topic }) => ({ cluster, topic }));

const s3Notification = (key: string, eventName = 'ObjectCreated:Put') => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-22T02:00:00.000Z',
      eventName,
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '203.0.113.10' },
      responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'notification',
        bucket: { name: 'config-bucket', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws:s3:::config-bucket' },
        object: { key, size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko', sequencer: '0055AED6DCD90281E5' },
      },
    },
  ],
});

const streamRecord = {
  eventID: 'c4ca4238a0b923820dcc509a6f75849b',
  eventName: 'MODIFY',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    ApproximateCreationDateTime: 1_700_000_000,
    Keys: { pk: { S: 'order-1' } },
    NewImage: { pk: { S: 'order-1' }, status: { S: 'shipped' } },
    OldImage: { pk: { S: 'order-1' }, status: { S: 'paid' } },
    SequenceNumber: '111',
    SizeBytes: 26,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
  eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-11-22T00:00:00.000',
};

const ssmEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-11-22T02:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ssm:eu-west-1:123456789012:parameter/app/config'],
  detail: { operation: 'Update', name: '/app/config', type: 'String', description: '' },
};

describe('SOURCE_ROUTES', () => {
  it('renders every source added after construction as compact JSON the handler accepts', () => {
    expect(config.routes).toEqual([
      {
        type: 's3',
        bucket: 'config-bucket',
        prefix: 'config/',
        suffix: '.json',
        events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
        cluster: 'demo',
        topic: 'config',
      },
      { type: 'dynamodb', table: 'orders', cluster: 'other', topic: 'orders' },
    ]);
  });

  it('is an empty array without sources', () => {
    const stack = newStack('NoSources');
    new EcsTaskNotifier(stack, 'Notifier', { clusters: ['demo'] });
    const env = lambdaFunction(Template.fromStack(stack), 'NotifierServiceDiscoveryFunction').Properties.Environment.Variables;
    expect(env.SOURCE_ROUTES).toBe('[]');
  });
});

describe('S3 source', () => {
  it('notifies the observer queue directly for each event type, with the key filters', () => {
    const [, notifications] = resourceByPrefix(template, 'Custom::S3BucketNotifications', 'BucketNotifications');
    const configurations = notifications.Properties.NotificationConfiguration.QueueConfigurations as Record<string, unknown>[];
    expect(configurations.map((c) => c.Events)).toEqual([['s3:ObjectCreated:*'], ['s3:ObjectRemoved:*']]);
    for (const configuration of configurations) {
      expect(configuration.QueueArn).toEqual(observerArn());
      const rules = (configuration.Filter as { Key: { FilterRules: { Name: string; Value: string }[] } }).Key.FilterRules;
      expect([...rules].sort((a, b) => a.Name.localeCompare(b.Name))).toEqual([
        { Name: 'prefix', Value: 'config/' },
        { Name: 'suffix', Value: '.json' },
      ]);
    }
  });

  it('lets only this bucket send to the observer queue', () => {
    const statements = Object.values(resources(template, 'AWS::SQS::QueuePolicy')).flatMap(
      (policy: Resource) => policy.Properties.PolicyDocument.Statement as { Principal?: { Service?: string }; Condition?: unknown }[],
    );
    const s3Statement = statements.find((s) => s.Principal?.Service === 's3.amazonaws.com')!;
    expect(flatten((s3Statement.Condition as { ArnLike: { 'aws:SourceArn': unknown } }).ArnLike['aws:SourceArn'])).toBe(
      `\${${resourceByPrefix(template, 'AWS::S3::Bucket', 'Bucket')[0]}.Arn}`,
    );
  });

  it('routes a matching object to the source cluster and topic, and nothing else', () => {
    expect(targets(s3Notification('config/app.json'))).toEqual([{ cluster: 'demo', topic: 'config' }]);
    expect(targets(s3Notification('config/app.json', 'ObjectRemoved:Delete'))).toEqual([{ cluster: 'demo', topic: 'config' }]);
    expect(() => targets(s3Notification('images/cat.png'))).toThrow(/no SOURCE_ROUTES entry matches/);
  });
});

describe('DynamoDB stream source', () => {
  it('reads the stream through a pipe that bisects, retries and dead-letters failures', () => {
    const [, pipe] = resourceByPrefix(template, 'AWS::Pipes::Pipe', 'NotifierStreamSourceOrdersPipe');
    expect(flatten(pipe.Properties.Source)).toBe(`\${${resourceByPrefix(template, 'AWS::DynamoDB::Table', 'Orders')[0]}.StreamArn}`);
    expect(pipe.Properties.Target).toEqual(observerArn());
    expect(pipe.Properties.SourceParameters).toEqual({
      DynamoDBStreamParameters: {
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumRetryAttempts: 10,
        OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [resourceByPrefix(template, 'AWS::SQS::Queue', 'NotifierStreamDeadLetterQueue')[0], 'Arn'] } },
      },
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["MODIFY"]}' }] },
    });
  });

  it('wraps each record with its cluster and topic, which the handler reads', () => {
    const [, pipe] = resourceByPrefix(template, 'AWS::Pipes::Pipe', 'NotifierStreamSourceOrdersPipe');
    const inputTemplate = flatten(pipe.Properties.TargetParameters.InputTemplate);
    expect(inputTemplate).toBe('{"cluster":"other","topic":"orders","event":<aws.pipes.event.json>}');
    const delivered = JSON.parse(inputTemplate.replace('<aws.pipes.event.json>', JSON.stringify(streamRecord)));
    expect(targets(delivered)).toEqual([{ cluster: 'other', topic: 'orders' }]);
  });

  it('also routes a raw record by its table', () => {
    expect(targets(streamRecord)).toEqual([{ cluster: 'other', topic: 'orders' }]);
  });
});

describe('EventBridge rules', () => {
  const rule = (source: string) =>
    Object.values(resources(template, 'AWS::Events::Rule')).find((r) => JSON.stringify(r.Properties.EventPattern).includes(source))!;

  it('listens on the given bus and targets the observer queue with retries and a DLQ', () => {
    const ssm = rule('aws.ssm');
    expect(ssm.Properties.EventBusName).toEqual({ Ref: resourceByPrefix(template, 'AWS::Events::EventBus', 'Bus')[0] });
    const [target] = ssm.Properties.Targets;
    expect(target.Arn).toEqual(observerArn());
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });
    expect(target.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': [resourceByPrefix(template, 'AWS::SQS::Queue', 'NotifierEventBridgeDeadLetterQueue')[0], 'Arn'] },
    });
    expect(rule('my.app').Properties.EventBusName).toBeUndefined();
  });

  it('wraps the whole event with the cluster and topic, which the handler reads', () => {
    const { InputTemplate, InputPathsMap } = rule('aws.ssm').Properties.Targets[0].InputTransformer;
    expect(InputPathsMap).toBeUndefined();
    expect(InputTemplate).toBe('{"cluster":"demo","topic":"config","event":<aws.events.event>}');
    const delivered = JSON.parse((InputTemplate as string).replace('<aws.events.event>', JSON.stringify(ssmEvent)));
    expect(targets(delivered)).toEqual([{ cluster: 'demo', topic: 'config' }]);
  });

  it('sends the raw event without a cluster; the handler then needs detail.cluster', () => {
    expect(rule('my.app').Properties.Targets[0].InputTransformer).toBeUndefined();
    const event = { ...ssmEvent, source: 'my.app', 'detail-type': 'Reload', detail: { cluster: 'other', topic: 'flags' } };
    expect(targets(event)).toEqual([{ cluster: 'other', topic: 'flags' }]);
  });

  it('lets EventBridge write the target DLQ', () => {
    const dlqId = resourceByPrefix(template, 'AWS::SQS::Queue', 'NotifierEventBridgeDeadLetterQueue')[0];
    const policy = Object.values(resources(template, 'AWS::SQS::QueuePolicy')).find((p) =>
      (p.Properties.Queues as unknown[]).some((q) => flatten(q) === `\${${dlqId}}`),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as { Principal?: { Service?: string }; Action: unknown }[];
    expect(statements.some((s) => s.Principal?.Service === 'events.amazonaws.com' && s.Action === 'sqs:SendMessage')).toBe(true);
  });
});
