import { randomBytes } from 'node:crypto';
import type { ClusterSpec, ContainerSpec, NetworkModeSpec } from './cluster-spec';
import { DEFAULT_LABELS } from '../../handlers/constants';

/**
 * The simulated cluster's state, materialised from a cluster spec: ARNs, task placement,
 * container instances and the loopback address of every task. The ECS and EC2 endpoints serve it,
 * the task listeners bind to it, the report reads it.
 */

export interface SimTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  networkMode: NetworkModeSpec;
  containers: (ContainerSpec & { containerPort: number })[];
  registeredAt: number;
}

export interface SimContainerInstance {
  arn: string;
  instanceId: string;
  /** Loopback address EC2 reports as its private IP (filled in when the listeners bind). */
  address: string;
}

export interface SimContainer {
  name: string;
  containerPort: number;
  /** Port on the task's address: containerPort (awsvpc, host) or a dynamic host port (bridge). */
  hostPort: number;
  runtimeId: string;
  /** Port and URI label values when the container carries both. */
  labels: Record<string, string>;
}

export type TaskStatus = 'RUNNING' | 'PENDING' | 'STOPPED';

export interface SimTask {
  arn: string;
  id: string;
  service: string;
  /** Index among the service's RUNNING tasks (fault selectors), or -1. */
  runningIndex: number;
  deploymentId: string;
  taskDefinition: SimTaskDefinition;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  stoppedReason?: string;
  containerInstance?: SimContainerInstance;
  /** awsvpc: the task's own loopback address; bridge/host: its container instance's. */
  address: string;
  eniId?: string;
  containers: SimContainer[];
  createdAt: number;
  launchType: 'EC2' | 'FARGATE';
}

export interface SimDeployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: SimTaskDefinition;
  runningCount: number;
  pendingCount: number;
  desiredCount: number;
  createdAt: number;
}

export interface SimService {
  name: string;
  arn: string;
  launchType: 'EC2' | 'FARGATE';
  createdAt: number;
  deployments: SimDeployment[];
  /** Every task in creation order (RUNNING, PENDING and STOPPED). */
  tasks: SimTask[];
}

export interface SimCluster {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  services: SimService[];
  taskDefinitions: Map<string, SimTaskDefinition>;
  containerInstances: SimContainerInstance[];
  tasks: Map<string, SimTask>;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Whether a container carries both notify labels (opted in, whatever the values). */
export const isLabelled = (container: Pick<ContainerSpec, 'dockerLabels'>): boolean =>
  container.dockerLabels[DEFAULT_LABELS.port] !== undefined && container.dockerLabels[DEFAULT_LABELS.uri] !== undefined;

const containerPortOf = (container: ContainerSpec): number => {
  if (container.containerPort !== undefined) return container.containerPort;
  const label = Number(container.dockerLabels[DEFAULT_LABELS.port]);
  return Number.isInteger(label) && label >= 1 && label <= 65_535 ? label : 8080;
};

let built = 0;

/**
 * The account id of the n-th cluster built in this process: the spec's for the first, then +1,
 * +2 ... The handlers keep warm caches keyed by ARN (task definition revisions are immutable), so
 * a later simulation in the same process must never reuse an earlier one's ARNs for other content.
 */
const accountFor = (accountId: string, index: number): string =>
  String((Number(accountId) + index) % 1e12).padStart(12, '0');

/**
 * Builds the cluster state. Task ids are random (as in ECS), so two simulations never share an
 * idempotency key. Addresses are left empty: the listeners assign them when they bind.
 */
export const buildCluster = (spec: ClusterSpec): SimCluster => {
  const accountId = accountFor(spec.accountId, built++);
  const prefix = `arn:aws:ecs:${spec.region}:${accountId}`;
  const now = Date.now() / 1000;
  const taskDefinitions = new Map<string, SimTaskDefinition>();
  for (const td of spec.taskDefinitions) {
    const arn = `${prefix}:task-definition/${td.family}:${td.revision}`;
    taskDefinitions.set(`${td.family}:${td.revision}`, {
      arn,
      family: td.family,
      revision: td.revision,
      networkMode: td.networkMode,
      containers: td.containers.map((container) => ({ ...container, containerPort: containerPortOf(container) })),
      registeredAt: now - 86_400,
    });
  }
  const instanceSpecs =
    typeof spec.containerInstances === 'number'
      ? Array.from({ length: spec.containerInstances }, () => ({ instanceId: undefined }))
      : spec.containerInstances;
  const containerInstances: SimContainerInstance[] = instanceSpecs.map((instance) => ({
    arn: `${prefix}:container-instance/${spec.name}/${hex(16)}`,
    instanceId: instance.instanceId ?? `i-0${hex(8)}`,
    address: '',
  }));
  const cluster: SimCluster = {
    name: spec.name,
    arn: `${prefix}:cluster/${spec.name}`,
    region: spec.region,
    accountId,
    services: [],
    taskDefinitions,
    containerInstances,
    tasks: new Map(),
  };
  let placement = 0;
  /** host mode: ports already taken per instance. */
  const hostPorts = containerInstances.map(() => new Set<number>());
  const place = (td: SimTaskDefinition, service: string): SimContainerInstance | undefined => {
    if (td.networkMode === 'awsvpc') return undefined;
    if (containerInstances.length === 0) {
      throw new Error(`Service ${service} runs ${td.networkMode} tasks but the cluster file has no containerInstances`);
    }
    for (let tries = 0; tries < containerInstances.length; tries++) {
      const index = placement++ % containerInstances.length;
      if (td.networkMode === 'host') {
        const ports = td.containers.map((container) => container.containerPort);
        if (ports.some((port) => hostPorts[index]!.has(port))) continue;
        for (const port of ports) hostPorts[index]!.add(port);
      }
      return containerInstances[index];
    }
    throw new Error(`Service ${service}: no container instance has the host ports of ${td.family}:${td.revision} free`);
  };

  for (const serviceSpec of spec.services) {
    const firstTd = taskDefinitions.get(serviceSpec.deployments[0]!.taskDefinition)!;
    const launchType = serviceSpec.launchType ?? (firstTd.networkMode === 'awsvpc' ? 'FARGATE' : 'EC2');
    const service: SimService = {
      name: serviceSpec.name,
      arn: `${prefix}:service/${spec.name}/${serviceSpec.name}`,
      launchType,
      createdAt: now - 3_600,
      deployments: [],
      tasks: [],
    };
    let runningIndex = 0;
    serviceSpec.deployments.forEach((deploymentSpec, deploymentIndex) => {
      const td = taskDefinitions.get(deploymentSpec.taskDefinition)!;
      const deployment: SimDeployment = {
        id: `ecs-svc/${String(Math.floor(Math.random() * 1e18)).padStart(19, '0')}`,
        status: deploymentSpec.status,
        taskDefinition: td,
        runningCount: deploymentSpec.running,
        pendingCount: deploymentSpec.pending,
        desiredCount: deploymentSpec.status === 'PRIMARY' ? deploymentSpec.running + deploymentSpec.pending : 0,
        createdAt: now - 600 * (serviceSpec.deployments.length - deploymentIndex),
      };
      service.deployments.push(deployment);
      const states: TaskStatus[] = [
        ...Array<TaskStatus>(deploymentSpec.running).fill('RUNNING'),
        ...Array<TaskStatus>(deploymentSpec.pending).fill('PENDING'),
        ...Array<TaskStatus>(deploymentSpec.stopped).fill('STOPPED'),
      ];
      for (const lastStatus of states) {
        const id = hex(16);
        const containerInstance = lastStatus === 'STOPPED' ? undefined : place(td, service.name);
        const task: SimTask = {
          arn: `${prefix}:task/${spec.name}/${id}`,
          id,
          service: service.name,
          runningIndex: lastStatus === 'RUNNING' ? runningIndex++ : -1,
          deploymentId: deployment.id,
          taskDefinition: td,
          lastStatus,
          desiredStatus: lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
          ...(lastStatus === 'STOPPED' ? { stoppedReason: 'Scaling activity initiated by deployment' } : {}),
          ...(containerInstance ? { containerInstance } : {}),
          address: '',
          ...(td.networkMode === 'awsvpc' ? { eniId: `eni-0${hex(8)}` } : {}),
          containers: td.containers.map((container) => ({
            name: container.name,
            containerPort: container.containerPort,
            hostPort: td.networkMode === 'bridge' ? 0 : container.containerPort,
            runtimeId: hex(32),
            labels: container.dockerLabels,
          })),
          createdAt: now - 300,
          launchType: launchType === 'FARGATE' && td.networkMode === 'awsvpc' ? 'FARGATE' : 'EC2',
        };
        service.tasks.push(task);
        cluster.tasks.set(task.arn, task);
      }
    });
    cluster.services.push(service);
  }
  return cluster;
};

/** Marks a task STOPPED the way ECS reports a task that exited. */
export const stopTask = (task: SimTask, reason: string): void => {
  task.lastStatus = 'STOPPED';
  task.desiredStatus = 'STOPPED';
  task.stoppedReason = reason;
};
