/**
 * The offline simulator: a simulated ECS cluster of real HTTP tasks on loopback, local ECS / EC2 /
 * SQS endpoints, dynalite, and the three real handlers wired with Lambda + SQS semantics. Used by
 * `npm run replay`, the end-to-end tests and the benchmark.
 */
export {
  type ClusterSpec,
  type ClusterSpecInput,
  type ContainerSpec,
  type DeploymentSpec,
  type NetworkModeSpec,
  type ServiceSpec,
  type TaskDefinitionSpec,
  loadClusterFile,
  parseClusterSpec,
} from './cluster-spec';
export {
  type AwsFault,
  type CrashFault,
  type FaultSpec,
  type FunctionName,
  type TaskBehaviour,
  type TaskFault,
  FUNCTION_NAMES,
} from './faults';
export { type GenerateClusterOptions, generateCluster } from './generate';
export { formatReport } from './report';
export { startSimulation } from './simulation';
export type * from './types';
