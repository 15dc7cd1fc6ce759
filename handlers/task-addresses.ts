import { DescribeContainerInstancesCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { API_LIMITS } from './constants';
import { chunk, describeInChunks } from './ecs-api';
import type { NetworkMode, NotifyTarget } from './messages';

/** Where one labelled container of one task listens. */
export interface TargetAddress {
  host: string;
  port: number;
}

/** Why a target has no address (yet); logged, never an error. */
export interface NoAddress {
  skipped: string;
}

export type AddressResult = TargetAddress | NoAddress;

export const isAddress = (result: AddressResult): result is TargetAddress => 'host' in result;

/**
 * The private IPv4 address of an `awsvpc` task: the `ElasticNetworkInterface` attachment's
 * `privateIPv4Address`, else a container's `networkInterfaces[].privateIpv4Address` (both are in
 * the DescribeTasks shape). Undefined while the ENI is still being provisioned.
 */
export const awsvpcAddress = (task: Task): string | undefined => {
  for (const attachment of task.attachments ?? []) {
    if (attachment.type !== 'ElasticNetworkInterface') continue;
    const ip = attachment.details?.find((detail) => detail.name === 'privateIPv4Address')?.value;
    if (ip) return ip;
  }
  for (const container of task.containers ?? []) {
    const ip = container.networkInterfaces?.find((eni) => eni.privateIpv4Address)?.privateIpv4Address;
    if (ip) return ip;
  }
  return undefined;
};

/**
 * The host port a `bridge` task maps the labelled container port to (`networkBindings`; dynamic
 * host ports included, TCP only). Undefined while the container has no binding yet.
 */
export const bridgeHostPort = (task: Task, target: NotifyTarget): number | undefined => {
  const container = task.containers?.find((candidate) => candidate.name === target.container);
  const binding = container?.networkBindings?.find(
    (candidate) =>
      candidate.containerPort === target.port &&
      candidate.hostPort !== undefined &&
      candidate.hostPort > 0 &&
      (candidate.protocol === undefined || candidate.protocol === 'tcp'),
  );
  return binding?.hostPort;
};

/**
 * Address of `target` in `task` by the task definition's network mode:
 * - `awsvpc` (Fargate or EC2): the task ENI's private IP and the label port;
 * - `bridge`: the container instance's private IP and the host port bound to the label port;
 * - `host`: the container instance's private IP and the label port;
 * - `none`: never reachable.
 *
 * @param instanceIp the private IP of the task's container instance (EC2 launch type), if known
 */
export const targetAddress = (
  task: Task,
  networkMode: NetworkMode,
  target: NotifyTarget,
  instanceIp: string | undefined,
): AddressResult => {
  switch (networkMode) {
    case 'awsvpc': {
      const host = awsvpcAddress(task);
      return host ? { host, port: target.port } : { skipped: 'no ENI private IPv4 address yet' };
    }
    case 'bridge': {
      const hostPort = bridgeHostPort(task, target);
      if (hostPort === undefined) return { skipped: `no network binding for container port ${target.port} yet` };
      return instanceIp ? { host: instanceIp, port: hostPort } : { skipped: 'container instance has no private IP' };
    }
    case 'host':
      return instanceIp ? { host: instanceIp, port: target.port } : { skipped: 'container instance has no private IP' };
    case 'none':
      return { skipped: 'network mode "none" has no address' };
  }
};

/**
 * Private IPs of ECS container instances: DescribeContainerInstances (100 a call), then EC2
 * DescribeInstances for the `ec2InstanceId`s (chunked at {@link API_LIMITS.describeInstances}).
 *
 * Each container instance is looked up at most once per invocation (records processed in parallel
 * share in-flight lookups), and the answer is kept across warm invocations: a container instance
 * ARN is bound to one EC2 instance for its whole life and the primary private IP of an instance
 * never changes. A failed lookup or an instance without an address is forgotten, so the next
 * record asks again.
 */
export class ContainerInstanceIpCache {
  private readonly ips = new Map<string, Promise<string | undefined>>();

  /** @param maxEntries oldest entries are evicted beyond this. @default 5000 */
  public constructor(private readonly maxEntries = 5_000) {}

  public get size(): number {
    return this.ips.size;
  }

  /**
   * IPs of `containerInstanceArns` in `cluster`; an ARN missing from the result has no address
   * (instance gone or without a private IP). Rejects with a TransientError when ECS reports a
   * failure other than MISSING, so the record is retried.
   */
  public async resolve(
    clients: { ecs: ECSClient; ec2: EC2Client },
    cluster: string,
    containerInstanceArns: readonly string[],
  ): Promise<Map<string, string>> {
    const wanted = [...new Set(containerInstanceArns)];
    const unknown = wanted.filter((arn) => !this.ips.has(arn));
    if (unknown.length > 0) {
      const lookup = lookUpInstanceIps(clients, cluster, unknown);
      for (const arn of unknown) {
        const pending = lookup.then((found) => found.get(arn));
        this.ips.set(arn, pending);
        pending.then(
          (ip) => {
            if (ip === undefined && this.ips.get(arn) === pending) this.ips.delete(arn);
          },
          () => {
            if (this.ips.get(arn) === pending) this.ips.delete(arn);
          },
        );
      }
      this.evict();
    }
    const result = new Map<string, string>();
    for (const arn of wanted) {
      const ip = await (this.ips.get(arn) ?? lookUpInstanceIps(clients, cluster, [arn]).then((found) => found.get(arn)));
      if (ip) result.set(arn, ip);
    }
    return result;
  }

  public clear(): void {
    this.ips.clear();
  }

  private evict(): void {
    while (this.ips.size > this.maxEntries) {
      const oldest = this.ips.keys().next().value;
      if (oldest === undefined) return;
      this.ips.delete(oldest);
    }
  }
}

/** One round of DescribeContainerInstances + DescribeInstances for `arns`. */
const lookUpInstanceIps = async (
  clients: { ecs: ECSClient; ec2: EC2Client },
  cluster: string,
  arns: readonly string[],
): Promise<Map<string, string>> => {
  const instanceIdByArn = new Map<string, string>();
  const instances = await describeInChunks(
    'DescribeContainerInstances',
    cluster,
    arns,
    API_LIMITS.describeContainerInstances,
    async (part) => {
      const response = await clients.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: part }));
      return { items: response.containerInstances, failures: response.failures };
    },
    // A deregistered instance has no address: its tasks are skipped with a log line by the caller.
    () => undefined,
  );
  for (const instance of instances) {
    if (instance.containerInstanceArn && instance.ec2InstanceId) instanceIdByArn.set(instance.containerInstanceArn, instance.ec2InstanceId);
  }
  const ipByInstanceId = new Map<string, string>();
  for (const ids of chunk([...new Set(instanceIdByArn.values())], API_LIMITS.describeInstances)) {
    const response = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    for (const reservation of response.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (instance.InstanceId && instance.PrivateIpAddress) ipByInstanceId.set(instance.InstanceId, instance.PrivateIpAddress);
      }
    }
  }
  const result = new Map<string, string>();
  for (const [arn, instanceId] of instanceIdByArn) {
    const ip = ipByInstanceId.get(instanceId);
    if (ip) result.set(arn, ip);
  }
  return result;
};
