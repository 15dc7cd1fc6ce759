import { DEFAULT_LABELS } from '../../handlers/constants';
import { type ClusterSpec, type ClusterSpecInput, type NetworkModeSpec, parseClusterSpec } from './cluster-spec';

/** Shape of a generated cluster, for tests and the benchmark. */
export interface GenerateClusterOptions {
  /** @default 'demo' */
  name?: string;
  /** Services in the cluster (opted in or not). */
  services: number;
  /** RUNNING tasks per service. */
  tasksPerService: number;
  networkMode: NetworkModeSpec;
  /**
   * EC2 container instances (bridge and host tasks are placed round-robin on them).
   * @default bridge/host: enough so no instance runs more than 10 tasks; awsvpc: 0 (Fargate)
   */
  containerInstances?: number;
  /** How many services opt in (the first ones). @default every service */
  optedInServices?: number;
  /** Alternative to `optedInServices`: the fraction 0-1 of services that opt in (rounded). */
  optInRatio?: number;
  /** Labelled containers per task, each its own notify target. @default 1 */
  labelledContainersPerTask?: number;
  /** Value of NOTIFY_ME_TOPICS on every labelled container. @default no topics label (every event) */
  topics?: string;
  /** Port label of the first labelled container (others +1, +2 ...). @default 8080 */
  containerPort?: number;
  /** @default '/notify' */
  uri?: string;
  /** PENDING tasks per service besides the RUNNING ones. @default 0 */
  pendingTasksPerService?: number;
  /** SOURCE_ROUTES value for the simulated service discovery. */
  sourceRoutes?: unknown;
}

const pad = (index: number, width: number): string => String(index).padStart(width, '0');

/**
 * Generates a cluster spec: `services` services named `svc-001` ..., each running
 * `tasksPerService` tasks of its own task definition. Opted-in services label their container(s)
 * with the notify labels; the others carry only unrelated labels. A host-mode cluster needs at
 * least `tasksPerService` container instances (one task per port per instance).
 */
export const generateCluster = (options: GenerateClusterOptions): ClusterSpec => {
  const width = Math.max(3, String(options.services).length);
  const optedIn =
    options.optedInServices ??
    (options.optInRatio !== undefined ? Math.round(options.services * options.optInRatio) : options.services);
  const labelled = options.labelledContainersPerTask ?? 1;
  const port = options.containerPort ?? 8080;
  const uri = options.uri ?? '/notify';
  const totalTasks = options.services * (options.tasksPerService + (options.pendingTasksPerService ?? 0));
  const containerInstances =
    options.containerInstances ??
    (options.networkMode === 'awsvpc'
      ? 0
      : Math.max(options.networkMode === 'host' ? options.tasksPerService : 1, Math.ceil(totalTasks / 10)));
  const spec: ClusterSpecInput = {
    name: options.name ?? 'demo',
    containerInstances,
    sourceRoutes: options.sourceRoutes,
    taskDefinitions: [],
    services: [],
  };
  for (let index = 1; index <= options.services; index++) {
    const name = `svc-${pad(index, width)}`;
    const optsIn = index <= optedIn;
    const containers = Array.from({ length: Math.max(1, labelled) }, (_, containerIndex) => {
      const containerPort = port + containerIndex;
      const dockerLabels: Record<string, string> = optsIn
        ? {
            [DEFAULT_LABELS.port]: String(containerPort),
            [DEFAULT_LABELS.uri]: uri,
            ...(options.topics !== undefined ? { [DEFAULT_LABELS.topics]: options.topics } : {}),
          }
        : { 'com.example.team': 'payments' };
      return { name: containerIndex === 0 ? 'app' : `app-${containerIndex}`, containerPort, dockerLabels };
    });
    spec.taskDefinitions!.push({ family: name, revision: 1, networkMode: options.networkMode, containers });
    spec.services!.push({
      name,
      deployments: [
        {
          taskDefinition: `${name}:1`,
          status: 'PRIMARY',
          running: options.tasksPerService,
          pending: options.pendingTasksPerService ?? 0,
        },
      ],
    });
  }
  return parseClusterSpec(spec);
};
