import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcsTaskNotifier } from '../../constructs';
import {
  actionsOf,
  ensureBundles,
  flatten,
  functionStatements,
  newStack,
  resourceByPrefix,
  resources,
  resourcesOf,
  roleStatements,
  type Statement,
} from './fixtures';

/** Clusters as a name, an ARN and an ICluster with a VPC (so the notify function runs in it). */
let template: Template;

const PARTITION = '${AWS::Partition}';
const CLUSTER_ARNS = [
  `arn:${PARTITION}:ecs:eu-west-1:123456789012:cluster/demo`,
  'arn:aws:ecs:eu-west-1:123456789012:cluster/other',
  '${ClusterEB0386A7.Arn}',
];

beforeAll(async () => {
  await ensureBundles();
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const notifier = new EcsTaskNotifier(stack, 'Notifier', {
    clusters: ['demo', 'arn:aws:ecs:eu-west-1:123456789012:cluster/other', cluster],
  });
  const table = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.KEYS_ONLY,
  });
  notifier.addDynamoDbStreamSource(table, { cluster: 'demo' });
  template = Template.fromStack(stack);
});

const ecsStatements = (statements: Statement[]) => statements.filter((s) => actionsOf(s).some((a) => a.startsWith('ecs:')));
const statementFor = (statements: Statement[], action: string) => {
  const found = statements.filter((s) => actionsOf(s).includes(action));
  expect(found, action).toHaveLength(1);
  return found[0]!;
};
const clusterCondition = (statement: Statement) =>
  (statement.Condition?.ArnEquals?.['ecs:cluster'] as unknown[] | undefined)?.map(flatten);
const sendTargets = (statements: Statement[]) =>
  statements.filter((s) => actionsOf(s).includes('sqs:SendMessage')).flatMap(resourcesOf).sort();
const arnOf = (type: string, prefix: string) => `\${${resourceByPrefix(template, type, prefix)[0]}.Arn}`;

describe('every policy in the stack', () => {
  it('grants no wildcard action', () => {
    const statements = Object.values(resources(template, 'AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('attaches no managed policy to the notifier roles', () => {
    for (const [id, role] of Object.entries(resources(template, 'AWS::IAM::Role'))) {
      if (id.startsWith('Notifier')) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('service discovery role', () => {
  const statements = () => functionStatements(template, 'NotifierServiceDiscoveryFunction');

  it('only lists and describes services of the allowed clusters', () => {
    const ecsActions = ecsStatements(statements()).flatMap(actionsOf).sort();
    expect(ecsActions).toEqual(['ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'ecs:ListServices']);
    const list = statementFor(statements(), 'ecs:ListServices');
    expect(resourcesOf(list)).toEqual(['*']);
    expect(clusterCondition(list)).toEqual(CLUSTER_ARNS);
    const describe = statementFor(statements(), 'ecs:DescribeServices');
    expect(resourcesOf(describe)).toEqual([
      `arn:${PARTITION}:ecs:eu-west-1:123456789012:service/demo/*`,
      'arn:aws:ecs:eu-west-1:123456789012:service/other/*',
      `arn:${PARTITION}:ecs:eu-west-1:123456789012:service/\${ClusterEB0386A7}/*`,
    ]);
    expect(clusterCondition(describe)).toEqual(CLUSTER_ARNS);
  });

  it('uses * without a condition only for DescribeTaskDefinition, which has no resource-level permissions', () => {
    const unscoped = statements().filter((s) => resourcesOf(s).includes('*') && !s.Condition);
    expect(unscoped.flatMap(actionsOf)).toEqual(['ecs:DescribeTaskDefinition']);
  });

  it('sends only to the service queue and its own (observer) DLQ, and touches no table', () => {
    expect(sendTargets(statements())).toEqual(
      [arnOf('AWS::SQS::Queue', 'NotifierServiceQueue'), arnOf('AWS::SQS::Queue', 'NotifierObserverDeadLetterQueue')].sort(),
    );
    expect(statements().flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('writes only its own log group', () => {
    const logs = statementFor(statements(), 'logs:PutLogEvents');
    expect(resourcesOf(logs)).toEqual([arnOf('AWS::Logs::LogGroup', 'NotifierServiceDiscoveryLogGroup')]);
  });
});

describe('task discovery role', () => {
  const statements = () => functionStatements(template, 'NotifierTaskDiscoveryFunction');

  it('scopes tasks and container instances to the allowed clusters', () => {
    const list = statementFor(statements(), 'ecs:ListTasks');
    expect(clusterCondition(list)).toEqual(CLUSTER_ARNS);
    const tasks = statementFor(statements(), 'ecs:DescribeTasks');
    expect(resourcesOf(tasks)[0]).toBe(`arn:${PARTITION}:ecs:eu-west-1:123456789012:task/demo/*`);
    expect(clusterCondition(tasks)).toEqual(CLUSTER_ARNS);
    const instances = statementFor(statements(), 'ecs:DescribeContainerInstances');
    expect(resourcesOf(instances)[1]).toBe('arn:aws:ecs:eu-west-1:123456789012:container-instance/other/*');
    expect(clusterCondition(instances)).toEqual(CLUSTER_ARNS);
    expect(ecsStatements(statements()).flatMap(actionsOf).sort()).toEqual([
      'ecs:DescribeContainerInstances',
      'ecs:DescribeTaskDefinition',
      'ecs:DescribeTasks',
      'ecs:ListTasks',
    ]);
  });

  it('uses * without a condition only for the actions without resource-level permissions', () => {
    const unscoped = statements().filter((s) => resourcesOf(s).includes('*') && !s.Condition);
    expect(unscoped.flatMap(actionsOf).sort()).toEqual(['ec2:DescribeInstances', 'ecs:DescribeTaskDefinition']);
  });

  it('sends only to the task queue and its own (service) DLQ', () => {
    expect(sendTargets(statements())).toEqual(
      [arnOf('AWS::SQS::Queue', 'NotifierTaskQueue'), arnOf('AWS::SQS::Queue', 'NotifierServiceDeadLetterQueue')].sort(),
    );
  });
});

describe('task notify role', () => {
  const statements = () => functionStatements(template, 'NotifierTaskNotifyFunction');

  it('reads and writes only the idempotency table, item by item', () => {
    const dynamo = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamo.flatMap(resourcesOf)).toEqual([arnOf('AWS::DynamoDB::Table', 'NotifierIdempotencyTable')]);
  });

  it('sends only to its own (task) DLQ and calls no ECS API', () => {
    expect(sendTargets(statements())).toEqual([arnOf('AWS::SQS::Queue', 'NotifierTaskDeadLetterQueue')]);
    expect(ecsStatements(statements())).toEqual([]);
  });

  it('may manage its VPC network interfaces (it runs in the cluster VPC)', () => {
    const eni = statementFor(statements(), 'ec2:CreateNetworkInterface');
    expect(actionsOf(eni)).toContain('ec2:DeleteNetworkInterface');
    const fn = resourceByPrefix(template, 'AWS::Lambda::Function', 'NotifierTaskNotifyFunction')[1];
    expect(fn.Properties.VpcConfig.SubnetIds.map(flatten).sort()).toEqual(
      Object.keys(resources(template, 'AWS::EC2::Subnet'))
        .filter((id) => id.includes('Private'))
        .map((id) => `\${${id}}`)
        .sort(),
    );
  });
});

describe('DynamoDB stream pipe role', () => {
  it('is assumed only by EventBridge Pipes of this account', () => {
    const [, role] = resourceByPrefix(template, 'AWS::IAM::Role', 'NotifierStreamSourceOrdersRole');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'pipes.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
  });

  it('reads only its stream and sends only to the observer queue and the stream DLQ', () => {
    const [roleId] = resourceByPrefix(template, 'AWS::IAM::Role', 'NotifierStreamSourceOrdersRole');
    const statements = roleStatements(template, roleId);
    const read = statementFor(statements, 'dynamodb:GetRecords');
    expect(resourcesOf(read)).toEqual([`\${${resourceByPrefix(template, 'AWS::DynamoDB::Table', 'Orders')[0]}.StreamArn}`]);
    expect(resourcesOf(statementFor(statements, 'dynamodb:ListStreams'))).toEqual(['*']);
    expect(sendTargets(statements)).toEqual(
      [arnOf('AWS::SQS::Queue', 'NotifierObserverQueue'), arnOf('AWS::SQS::Queue', 'NotifierStreamDeadLetterQueue')].sort(),
    );
  });
});
