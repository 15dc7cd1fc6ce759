import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FaultSpecSchema } from './faults';

/**
 * The JSON cluster file the simulator serves: what ECS and EC2 report and which tasks listen.
 * Every field has the AWS meaning; defaults keep small files short.
 */

export const NetworkModeSpecSchema = z.enum(['awsvpc', 'bridge', 'host']);
export type NetworkModeSpec = z.infer<typeof NetworkModeSpecSchema>;

/** One container definition: `containerPort` is the port the app listens on inside the task. */
export const ContainerSpecSchema = z.object({
  name: z.string().min(1),
  image: z.string().min(1).optional(),
  /** Port the notify API listens on. @default the port label's value, else 8080 */
  containerPort: z.number().int().min(1).max(65_535).optional(),
  /** Docker labels, e.g. NOTIFY_ME_CONTAINER_PORT, NOTIFY_ME_API_URI, NOTIFY_ME_TOPICS. */
  dockerLabels: z.record(z.string(), z.string()).default({}),
  essential: z.boolean().default(true),
});
export type ContainerSpec = z.infer<typeof ContainerSpecSchema>;

/** One task definition revision (`family:revision`). */
export const TaskDefinitionSpecSchema = z.object({
  family: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
  revision: z.number().int().min(1).default(1),
  networkMode: NetworkModeSpecSchema,
  containers: z.array(ContainerSpecSchema).min(1),
});
export type TaskDefinitionSpec = z.infer<typeof TaskDefinitionSpecSchema>;

/** A deployment of a service: its revision and how many of its tasks are in which state. */
export const DeploymentSpecSchema = z.object({
  /** `family:revision` of a task definition in this file. */
  taskDefinition: z.string().regex(/^[A-Za-z0-9_-]+:\d+$/),
  /** PRIMARY is the newest; ACTIVE ones are still draining during a rolling deployment. */
  status: z.enum(['PRIMARY', 'ACTIVE']).default('PRIMARY'),
  /** Tasks with lastStatus RUNNING. */
  running: z.number().int().min(0).default(1),
  /** Tasks with desiredStatus RUNNING that are not RUNNING yet (lastStatus PENDING): must not be notified. */
  pending: z.number().int().min(0).default(0),
  /** Tasks already STOPPED (desiredStatus STOPPED): listed only with desiredStatus STOPPED. */
  stopped: z.number().int().min(0).default(0),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;

export const ServiceSpecSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
  launchType: z.enum(['EC2', 'FARGATE']).optional(),
  deployments: z.array(DeploymentSpecSchema).min(1),
});
export type ServiceSpec = z.infer<typeof ServiceSpecSchema>;

/** An EC2 container instance; its private IP is a loopback address chosen by the simulator. */
export const ContainerInstanceSpecSchema = z.object({
  /** EC2 instance id. @default generated */
  instanceId: z
    .string()
    .regex(/^i-[0-9a-f]{8,17}$/)
    .optional(),
});
export type ContainerInstanceSpec = z.infer<typeof ContainerInstanceSpecSchema>;

export const ClusterSpecSchema = z.object({
  /** Cluster name, e.g. `demo`. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/),
  region: z.string().default('eu-west-1'),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .default('000000000000'),
  /** Value of the service discovery function's ALLOWED_CLUSTERS. @default the cluster name */
  allowedClusters: z.array(z.string().min(1)).optional(),
  /**
   * Value of the service discovery function's SOURCE_ROUTES (which cluster an S3 bucket or a
   * DynamoDB table event goes to), passed through as is (objects are JSON-encoded).
   */
  sourceRoutes: z.unknown().optional(),
  /** Extra environment for the simulated functions, by function name. */
  functionEnv: z
    .object({
      'service-discovery': z.record(z.string(), z.string()).optional(),
      'task-discovery': z.record(z.string(), z.string()).optional(),
      'task-notify': z.record(z.string(), z.string()).optional(),
    })
    .default({}),
  /** EC2 container instances (bridge and host tasks are placed on them round-robin), or a count. */
  containerInstances: z.union([z.number().int().min(0), z.array(ContainerInstanceSpecSchema)]).default(0),
  taskDefinitions: z.array(TaskDefinitionSpecSchema).default([]),
  services: z.array(ServiceSpecSchema).default([]),
  /** Faults to inject (tests may pass more to startSimulation). */
  faults: FaultSpecSchema.optional(),
});
/** A cluster file as written (defaults optional). */
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
/** A parsed cluster file (defaults applied). */
export type ClusterSpec = z.infer<typeof ClusterSpecSchema>;

/** Validates a cluster description (JSON value) and applies the defaults; errors name the path. */
export const parseClusterSpec = (value: unknown): ClusterSpec => {
  const result = ClusterSpecSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`Invalid cluster file: ${issues}`);
  }
  const spec = result.data;
  const families = new Set(spec.taskDefinitions.map((td) => `${td.family}:${td.revision}`));
  if (families.size !== spec.taskDefinitions.length) throw new Error('Invalid cluster file: duplicate task definition family:revision');
  const names = new Set(spec.services.map((service) => service.name));
  if (names.size !== spec.services.length) throw new Error('Invalid cluster file: duplicate service name');
  for (const service of spec.services) {
    for (const deployment of service.deployments) {
      if (!families.has(deployment.taskDefinition)) {
        throw new Error(`Invalid cluster file: service ${service.name} runs unknown task definition ${deployment.taskDefinition}`);
      }
    }
  }
  return spec;
};

/** Reads and validates a cluster file. */
export const loadClusterFile = async (path: string): Promise<ClusterSpec> => {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Cluster file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseClusterSpec(json);
};
