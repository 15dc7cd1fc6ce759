import { App, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, type DemoStack } from '../../bin/app';
import { EcsTaskNotifier } from '../../constructs';
import { ensureBundles, flatten } from './fixtures';

/** The example app exactly as `cdk synth` builds it, AwsSolutionsChecks included. */
let stack: DemoStack;
let annotations: Annotations;

beforeAll(async () => {
  await ensureBundles();
  stack = createApp(new App()).stack;
  annotations = Annotations.fromStack(stack);
});

const nagFindings = (found: Annotations, level: 'error' | 'warning') =>
  (level === 'error' ? found.findError : found.findWarning).call(found, '*', Match.stringLikeRegexp('AwsSolutions-'));

interface Suppression {
  id: string;
  reason: string;
  applies_to?: unknown[];
}

describe('cdk-nag AwsSolutions on the example stack', () => {
  it('reports no unsuppressed error', () => {
    expect(nagFindings(annotations, 'error').map((a) => `${a.id}: ${String(a.entry.data).slice(0, 80)}`)).toEqual([]);
  });

  it('reports no unsuppressed warning', () => {
    expect(nagFindings(annotations, 'warning').map((a) => `${a.id}: ${String(a.entry.data).slice(0, 80)}`)).toEqual([]);
  });

  it('suppresses only per resource, each rule with a specific reason', () => {
    expect(stack.templateOptions.metadata?.cdk_nag).toBeUndefined();
    const suppressions = stack.node
      .findAll()
      .filter((c): c is CfnResource => c instanceof CfnResource)
      .flatMap((resource) =>
        ((resource.getMetadata('cdk_nag') as { rules_to_suppress?: Suppression[] } | undefined)?.rules_to_suppress ?? []).map((s) => ({
          path: resource.node.path,
          ...s,
        })),
      );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.id, suppression.path).toMatch(/^AwsSolutions-/);
      expect(suppression.reason.length, `${suppression.path} ${suppression.id}`).toBeGreaterThanOrEqual(40);
    }
    // Wildcard-resource suppressions are limited to the findings they explain.
    for (const suppression of suppressions.filter((s) => s.id === 'AwsSolutions-IAM5')) {
      expect(suppression.applies_to, suppression.path).toBeDefined();
    }
  });

  it('would report a finding (the harness is not vacuous)', () => {
    const app = new App();
    const bad = new Stack(app, 'Bad');
    new sqs.Queue(bad, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Aspects.of(app).add(new AwsSolutionsChecks());
    expect(nagFindings(Annotations.fromStack(bad), 'error').length).toBeGreaterThan(0);
  });
});

describe('example stack', () => {
  it('outputs the observer queue URL under the key the replay tool reads, and the DLQ URLs', () => {
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ObserverQueueUrl',
        'ObserverDeadLetterQueueUrl',
        'ServiceDeadLetterQueueUrl',
        'TaskDeadLetterQueueUrl',
        'EventBridgeDeadLetterQueueUrl',
        'StreamDeadLetterQueueUrl',
      ]),
    );
    expect(outputs.ObserverQueueUrl!.Value).toEqual({ Ref: expect.stringMatching(/^NotifierObserverQueue/) });
  });

  it('imports a VPC and cluster names from context without lookups', () => {
    const app = new App({
      context: {
        'ecs-task-notifier:clusters': 'blue, green',
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: 'eu-west-1a,eu-west-1b',
        privateSubnetIds: 'subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb',
        account: '123456789012',
        region: 'eu-west-1',
      },
    });
    const imported = createApp(app).stack;
    const template = Template.fromStack(imported);
    expect(Object.keys(template.findResources('AWS::EC2::VPC'))).toEqual([]);
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('NotifierTaskNotify'))![1];
    expect(fn.Properties.VpcConfig.SubnetIds).toEqual(['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb']);
    const discovery = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('NotifierServiceDiscovery'))![1];
    expect(flatten(discovery.Properties.Environment.Variables.ALLOWED_CLUSTERS)).toBe(
      'arn:${AWS::Partition}:ecs:eu-west-1:123456789012:cluster/blue,arn:${AWS::Partition}:ecs:eu-west-1:123456789012:cluster/green',
    );
    expect(app.synth().manifest.missing).toBeUndefined();
  });
});

describe('cdk-nag AwsSolutions on the construct with every option', () => {
  it('reports nothing for the construct with a KMS key, tracing, a VPC, reserved concurrency and all sources', () => {
    const app = new App();
    const custom = new Stack(app, 'Custom', { env: { account: '123456789012', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(custom, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const key = new kms.Key(custom, 'Key', { enableKeyRotation: true });
    const notifier = new EcsTaskNotifier(custom, 'Notifier', {
      clusters: [ecs.Cluster.fromClusterAttributes(custom, 'Cluster', { clusterName: 'prod', vpc }), 'staging'],
      encryptionKey: key,
      tracing: lambda.Tracing.ACTIVE,
      notifyReservedConcurrency: 10,
      notifyMaxConcurrency: 5,
    });
    const table = new dynamodb.Table(custom, 'Orders', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    });
    notifier.addDynamoDbStreamSource(table, { cluster: 'staging' });
    notifier.addS3Source(new s3.Bucket(custom, 'Bucket'), { cluster: 'prod' });
    notifier.addEventBridgeRule('Rule', { eventPattern: { source: ['my.app'] }, cluster: 'prod' });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const found = Annotations.fromStack(custom);
    const ours = (level: 'error' | 'warning') =>
      nagFindings(found, level)
        .filter((finding) => finding.id.startsWith('/Custom/Notifier/') || finding.id.startsWith('/Custom/BucketNotificationsHandler'))
        .map((finding) => `${finding.id}: ${String(finding.entry.data).slice(0, 60)}`);
    expect(ours('error')).toEqual([]);
    expect(ours('warning')).toEqual([]);
    // The stack's own demo resources are still checked: the harness sees them.
    expect(nagFindings(found, 'error').some((finding) => finding.id.startsWith('/Custom/Vpc') || finding.id.startsWith('/Custom/Bucket'))).toBe(true);
  });
});
