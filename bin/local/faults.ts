import { z } from 'zod';

/**
 * Faults the simulator injects, from the cluster file (`faults`) or a test. Each one models
 * something AWS or a task really does; the e2e tests prove the pipeline still notifies every task
 * exactly once, or dead-letters the message with a reason when delivery is impossible.
 */

/** A burst of errors from a simulated AWS API. */
export const AwsFaultSchema = z.object({
  service: z.enum(['ECS', 'EC2', 'SQS']),
  /** Operation name, e.g. `DescribeTasks`; every operation of the service when unset. */
  operation: z.string().min(1).optional(),
  /**
   * `throttle`: ECS `ThrottlingException` (400), EC2 `RequestLimitExceeded` (503), SQS
   * `ThrottlingException` (400). `server-error`: ECS `ServerException` (500), EC2 `InternalError`
   * (500), SQS `InternalError` (500).
   */
  kind: z.enum(['throttle', 'server-error']),
  /** Consecutive matching calls that fail. */
  count: z.number().int().min(1),
  /** Matching calls that succeed before the burst starts. @default 0 */
  after: z.number().int().min(0).default(0),
});
export type AwsFault = z.infer<typeof AwsFaultSchema>;

/** Which task (and optionally which container) a task fault applies to. */
export const TaskSelectorSchema = z.object({
  service: z.string().min(1),
  /** Index among the service's RUNNING tasks, in ListTasks order. @default every RUNNING task */
  task: z.number().int().min(0).optional(),
  /** Container name. @default every labelled container */
  container: z.string().min(1).optional(),
});
export type TaskSelector = z.infer<typeof TaskSelectorSchema>;

/** How a task's notify API misbehaves. */
export const TaskBehaviourSchema = z.discriminatedUnion('kind', [
  /** Answers with this status (4xx, 5xx) `times` times, then 200. @default times: always */
  z.object({ kind: z.literal('status'), status: z.number().int().min(100).max(599), times: z.number().int().min(1).optional() }),
  /** Answers 200 after `delayMs` (past the notify timeout) `times` times, then at once. */
  z.object({ kind: z.literal('slow'), delayMs: z.number().int().min(1), times: z.number().int().min(1).optional() }),
  /** Accepts the connection and never answers. */
  z.object({ kind: z.literal('hang') }),
  /** Nothing listens: connections are refused. */
  z.object({ kind: z.literal('refuse') }),
  /** RUNNING when discovered; after the first DescribeTasks that reports it, it stops: its listener closes and ECS reports it STOPPED. */
  z.object({ kind: z.literal('stop-after-discovery') }),
]);
export type TaskBehaviour = z.infer<typeof TaskBehaviourSchema>;

export const TaskFaultSchema = TaskSelectorSchema.extend({ behaviour: TaskBehaviourSchema });
export type TaskFault = z.infer<typeof TaskFaultSchema>;

/** Function names of the pipeline, as the simulator counts their invocations. */
export const FUNCTION_NAMES = ['service-discovery', 'task-discovery', 'task-notify'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * A crashed invocation: its response is lost (the runtime died after doing its work), so the event
 * source mapping deletes nothing and the whole batch is redelivered after the visibility timeout.
 */
export const CrashFaultSchema = z.object({
  function: z.enum(FUNCTION_NAMES),
  /** Which invocation of that function crashes (1-based). @default 1 */
  invocation: z.number().int().min(1).default(1),
  /**
   * task-notify only: the crash happens once tasks have received this many POSTs while that
   * invocation runs (POSTs of concurrent invocations count too: use lambdaConcurrency 1 for a
   * precise count). The rest of the batch still runs to completion, its answer is lost. @default 1
   */
  afterPosts: z.number().int().min(1).default(1),
});
export type CrashFault = z.infer<typeof CrashFaultSchema>;

export const FaultSpecSchema = z.object({
  aws: z.array(AwsFaultSchema).default([]),
  tasks: z.array(TaskFaultSchema).default([]),
  crashes: z.array(CrashFaultSchema).default([]),
  /** Standard SQS at-least-once: every observer message is delivered this many times (same message id). @default 1 */
  observerDeliveries: z.number().int().min(1).max(10).default(1),
});
/** Faults as written in a cluster file or a test (defaults optional). */
export type FaultSpec = z.input<typeof FaultSpecSchema>;
export type ResolvedFaultSpec = z.infer<typeof FaultSpecSchema>;

/** Merges the cluster file's faults with a test's. */
export const mergeFaults = (...specs: (FaultSpec | undefined)[]): ResolvedFaultSpec => {
  const parsed = specs.filter((spec): spec is FaultSpec => spec !== undefined).map((spec) => FaultSpecSchema.parse(spec));
  return {
    aws: parsed.flatMap((spec) => spec.aws),
    tasks: parsed.flatMap((spec) => spec.tasks),
    crashes: parsed.flatMap((spec) => spec.crashes),
    observerDeliveries: Math.max(1, ...parsed.map((spec) => spec.observerDeliveries)),
  };
};
