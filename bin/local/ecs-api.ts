import { AwsApiError } from './aws-error';
import type { SimCluster, SimContainerInstance, SimService, SimTask, SimTaskDefinition } from './world';

/**
 * The ECS read API the pipeline uses, served from the simulated cluster with AWS's limits and
 * errors and the response shapes of the ECS API reference (awsJson1_1, timestamps in epoch seconds).
 */

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/** ECS limits as documented (and enforced by ECS itself). */
export const ECS_LIMITS = {
  listMaxResults: 100,
  listServicesDefault: 10,
  listTasksDefault: 100,
  describeServices: 10,
  describeTasks: 100,
  describeContainerInstances: 100,
} as const;

const invalid = (message: string): AwsApiError => new AwsApiError('InvalidParameterException', message);

const stringArray = (input: Input, key: string): string[] => {
  const value = input[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(`${key} must be a list of strings.`);
  return value as string[];
};

const optionalString = (input: Input, key: string): string | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${key} must be a string.`);
  return value;
};

const lastSegment = (value: string): string => value.slice(value.lastIndexOf('/') + 1);

/** Opaque page token: base64 of the offset and a check of what was listed. */
const encodeToken = (offset: number, scope: string): string => Buffer.from(JSON.stringify([offset, scope])).toString('base64');

const decodeToken = (token: string | undefined, scope: string): number => {
  if (token === undefined) return 0;
  try {
    const [offset, tokenScope] = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as [number, string];
    if (tokenScope === scope && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw invalid('Invalid nextToken.');
};

const page = (items: readonly string[], input: Input, defaultSize: number, scope: string): { arns: string[]; nextToken?: string } => {
  const maxResults = input.maxResults;
  if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > ECS_LIMITS.listMaxResults)) {
    throw invalid(`maxResults must be between 1 and ${ECS_LIMITS.listMaxResults}.`);
  }
  const size = (maxResults as number | undefined) ?? defaultSize;
  const offset = decodeToken(optionalString(input, 'nextToken'), scope);
  const arns = items.slice(offset, offset + size);
  return offset + size < items.length ? { arns, nextToken: encodeToken(offset + size, scope) } : { arns };
};

export class EcsApi {
  public constructor(
    private readonly cluster: SimCluster,
    /** Called with the tasks every DescribeTasks response reports (fault injection). */
    private readonly afterDescribeTasks: (tasks: SimTask[]) => void = () => undefined,
  ) {}

  /** Runs one operation; throws {@link AwsApiError} as ECS would answer. */
  public handle(operation: string, input: Input): Output {
    switch (operation) {
      case 'ListClusters':
        return { clusterArns: [this.cluster.arn] };
      case 'DescribeClusters':
        return this.describeClusters(input);
      case 'ListServices':
        return this.listServices(input);
      case 'DescribeServices':
        return this.describeServices(input);
      case 'DescribeTaskDefinition':
        return this.describeTaskDefinition(input);
      case 'ListTasks':
        return this.listTasks(input);
      case 'DescribeTasks':
        return this.describeTasks(input);
      case 'ListContainerInstances':
        return this.listContainerInstances(input);
      case 'DescribeContainerInstances':
        return this.describeContainerInstances(input);
      default:
        throw new AwsApiError('UnknownOperationException', `The simulator does not implement ${operation}.`);
    }
  }

  /** Resolves a cluster name or ARN (default cluster when unset: `default`). */
  private resolveCluster(input: Input): SimCluster {
    const ref = optionalString(input, 'cluster') ?? 'default';
    const name = ref.startsWith('arn:') ? lastSegment(ref) : ref;
    if (name !== this.cluster.name || (ref.startsWith('arn:') && ref !== this.cluster.arn)) {
      throw new AwsApiError('ClusterNotFoundException', 'Cluster not found.');
    }
    return this.cluster;
  }

  private describeClusters(input: Input): Output {
    const refs = stringArray(input, 'clusters');
    const clusters: Output[] = [];
    const failures: Output[] = [];
    for (const ref of refs.length > 0 ? refs : ['default']) {
      try {
        this.resolveCluster({ cluster: ref });
        const tasks = [...this.cluster.tasks.values()];
        clusters.push({
          clusterArn: this.cluster.arn,
          clusterName: this.cluster.name,
          status: 'ACTIVE',
          registeredContainerInstancesCount: this.cluster.containerInstances.length,
          runningTasksCount: tasks.filter((task) => task.lastStatus === 'RUNNING').length,
          pendingTasksCount: tasks.filter((task) => task.lastStatus === 'PENDING').length,
          activeServicesCount: this.cluster.services.length,
        });
      } catch {
        failures.push({ arn: ref, reason: 'MISSING' });
      }
    }
    return { clusters, failures };
  }

  private listServices(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const launchType = optionalString(input, 'launchType');
    const strategy = optionalString(input, 'schedulingStrategy');
    const arns = cluster.services
      .filter((service) => launchType === undefined || service.launchType === launchType)
      .filter((_service) => strategy === undefined || strategy === 'REPLICA')
      .map((service) => service.arn);
    const { arns: serviceArns, nextToken } = page(arns, input, ECS_LIMITS.listServicesDefault, `services:${launchType}:${strategy}`);
    return { serviceArns, ...(nextToken ? { nextToken } : {}) };
  }

  private findService(ref: string): SimService | undefined {
    return this.cluster.services.find((service) => service.arn === ref || service.name === ref);
  }

  private describeServices(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const refs = stringArray(input, 'services');
    if (refs.length === 0) throw invalid('Services cannot be empty.');
    if (refs.length > ECS_LIMITS.describeServices) throw invalid(`services can have at most ${ECS_LIMITS.describeServices} items.`);
    const services: Output[] = [];
    const failures: Output[] = [];
    for (const ref of refs) {
      const service = this.findService(ref);
      if (service) services.push(serviceShape(cluster, service));
      else failures.push({ arn: ref.startsWith('arn:') ? ref : `${cluster.arn.replace(':cluster/', ':service/')}/${ref}`, reason: 'MISSING' });
    }
    return { services, failures };
  }

  private describeTaskDefinition(input: Input): Output {
    const ref = optionalString(input, 'taskDefinition');
    if (!ref) throw new AwsApiError('ClientException', 'Task Definition can not be blank.');
    const key = ref.startsWith('arn:') ? lastSegment(ref) : ref;
    let td: SimTaskDefinition | undefined = this.cluster.taskDefinitions.get(key);
    if (!td && !key.includes(':')) {
      td = [...this.cluster.taskDefinitions.values()].filter((candidate) => candidate.family === key).sort((a, b) => b.revision - a.revision)[0];
    }
    if (!td || (ref.startsWith('arn:') && ref !== td.arn)) throw new AwsApiError('ClientException', 'Unable to describe task definition.');
    return { taskDefinition: taskDefinitionShape(td), tags: [] };
  }

  private listTasks(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const serviceName = optionalString(input, 'serviceName');
    const desiredStatus = optionalString(input, 'desiredStatus') ?? 'RUNNING';
    if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) throw invalid('desiredStatus must be RUNNING, PENDING or STOPPED.');
    const family = optionalString(input, 'family');
    const containerInstance = optionalString(input, 'containerInstance');
    const launchType = optionalString(input, 'launchType');
    let tasks = [...cluster.tasks.values()];
    if (serviceName !== undefined) {
      const service = this.findService(serviceName);
      if (!service) throw new AwsApiError('ServiceNotFoundException', 'Service not found.');
      tasks = service.tasks;
    }
    const arns = tasks
      .filter((task) => (desiredStatus === 'PENDING' ? task.lastStatus === 'PENDING' : task.desiredStatus === desiredStatus))
      .filter((task) => family === undefined || task.taskDefinition.family === family)
      .filter((task) => launchType === undefined || task.launchType === launchType)
      .filter(
        (task) =>
          containerInstance === undefined ||
          task.containerInstance?.arn === containerInstance ||
          (task.containerInstance && lastSegment(task.containerInstance.arn) === containerInstance),
      )
      .map((task) => task.arn);
    const scope = `tasks:${serviceName}:${desiredStatus}:${family}:${containerInstance}:${launchType}`;
    const { arns: taskArns, nextToken } = page(arns, input, ECS_LIMITS.listTasksDefault, scope);
    return { taskArns, ...(nextToken ? { nextToken } : {}) };
  }

  private describeTasks(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const refs = stringArray(input, 'tasks');
    if (refs.length === 0) throw invalid('Tasks cannot be empty.');
    if (refs.length > ECS_LIMITS.describeTasks) throw invalid(`tasks can have at most ${ECS_LIMITS.describeTasks} items.`);
    const found: SimTask[] = [];
    const failures: Output[] = [];
    for (const ref of refs) {
      const task = cluster.tasks.get(ref) ?? [...cluster.tasks.values()].find((candidate) => candidate.id === ref);
      if (task) found.push(task);
      else failures.push({ arn: ref, reason: 'MISSING' });
    }
    const response = { tasks: found.map((task) => taskShape(cluster, task)), failures };
    this.afterDescribeTasks(found);
    return response;
  }

  private listContainerInstances(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const arns = cluster.containerInstances.map((instance) => instance.arn);
    const { arns: containerInstanceArns, nextToken } = page(arns, input, ECS_LIMITS.listTasksDefault, 'container-instances');
    return { containerInstanceArns, ...(nextToken ? { nextToken } : {}) };
  }

  private describeContainerInstances(input: Input): Output {
    const cluster = this.resolveCluster(input);
    const refs = stringArray(input, 'containerInstances');
    if (refs.length === 0) throw invalid('ContainerInstances cannot be empty.');
    if (refs.length > ECS_LIMITS.describeContainerInstances) {
      throw invalid(`containerInstances can have at most ${ECS_LIMITS.describeContainerInstances} items.`);
    }
    const containerInstances: Output[] = [];
    const failures: Output[] = [];
    for (const ref of refs) {
      const instance = cluster.containerInstances.find((candidate) => candidate.arn === ref || lastSegment(candidate.arn) === ref);
      if (instance) containerInstances.push(containerInstanceShape(cluster, instance));
      else failures.push({ arn: ref, reason: 'MISSING' });
    }
    return { containerInstances, failures };
  }
}

const serviceShape = (cluster: SimCluster, service: SimService): Output => {
  const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY') ?? service.deployments[0]!;
  const running = service.tasks.filter((task) => task.lastStatus === 'RUNNING').length;
  const pending = service.tasks.filter((task) => task.lastStatus === 'PENDING').length;
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: cluster.arn,
    status: 'ACTIVE',
    desiredCount: primary.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: service.launchType,
    taskDefinition: primary.taskDefinition.arn,
    schedulingStrategy: 'REPLICA',
    createdAt: service.createdAt,
    deployments: service.deployments.map((deployment) => ({
      id: deployment.id,
      status: deployment.status,
      taskDefinition: deployment.taskDefinition.arn,
      desiredCount: deployment.desiredCount,
      pendingCount: service.tasks.filter((task) => task.deploymentId === deployment.id && task.lastStatus === 'PENDING').length,
      runningCount: service.tasks.filter((task) => task.deploymentId === deployment.id && task.lastStatus === 'RUNNING').length,
      failedTasks: 0,
      createdAt: deployment.createdAt,
      updatedAt: deployment.createdAt,
      launchType: service.launchType,
      rolloutState: deployment.status === 'PRIMARY' && service.deployments.length > 1 ? 'IN_PROGRESS' : 'COMPLETED',
    })),
    events: [],
  };
};

const taskDefinitionShape = (td: SimTaskDefinition): Output => ({
  taskDefinitionArn: td.arn,
  family: td.family,
  revision: td.revision,
  status: 'ACTIVE',
  networkMode: td.networkMode,
  requiresCompatibilities: td.networkMode === 'awsvpc' ? ['FARGATE', 'EC2'] : ['EC2'],
  compatibilities: td.networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
  cpu: '256',
  memory: '512',
  registeredAt: td.registeredAt,
  containerDefinitions: td.containers.map((container) => ({
    name: container.name,
    image: container.image ?? `public.ecr.aws/docker/library/${td.family}:latest`,
    essential: container.essential,
    cpu: 0,
    portMappings: [
      {
        containerPort: container.containerPort,
        hostPort: td.networkMode === 'bridge' ? 0 : container.containerPort,
        protocol: 'tcp',
      },
    ],
    dockerLabels: container.dockerLabels,
    environment: [],
    mountPoints: [],
    volumesFrom: [],
  })),
});

const taskShape = (cluster: SimCluster, task: SimTask): Output => {
  const td = task.taskDefinition;
  const running = task.lastStatus === 'RUNNING';
  const awsvpc = td.networkMode === 'awsvpc';
  const attachmentId = `${task.id.slice(0, 8)}-0000-4000-8000-${task.id.slice(8, 20)}`;
  return {
    taskArn: task.arn,
    clusterArn: cluster.arn,
    taskDefinitionArn: td.arn,
    group: `service:${task.service}`,
    startedBy: task.deploymentId,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    healthStatus: 'UNKNOWN',
    launchType: task.launchType,
    cpu: '256',
    memory: '512',
    createdAt: task.createdAt,
    ...(task.lastStatus !== 'PENDING' ? { startedAt: task.createdAt + 20, pullStartedAt: task.createdAt + 5, pullStoppedAt: task.createdAt + 15 } : {}),
    ...(task.lastStatus === 'STOPPED' ? { stoppedAt: Date.now() / 1000, stoppedReason: task.stoppedReason, stopCode: 'EssentialContainerExited' } : {}),
    ...(task.containerInstance ? { containerInstanceArn: task.containerInstance.arn } : {}),
    ...(task.launchType === 'FARGATE' ? { platformVersion: '1.4.0', platformFamily: 'Linux' } : {}),
    version: running ? 3 : 2,
    attachments: awsvpc
      ? [
          {
            id: attachmentId,
            type: 'ElasticNetworkInterface',
            status: task.lastStatus === 'STOPPED' ? 'DELETED' : task.lastStatus === 'PENDING' ? 'PRECREATED' : 'ATTACHED',
            details: [
              { name: 'subnetId', value: 'subnet-0123456789abcdef0' },
              { name: 'networkInterfaceId', value: task.eniId },
              { name: 'macAddress', value: '0a:00:00:00:00:01' },
              { name: 'privateDnsName', value: `ip-${task.address.replaceAll('.', '-')}.${cluster.region}.compute.internal` },
              { name: 'privateIPv4Address', value: task.address },
            ],
          },
        ]
      : [],
    containers: task.containers.map((container) => ({
      containerArn: `${cluster.arn.replace(':cluster/', ':container/')}/${task.id}/${container.runtimeId.slice(0, 36)}`,
      taskArn: task.arn,
      name: container.name,
      image: td.containers.find((candidate) => candidate.name === container.name)?.image ?? `public.ecr.aws/docker/library/${td.family}:latest`,
      runtimeId: task.lastStatus === 'PENDING' ? undefined : `${task.id}-${container.runtimeId.slice(0, 10)}`,
      lastStatus: task.lastStatus,
      healthStatus: 'UNKNOWN',
      ...(task.lastStatus === 'STOPPED' ? { exitCode: 137 } : {}),
      // ECS reports bindings only once the container runs (awsvpc tasks have none: the ENI is the address).
      networkBindings:
        running && !awsvpc
          ? [{ bindIP: '0.0.0.0', containerPort: container.containerPort, hostPort: container.hostPort, protocol: 'tcp' }]
          : [],
      networkInterfaces: awsvpc && task.lastStatus !== 'STOPPED' ? [{ attachmentId, privateIpv4Address: task.address }] : [],
    })),
  };
};

const containerInstanceShape = (cluster: SimCluster, instance: SimContainerInstance): Output => {
  const tasks = [...cluster.tasks.values()].filter((task) => task.containerInstance === instance);
  return {
    containerInstanceArn: instance.arn,
    ec2InstanceId: instance.instanceId,
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: tasks.filter((task) => task.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((task) => task.lastStatus === 'PENDING').length,
    registeredAt: Date.now() / 1000 - 86_400,
    versionInfo: { agentVersion: '1.88.0', agentHash: 'abcdef0', dockerVersion: 'DockerVersion: 25.0.6' },
    attributes: [{ name: 'ecs.os-type', value: 'linux' }],
    registeredResources: [],
    remainingResources: [],
  };
};
