import { API_LIMITS } from '../handlers/constants';

/**
 * Models of the ECS/EC2 API calls one fan-out needs: the minimum any correct implementation makes,
 * and the original design's count. Pure: every number comes with the formula that produced it.
 */

/** The ECS/EC2 operations a fan-out can use, in pipeline order. */
export const OPERATIONS = [
  'ListServices',
  'DescribeServices',
  'DescribeTaskDefinition',
  'ListTasks',
  'DescribeTasks',
  'ListContainerInstances',
  'DescribeContainerInstances',
  'DescribeInstances',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Calls per operation (operations not listed: 0). */
export type CallCounts = Partial<Record<Operation, number>>;

/** Per-call limits the models use. ECS limits are the documented API limits. */
export const MODEL_LIMITS = {
  listServicesPage: API_LIMITS.listPageSize,
  describeServices: API_LIMITS.describeServices,
  listTasksPage: API_LIMITS.listPageSize,
  describeTasks: API_LIMITS.describeTasks,
  listContainerInstancesPage: API_LIMITS.listPageSize,
  describeContainerInstances: API_LIMITS.describeContainerInstances,
  /** EC2 DescribeInstances takes "many" instance ids a call; 1,000 is the page size it returns at most. */
  describeInstancesLowerBound: 1_000,
} as const;

/** The cluster a fan-out runs on, as the formulas see it. */
export interface ClusterShape {
  /** Short id, e.g. `10x10-awsvpc`. */
  id: string;
  /** Human title for tables. */
  title: string;
  /** S: services in the cluster (opted in or not). */
  services: number;
  /** O: services whose task definition opts in with the labels. */
  optedInServices: number;
  /** T: running tasks per service. */
  tasksPerService: number;
  networkMode: 'awsvpc' | 'bridge';
  /** C: EC2 container instances in the cluster (0 on Fargate). */
  containerInstances: number;
  /** R: distinct task definition revisions each service runs (1 in steady state). @default 1 */
  revisionsPerService?: number;
}

/** One operation's modelled count and how it was computed. */
export interface ModelledCall {
  operation: Operation;
  calls: number;
  /** Symbolic formula with the shape's values substituted, e.g. `ceil(S/10) = ceil(200/10) = 20`. */
  formula: string;
}

/** A strategy's calls for one shape. */
export interface ModelledFanOut {
  strategy: string;
  calls: ModelledCall[];
  total: number;
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

const call = (operation: Operation, calls: number, formula: string): ModelledCall => ({ operation, calls, formula: `${formula} = ${calls}` });

const fanOut = (strategy: string, calls: ModelledCall[]): ModelledFanOut => ({
  strategy,
  calls,
  total: calls.reduce((sum, c) => sum + c.calls, 0),
});

/** Container instances hosting opted-in tasks, assuming tasks spread over every instance. */
const hostsUsed = (shape: ClusterShape): number =>
  shape.networkMode === 'bridge' ? Math.min(shape.containerInstances, shape.optedInServices * shape.tasksPerService) : 0;

/**
 * Calls that resolve bridge tasks' addresses: the container instances, then their EC2 instances.
 * A container instance ARN is bound to one EC2 instance for life and its primary private IP never
 * changes, so warm (same instances) they are cached: 0.
 */
const addressCalls = (shape: ClusterShape, warm: boolean): ModelledCall[] => {
  if (shape.networkMode !== 'bridge') return [];
  const used = hostsUsed(shape);
  if (warm) {
    return [
      call('DescribeContainerInstances', 0, `0 (${used} instance addresses cached)`),
      call('DescribeInstances', 0, `0 (${used} instance addresses cached)`),
    ];
  }
  return [
    call('DescribeContainerInstances', ceilDiv(used, MODEL_LIMITS.describeContainerInstances), `ceil(Cused/100) = ceil(${used}/100)`),
    call('DescribeInstances', ceilDiv(used, MODEL_LIMITS.describeInstancesLowerBound), `ceil(Cused/1000) = ceil(${used}/1000)`),
  ];
};

const describeTaskDefinitions = (shape: ClusterShape, warm: boolean): ModelledCall => {
  const revisions = shape.revisionsPerService ?? 1;
  const distinct = shape.services * revisions;
  return warm
    ? call('DescribeTaskDefinition', 0, `0 (all ${distinct} revisions cached)`)
    : call('DescribeTaskDefinition', distinct, `S*R = ${shape.services}*${revisions}`);
};

/**
 * Service-scoped minimum: list and describe every service (labels live on task definitions, so
 * every service's revision must be read once), then list only the opted-in services' tasks and
 * describe them pooled 100 a call.
 */
export const serviceScopedMinimum = (shape: ClusterShape, warm: boolean): ModelledFanOut => {
  const { services: s, optedInServices: o, tasksPerService: t } = shape;
  return fanOut('service-scoped', [
    call('ListServices', ceilDiv(s, MODEL_LIMITS.listServicesPage), `ceil(S/100) = ceil(${s}/100)`),
    call('DescribeServices', ceilDiv(s, MODEL_LIMITS.describeServices), `ceil(S/10) = ceil(${s}/10)`),
    describeTaskDefinitions(shape, warm),
    call('ListTasks', o * Math.max(1, ceilDiv(t, MODEL_LIMITS.listTasksPage)), `O*ceil(T/100) = ${o}*ceil(${t}/100)`),
    call('DescribeTasks', ceilDiv(o * t, MODEL_LIMITS.describeTasks), `ceil(O*T/100) = ceil(${o * t}/100)`),
    ...addressCalls(shape, warm),
  ]);
};

/**
 * Cluster-scoped minimum: list every task of the cluster, describe them all (their `group` names
 * the service, `taskDefinitionArn` the revision), read each distinct revision once. Cheaper when
 * most services opt in; it never needs ListServices or DescribeServices.
 */
export const clusterScopedMinimum = (shape: ClusterShape, warm: boolean): ModelledFanOut => {
  const all = shape.services * shape.tasksPerService;
  return fanOut('cluster-scoped', [
    call('ListTasks', Math.max(1, ceilDiv(all, MODEL_LIMITS.listTasksPage)), `ceil(S*T/100) = ceil(${all}/100)`),
    call('DescribeTasks', ceilDiv(all, MODEL_LIMITS.describeTasks), `ceil(S*T/100) = ceil(${all}/100)`),
    describeTaskDefinitions(shape, warm),
    ...addressCalls(shape, warm),
  ]);
};

/**
 * The fewest calls any correct implementation needs for one event: the cheaper of the
 * service-scoped and the cluster-scoped strategy (by total calls).
 */
export const minimumCalls = (shape: ClusterShape, warm: boolean): ModelledFanOut => {
  const byService = serviceScopedMinimum(shape, warm);
  const byCluster = clusterScopedMinimum(shape, warm);
  return byCluster.total < byService.total ? byCluster : byService;
};

/**
 * The original design, per event and with no caches (so cold = warm): the shared listing and
 * describing calls, one DescribeTaskDefinition per service, and for every opted-in service a
 * ListContainerInstances (one page per 100 instances, at least one), a DescribeContainerInstances
 * (per 100 instances) and one DescribeInstances per container instance of the cluster; tasks listed
 * and described per service.
 */
export const originalDesignCalls = (shape: ClusterShape): ModelledFanOut => {
  const { services: s, optedInServices: o, tasksPerService: t, containerInstances: c } = shape;
  const taskPages = Math.max(1, ceilDiv(t, MODEL_LIMITS.listTasksPage));
  const instancePages = Math.max(1, ceilDiv(c, MODEL_LIMITS.listContainerInstancesPage));
  return fanOut('original design', [
    call('ListServices', ceilDiv(s, MODEL_LIMITS.listServicesPage), `ceil(S/100) = ceil(${s}/100)`),
    call('DescribeServices', ceilDiv(s, MODEL_LIMITS.describeServices), `ceil(S/10) = ceil(${s}/10)`),
    call('DescribeTaskDefinition', s, 'S'),
    call('ListTasks', o * taskPages, `O*ceil(T/100) = ${o}*${taskPages}`),
    call('DescribeTasks', o * ceilDiv(t, MODEL_LIMITS.describeTasks), `O*ceil(T/100) = ${o}*ceil(${t}/100)`),
    call('ListContainerInstances', o * instancePages, `O*max(1,ceil(C/100)) = ${o}*${instancePages}`),
    call('DescribeContainerInstances', o * ceilDiv(c, MODEL_LIMITS.describeContainerInstances), `O*ceil(C/100) = ${o}*ceil(${c}/100)`),
    call('DescribeInstances', o * c, `O*C = ${o}*${c}`),
  ]);
};

/** Calls of a modelled fan-out as a record keyed by operation. */
export const asCounts = (model: ModelledFanOut): CallCounts =>
  Object.fromEntries(model.calls.map((c) => [c.operation, c.calls])) as CallCounts;
