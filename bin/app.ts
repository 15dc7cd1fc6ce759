/**
 * Example app: a demo stack wiring EcsTaskNotifier to an S3 bucket, a DynamoDB table stream and SSM
 * Parameter Store change events. `npx cdk synth` works offline with no AWS credentials: the stack is
 * environment-agnostic unless `account`/`region` context is given, and nothing is looked up.
 *
 * Context (all optional; `-c key=value`):
 * - `ecs-task-notifier:clusters`: comma separated cluster names (default `demo`)
 * - `vpcId`, `availabilityZones`, `privateSubnetIds`: import an existing VPC (comma separated lists)
 *   with `Vpc.fromVpcAttributes` instead of creating one
 * - `account`, `region`: pin the stack's environment
 */
import { App, Aspects, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { EcsTaskNotifier } from '../index';

/** Context keys the demo stack reads. */
export const CONTEXT = {
  clusters: 'ecs-task-notifier:clusters',
  vpcId: 'vpcId',
  availabilityZones: 'availabilityZones',
  privateSubnetIds: 'privateSubnetIds',
  account: 'account',
  region: 'region',
} as const;

export const DEFAULT_CLUSTERS = ['demo'] as const;

const list = (value: unknown): string[] | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const trimmed = items.map((item) => item.trim()).filter((item) => item.length > 0);
  return trimmed.length > 0 ? trimmed : undefined;
};

export interface DemoStackProps extends StackProps {
  /** Cluster names. @default from context, else `demo` */
  readonly clusterNames?: string[];
}

/** The demo stack: VPC, imported clusters, the notifier and its three kinds of sources. */
export class DemoStack extends Stack {
  readonly notifier: EcsTaskNotifier;

  constructor(scope: Construct, id: string, props: DemoStackProps = {}) {
    super(scope, id, props);
    const clusterNames = props.clusterNames ?? list(this.node.tryGetContext(CONTEXT.clusters)) ?? [...DEFAULT_CLUSTERS];
    const vpc = this.demoVpc();
    const clusters = clusterNames.map((clusterName, index) =>
      ecs.Cluster.fromClusterAttributes(this, `Cluster${index}`, { clusterName, vpc }),
    );

    this.notifier = new EcsTaskNotifier(this, 'Notifier', { clusters, tableRemovalPolicy: RemovalPolicy.DESTROY });
    const [firstCluster] = clusters;

    const bucket = new s3.Bucket(this, 'ConfigBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    NagSuppressions.addResourceSuppressions(bucket, [
      { id: 'AwsSolutions-S1', reason: 'Demo bucket of config files; access logging is left to the adopting account’s log bucket' },
    ]);
    this.notifier.addS3Source(bucket, { cluster: firstCluster!, topic: 'config', filters: [{ prefix: 'config/', suffix: '.json' }] });

    const table = new dynamodb.Table(this, 'DemoTable', {
      tableName: 'demo-table',
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.notifier.addDynamoDbStreamSource(table, { cluster: firstCluster!, topic: 'orders' });

    this.notifier.addEventBridgeRule('ParameterStoreChange', {
      eventPattern: { source: ['aws.ssm'], detailType: ['Parameter Store Change'] },
      cluster: firstCluster!,
      topic: 'config',
      description: 'SSM Parameter Store changes: tell every task to reload its config',
    });

    // The replay tool's `--stack` reads ObserverQueueUrl: keep this output key.
    new CfnOutput(this, 'ObserverQueueUrl', { value: this.notifier.observerQueue.queueUrl });
    new CfnOutput(this, 'ObserverDeadLetterQueueUrl', { value: this.notifier.observerDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'ServiceDeadLetterQueueUrl', { value: this.notifier.serviceDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'TaskDeadLetterQueueUrl', { value: this.notifier.taskDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'EventBridgeDeadLetterQueueUrl', { value: this.notifier.eventBridgeDeadLetterQueue!.queueUrl });
    new CfnOutput(this, 'StreamDeadLetterQueueUrl', { value: this.notifier.streamDeadLetterQueue!.queueUrl });
    if (this.notifier.notifySecurityGroup) {
      new CfnOutput(this, 'NotifySecurityGroupId', {
        value: this.notifier.notifySecurityGroup.securityGroupId,
        description: 'Allow this group into your tasks on their NOTIFY_ME_CONTAINER_PORT',
      });
    }
  }

  /** The VPC from context (imported, no lookup) or a new one with flow logs. */
  private demoVpc(): ec2.IVpc {
    const vpcId = this.node.tryGetContext(CONTEXT.vpcId) as string | undefined;
    if (vpcId) {
      const availabilityZones = list(this.node.tryGetContext(CONTEXT.availabilityZones));
      const privateSubnetIds = list(this.node.tryGetContext(CONTEXT.privateSubnetIds));
      if (!availabilityZones || !privateSubnetIds) {
        throw new Error(`context ${CONTEXT.vpcId} needs ${CONTEXT.availabilityZones} and ${CONTEXT.privateSubnetIds} too`);
      }
      return ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId, availabilityZones, privateSubnetIds });
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    vpc.addFlowLog('FlowLog');
    return vpc;
  }
}

/** The example app with cdk-nag's AwsSolutions checks applied to every stack. */
export const createApp = (app: App = new App()): { app: App; stack: DemoStack } => {
  const account = app.node.tryGetContext(CONTEXT.account) as string | undefined;
  const region = app.node.tryGetContext(CONTEXT.region) as string | undefined;
  const stack = new DemoStack(app, 'EcsTaskNotifierDemo', {
    env: account || region ? { account, region } : undefined,
    description: 'ecs-task-notifier demo: S3, DynamoDB stream and SSM Parameter Store sources',
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
};

if (require.main === module) {
  createApp().app.synth();
}
