import * as iam from 'aws-cdk-lib/aws-iam';
import type { ResolvedCluster } from './clusters';

/**
 * Least-privilege ECS/EC2 statements of the discovery functions, scoped to the allowed clusters.
 *
 * From the Service Authorization Reference for Amazon ECS: `ListServices` and `ListTasks` authorize
 * against the cluster through the `ecs:cluster` condition key (their resource element cannot name the
 * cluster reliably), `DescribeServices`/`DescribeTasks`/`DescribeContainerInstances` take
 * `service/<cluster>/*`, `task/<cluster>/*` and `container-instance/<cluster>/*` ARNs and also support
 * `ecs:cluster`. `ecs:DescribeTaskDefinition` and `ec2:DescribeInstances` support no resource-level
 * permissions at all, so they are the only statements on `*` without a cluster condition.
 */
const clusterCondition = (clusters: readonly ResolvedCluster[]): Record<string, unknown> => ({
  ArnEquals: { 'ecs:cluster': clusters.map((cluster) => cluster.arn) },
});

/** What the service discovery function calls: list and describe services, describe task definitions. */
export const serviceDiscoveryStatements = (clusters: readonly ResolvedCluster[]): iam.PolicyStatement[] => [
  new iam.PolicyStatement({
    sid: 'ListServicesOfAllowedClusters',
    actions: ['ecs:ListServices'],
    resources: ['*'],
    conditions: clusterCondition(clusters),
  }),
  new iam.PolicyStatement({
    sid: 'DescribeServicesOfAllowedClusters',
    actions: ['ecs:DescribeServices'],
    resources: clusters.map((cluster) => cluster.resourceArn('service')),
    conditions: clusterCondition(clusters),
  }),
  describeTaskDefinitionStatement(),
];

/**
 * What the task discovery function calls: list/describe tasks, container instances and their EC2
 * instances, and the task definition of a task whose revision the service message did not carry.
 */
export const taskDiscoveryStatements = (clusters: readonly ResolvedCluster[]): iam.PolicyStatement[] => [
  new iam.PolicyStatement({
    sid: 'ListTasksOfAllowedClusters',
    actions: ['ecs:ListTasks'],
    resources: ['*'],
    conditions: clusterCondition(clusters),
  }),
  new iam.PolicyStatement({
    sid: 'DescribeTasksOfAllowedClusters',
    actions: ['ecs:DescribeTasks'],
    resources: clusters.map((cluster) => cluster.resourceArn('task')),
    conditions: clusterCondition(clusters),
  }),
  new iam.PolicyStatement({
    sid: 'DescribeContainerInstancesOfAllowedClusters',
    actions: ['ecs:DescribeContainerInstances'],
    resources: clusters.map((cluster) => cluster.resourceArn('container-instance')),
    conditions: clusterCondition(clusters),
  }),
  new iam.PolicyStatement({
    sid: 'DescribeInstancesNoResourceLevelPermissions',
    actions: ['ec2:DescribeInstances'],
    resources: ['*'],
  }),
  describeTaskDefinitionStatement(),
];

/** `ecs:DescribeTaskDefinition` supports no resource-level permissions. */
export const describeTaskDefinitionStatement = (): iam.PolicyStatement =>
  new iam.PolicyStatement({
    sid: 'DescribeTaskDefinitionNoResourceLevelPermissions',
    actions: ['ecs:DescribeTaskDefinition'],
    resources: ['*'],
  });
