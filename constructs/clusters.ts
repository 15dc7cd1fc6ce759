import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { IConstruct } from 'constructs';
import type { ClusterReference } from './props';

/** A cluster the construct may notify, resolved to what IAM and `ALLOWED_CLUSTERS` need. */
export interface ResolvedCluster {
  /** What `ALLOWED_CLUSTERS` gets: the ARN for `ICluster`/ARN references, the name otherwise. */
  readonly allowlistEntry: string;
  /** Cluster name (a token for an `ICluster`). */
  readonly name: string;
  /** Cluster ARN: `arn:<partition>:ecs:<region>:<account>:cluster/<name>`. */
  readonly arn: string;
  /** ARN of any resource of `type` in this cluster, for example `service` -> `.../service/<name>/*`. */
  readonly resourceArn: (type: 'service' | 'task' | 'container-instance') => string;
  /** The VPC of an `ICluster` reference, when it has one. */
  readonly vpc?: ec2.IVpc;
}

const isClusterConstruct = (reference: ClusterReference): reference is ecs.ICluster => typeof reference !== 'string';

/** The VPC of a cluster; an imported cluster without one throws on access, which means "none" here. */
const clusterVpc = (cluster: ecs.ICluster): ec2.IVpc | undefined => {
  try {
    return cluster.vpc;
  } catch {
    return undefined;
  }
};

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Resolves a {@link ClusterReference}. A string is a cluster name (in the stack's account and region)
 * or a cluster ARN; anything else is an error naming `prop`.
 */
export const resolveCluster = (scope: IConstruct, reference: ClusterReference, prop: string): ResolvedCluster => {
  const stack = Stack.of(scope);
  if (isClusterConstruct(reference)) {
    const { clusterArn, clusterName } = reference;
    const arnOf = (type: string): string =>
      stack.formatArn({
        service: 'ecs',
        resource: type,
        resourceName: `${clusterName}/*`,
        region: reference.env.region,
        account: reference.env.account,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    return { allowlistEntry: clusterArn, name: clusterName, arn: clusterArn, resourceArn: arnOf, vpc: clusterVpc(reference) };
  }
  const value = reference.trim();
  if (Token.isUnresolved(value)) {
    throw new Error(`${prop}: a cluster given as a string must be a literal name or ARN; pass an ICluster for a token`);
  }
  if (value.startsWith('arn:')) {
    const parts = Arn.split(value, ArnFormat.SLASH_RESOURCE_NAME);
    if (parts.service !== 'ecs' || parts.resource !== 'cluster' || !parts.resourceName || !CLUSTER_NAME.test(parts.resourceName)) {
      throw new Error(`${prop}: "${value}" is not an ECS cluster ARN (arn:<partition>:ecs:<region>:<account>:cluster/<name>)`);
    }
    const name = parts.resourceName;
    const arnOf = (type: string): string =>
      `arn:${parts.partition}:ecs:${parts.region}:${parts.account}:${type}/${name}/*`;
    return { allowlistEntry: value, name, arn: value, resourceArn: arnOf };
  }
  if (!CLUSTER_NAME.test(value)) {
    throw new Error(`${prop}: "${value}" is not a cluster name (1-255 letters, digits, hyphens, underscores) or ARN`);
  }
  const arnOf = (type: string): string =>
    stack.formatArn({ service: 'ecs', resource: type, resourceName: `${value}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  return {
    allowlistEntry: value,
    name: value,
    arn: stack.formatArn({ service: 'ecs', resource: 'cluster', resourceName: value, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    resourceArn: arnOf,
  };
};

/** Whether two resolved clusters are the same cluster (same construct, same allowlist entry or same literal name). */
export const sameCluster = (a: ResolvedCluster, b: ResolvedCluster): boolean =>
  a.allowlistEntry === b.allowlistEntry ||
  (!Token.isUnresolved(a.name) && !Token.isUnresolved(b.name) && a.name === b.name);
