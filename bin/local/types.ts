import type { ClusterSpec } from './cluster-spec';
import type { FaultSpec, FunctionName } from './faults';

/** Options of {@link Simulation} (see `startSimulation`). */
export interface SimulationOptions {
  cluster: ClusterSpec;
  /** Faults added to the cluster file's own. */
  faults?: FaultSpec;
  /** Event source mapping batch size per function. @default 10 each */
  batchSizes?: Partial<Record<FunctionName, number>>;
  /** maxReceiveCount of every queue's redrive policy, also passed as MAX_RECEIVE_COUNT. @default 3 */
  maxReceiveCount?: number;
  /** Visibility timeout of every queue, compressed to milliseconds; also the simulated function timeout. @default 6000 */
  visibilityTimeoutMs?: number;
  /** NOTIFY_TIMEOUT_MS of the task notify function. @default 1500 */
  notifyTimeoutMs?: number;
  /** Concurrent invocations per function (event source mapping maximum concurrency). @default 2 */
  lambdaConcurrency?: number;
  /** Called after every invocation and message move, e.g. to print a progress line. */
  onProgress?: (progress: Progress) => void;
}

/** Live state for a progress line. */
export interface Progress {
  invocations: Record<FunctionName, number>;
  /** Messages waiting or in flight per queue. */
  queued: Record<QueueRole, number>;
  /** Dead-lettered messages so far. */
  deadLettered: number;
  /** Notify POSTs received by the tasks so far. */
  posts: number;
}

export type QueueRole = 'observer' | 'service' | 'task';

/** Calls the simulated AWS endpoints received and handler invocations, per operation. */
export interface Counters {
  /** `ECS.ListServices`, `EC2.DescribeInstances` ... (failed calls included). */
  api: Record<string, number>;
  /** SQS operations: the handlers' API calls plus the event source mappings' ReceiveMessage / DeleteMessageBatch. */
  sqs: Record<string, number>;
  invocations: Record<FunctionName, number>;
}

/** One POST a task's listener received. */
export interface DeliveryReport {
  eventId: string | undefined;
  /** HTTP status the task answered (0: it never answered). */
  status: number;
  /** 1-based: the n-th POST this target received for this event. */
  attempt: number;
  /** Milliseconds from the event's observer message being sent to this POST arriving. */
  msFromEvent: number | undefined;
  topic: string | null | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** One notify target: a labelled container of a task. */
export interface TargetReport {
  container: string;
  /** `host:port` the simulated ECS/EC2 report for it. */
  address: string;
  uri: string;
  /** Topics label (undefined: every event). */
  topics: string[] | undefined;
  /** Accepted events this target should receive (RUNNING, opted in, topic wanted). */
  expectedEvents: string[];
  /** POSTs received, in arrival order. */
  deliveries: DeliveryReport[];
}

export interface TaskReport {
  taskArn: string;
  /** Last segment of the ARN. */
  taskId: string;
  taskDefinition: string;
  networkMode: string;
  lastStatus: string;
  /** Fault injected into this task, if any (e.g. `status 503`). */
  fault: string | undefined;
  targets: TargetReport[];
}

export interface ServiceReport {
  name: string;
  /** Whether any container of its task definitions carries both notify labels. */
  optedIn: boolean;
  tasks: TaskReport[];
}

/** A message in a dead-letter queue. */
export interface DeadLetterReport {
  /** Queue whose DLQ holds it. */
  queue: QueueRole;
  messageId: string;
  /** `reason` attribute set by the handler; undefined when SQS redrove it after maxReceiveCount. */
  reason: string | undefined;
  /** How it got there: moved by the handler, or redriven by SQS after maxReceiveCount. */
  movedBy: 'handler' | 'redrive';
  receiveCount: number;
  body: string;
}

/** An (event, target) pair that should have been notified and was not (no 2xx). */
export interface MissedTarget {
  eventId: string;
  service: string;
  taskArn: string;
  container: string;
  /** Statuses of the failed attempts (empty: never reached). */
  statuses: number[];
}

/** An (event, target) pair that received more than one successful POST. */
export interface DuplicateDelivery {
  eventId: string;
  service: string;
  taskArn: string;
  container: string;
  successfulPosts: number;
}

/** A POST received by a target that should not have heard the event. */
export interface UnexpectedDelivery {
  eventId: string | undefined;
  service: string;
  taskArn: string;
  container: string;
  reason: string;
}

/** An event as the service queue saw it: service discovery accepted it. */
export interface EventReport {
  eventId: string;
  topic: string | undefined;
  source: string | undefined;
  /** Services service discovery queued it for. */
  services: string[];
}

export interface ReplayReport {
  cluster: string;
  /** Observer messages sent (each delivery of a duplicated one counts once). */
  observerMessages: number;
  events: EventReport[];
  services: ServiceReport[];
  deadLetters: DeadLetterReport[];
  missed: MissedTarget[];
  duplicates: DuplicateDelivery[];
  unexpected: UnexpectedDelivery[];
  totals: {
    /** (event, target) pairs that should be notified: RUNNING, opted in, topic wanted, event accepted. */
    expected: number;
    /** Of those, pairs with at least one 2xx. */
    delivered: number;
    missed: number;
    duplicates: number;
    unexpected: number;
    /** Every POST received, successful or not. */
    posts: number;
    deadLetters: number;
    /** Median / max ms from event to first successful POST. */
    medianMs: number | undefined;
    maxMs: number | undefined;
  };
  counters: Counters;
}

/** Options of {@link Simulation.drain}. */
export interface DrainOptions {
  /** Give up (reject) after this long. @default 120000 */
  timeoutMs?: number;
}

/** A running simulated cluster with the three real handlers wired by simulated SQS queues. */
export interface Simulation {
  /** Sends a body to the observer queue; resolves to the SQS message id. */
  sendObserverMessage(body: string): Promise<string>;
  /** Runs the handlers until no queue holds a message (delivered, deleted or dead-lettered). */
  drain(options?: DrainOptions): Promise<void>;
  report(): ReplayReport;
  counters(): Counters;
  resetCounters(): void;
  /**
   * The simulated cluster as ECS names it. The first simulation in a process uses the cluster
   * file's account id, later ones the next ids (their ARNs must differ, see `buildCluster`), and
   * the simulated functions run in that same account: build cluster ARNs for events from here.
   */
  readonly cluster: { name: string; arn: string; accountId: string; region: string };
  /** Queue URLs and endpoints, for tests that call the endpoints directly. */
  readonly endpoints: {
    ecs: string;
    ec2: string;
    sqs: string;
    dynamodb: string;
    queues: Record<QueueRole | `${QueueRole}-dlq`, string>;
  };
  /** Closes the listeners and releases the simulated endpoints for the next simulation. */
  close(): Promise<void>;
}
