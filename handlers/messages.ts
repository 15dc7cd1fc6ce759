import { z } from 'zod';

/**
 * Contracts of the messages that flow between the three functions. Each stage validates what it
 * receives with these schemas: a message that does not match can never succeed and is dead-lettered.
 */

/** An ECS cluster name (1-255 letters, digits, `-`, `_`) or a cluster ARN. */
export const ClusterRefSchema = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/,
    'must be an ECS cluster name or cluster ARN',
  );

/** What happened, normalised from whatever source delivered it. */
export const NotificationEventSchema = z.object({
  /** Stable across redeliveries: the first half of the deduplication key. */
  eventId: z.string().min(1),
  /** Where the event came from: `observer`, an EventBridge `source`, `aws:s3`, `aws:dynamodb`. */
  source: z.string().min(1),
  /** ISO-8601 time of the original event. */
  time: z.string().min(1),
  /** Optional topic; containers with a topics label only receive events of their topics. */
  topic: z.string().min(1).optional(),
  /** The cluster as the event named it (name or ARN). */
  cluster: ClusterRefSchema,
  /** Forwarded to the tasks as is. */
  detail: z.unknown(),
});
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;

export const NetworkModeSchema = z.enum(['awsvpc', 'bridge', 'host', 'none']);
export type NetworkMode = z.infer<typeof NetworkModeSchema>;

/** One labelled container of a task definition: where its notify API listens. */
export const NotifyTargetSchema = z.object({
  container: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  uri: z.string().startsWith('/'),
});
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;

/** The opted-in containers of one task definition revision that should hear this event. */
export const TaskDefinitionTargetsSchema = z.object({
  taskDefinitionArn: z.string().min(1),
  networkMode: NetworkModeSchema,
  targets: z.array(NotifyTargetSchema),
});
export type TaskDefinitionTargets = z.infer<typeof TaskDefinitionTargetsSchema>;

/**
 * Service queue message: one per opted-in service and event. Carries the targets of every task
 * definition revision the service's deployments run (a rolling deployment runs two or more).
 */
export const ServiceMessageSchema = NotificationEventSchema.extend({
  /** Service name. */
  service: z.string().min(1),
  serviceArn: z.string().min(1).optional(),
  taskDefinitions: z.array(TaskDefinitionTargetsSchema).min(1),
});
export type ServiceMessage = z.infer<typeof ServiceMessageSchema>;

/** Task queue message: one per (event, task, labelled container). */
export const TaskMessageSchema = NotificationEventSchema.extend({
  service: z.string().min(1),
  container: z.string().min(1),
  taskArn: z.string().min(1),
  /** IPv4 address the notify POST goes to. */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  uri: z.string().startsWith('/'),
});
export type TaskMessage = z.infer<typeof TaskMessageSchema>;

/** The JSON body POSTed to a task's notify API. */
export interface NotificationBody {
  eventId: string;
  source: string;
  topic: string | null;
  time: string;
  cluster: string;
  service: string;
  taskArn: string;
  detail: unknown;
}

export const notificationBody = (message: TaskMessage): NotificationBody => ({
  eventId: message.eventId,
  source: message.source,
  topic: message.topic ?? null,
  time: message.time,
  cluster: message.cluster,
  service: message.service,
  taskArn: message.taskArn,
  detail: message.detail ?? null,
});
