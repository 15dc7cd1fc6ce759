import { DEFAULT_LABELS, DLQ_REASON_ATTRIBUTE, DLQ_SOURCE_MESSAGE_ID_ATTRIBUTE, NOTIFY_HEADERS } from '../../handlers/constants';
import { containerTargets, parseTopicsLabel } from '../../handlers/labels';
import type { ClusterSpec } from './cluster-spec';
import type { SimQueue } from './sqs-broker';
import { describeBehaviour, type ReceivedRequest, type TaskListeners } from './task-listeners';
import type {
  Counters,
  DeadLetterReport,
  DeliveryReport,
  DuplicateDelivery,
  EventReport,
  MissedTarget,
  QueueRole,
  ReplayReport,
  ServiceReport,
  TargetReport,
  UnexpectedDelivery,
} from './types';
import { isLabelled, type SimCluster, type SimTask } from './world';

/** An observer message as sent. */
export interface ObserverSend {
  sentAt: number;
  /** SQS message id (service discovery falls back to it, or `<id>#<n>`, as the event id). */
  messageId?: string;
  /** `eventId` of an observer wrapper message. */
  eventId?: string;
  /** Service names the observer wrapper restricts the event to. */
  services?: string[];
}

/** Reads the `eventId` and `services` of an observer wrapper message; other bodies give nothing. */
export const observerSend = (body: string, sentAt = Date.now()): ObserverSend => {
  const send: ObserverSend = { sentAt };
  try {
    const json = JSON.parse(body) as { eventId?: unknown; services?: unknown };
    if (json && typeof json === 'object') {
      if (typeof json.eventId === 'string') send.eventId = json.eventId;
      if (Array.isArray(json.services) && json.services.every((item) => typeof item === 'string')) {
        send.services = (json.services as string[]).map((ref) => ref.slice(ref.lastIndexOf('/') + 1));
      }
    }
  } catch {
    // not JSON: no restriction
  }
  return send;
};

/** What the simulation saw flowing through the pipeline. */
export interface EventTrace {
  /** Observer messages sent: when, and the services they name (observer wrapper `services`), if any. */
  observerSends: ObserverSend[];
  /** Events service discovery accepted (seen on the service queue). */
  events: Map<string, { eventId: string; topic: string | undefined; source: string | undefined; services: Set<string>; firstSeenAt: number }>;
  /** Last ApproximateReceiveCount a handler saw per message id. */
  lastReceiveCount: Map<string, number>;
}

export interface ReportInput {
  spec: ClusterSpec;
  world: SimCluster;
  listeners: TaskListeners;
  trace: EventTrace;
  queues: Record<QueueRole | `${QueueRole}-dlq`, SimQueue>;
  counters: Counters;
}

const LABELS = { port: DEFAULT_LABELS.port, uri: DEFAULT_LABELS.uri, topics: DEFAULT_LABELS.topics };

const targetKey = (eventId: string | undefined, taskArn: string, container: string): string => `${eventId ?? '?'}|${taskArn}|${container}`;

const eventIdOf = (request: ReceivedRequest): string | undefined => {
  const body = request.body as { eventId?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.eventId === 'string') return body.eventId;
  return request.headers[NOTIFY_HEADERS.eventId];
};

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
};

/** Whether a container of a RUNNING task should hear an event of `topic` (same rules as the pipeline). */
const wantsEvent = (task: SimTask, container: string, topic: string | undefined): boolean => {
  if (task.lastStatus !== 'RUNNING') return false;
  const definition = task.taskDefinition.containers.find((candidate) => candidate.name === container);
  if (!definition) return false;
  return containerTargets([{ name: definition.name, dockerLabels: definition.dockerLabels }], LABELS, topic).targets.length > 0;
};

/** Builds the report: expectations from the cluster and the accepted events, facts from the listeners and queues. */
export const buildReport = (input: ReportInput): ReplayReport => {
  const { world, listeners, trace, queues } = input;
  const events: EventReport[] = [...trace.events.values()].map((event) => ({
    eventId: event.eventId,
    topic: event.topic,
    source: event.source,
    services: [...event.services].sort(),
  }));
  /**
   * The observer message of an event: the one carrying its event id, else the last one sent
   * before service discovery queued the event.
   */
  const namedSendOf = (eventId: string | undefined): ObserverSend | undefined =>
    eventId === undefined
      ? undefined
      : trace.observerSends.find((send) =>
          [send.eventId, send.messageId].some((id) => id !== undefined && (eventId === id || eventId.startsWith(`${id}#`))),
        );
  const sendOf = (eventId: string | undefined): ObserverSend | undefined => {
    const named = namedSendOf(eventId);
    if (named) return named;
    const event = eventId === undefined ? undefined : trace.events.get(eventId);
    const limit = event?.firstSeenAt ?? Number.POSITIVE_INFINITY;
    let origin: ObserverSend | undefined;
    for (const send of trace.observerSends) if (send.sentAt <= limit && (origin === undefined || send.sentAt > origin.sentAt)) origin = send;
    return origin;
  };
  const originOf = (eventId: string | undefined): number | undefined => sendOf(eventId)?.sentAt;

  const byTarget = new Map<string, ReceivedRequest[]>();
  for (const request of listeners.received) {
    const key = `${request.task.arn}|${request.container}`;
    const list = byTarget.get(key) ?? [];
    list.push(request);
    byTarget.set(key, list);
  }

  const expected = new Set<string>();
  const missed: MissedTarget[] = [];
  const successful = new Map<string, number>();
  const firstSuccessMs: number[] = [];
  for (const request of listeners.received) {
    if (request.status >= 200 && request.status < 300) {
      const key = targetKey(eventIdOf(request), request.task.arn, request.container);
      successful.set(key, (successful.get(key) ?? 0) + 1);
    }
  }
  for (const event of trace.events.values()) {
    // Only a send known to carry this event restricts it (never a neighbour sent at the same time).
    const only = namedSendOf(event.eventId)?.services;
    for (const task of world.tasks.values()) {
      if (only && !only.includes(task.service)) continue;
      for (const container of task.containers) {
        if (!wantsEvent(task, container.name, event.topic)) continue;
        const key = targetKey(event.eventId, task.arn, container.name);
        expected.add(key);
        if ((successful.get(key) ?? 0) > 0) {
          const first = byTarget
            .get(`${task.arn}|${container.name}`)
            ?.find((request) => eventIdOf(request) === event.eventId && request.status >= 200 && request.status < 300);
          const origin = originOf(event.eventId);
          if (first && origin !== undefined) firstSuccessMs.push(first.receivedAt - origin);
          continue;
        }
        missed.push({
          eventId: event.eventId,
          service: task.service,
          taskArn: task.arn,
          container: container.name,
          statuses: (byTarget.get(`${task.arn}|${container.name}`) ?? [])
            .filter((request) => eventIdOf(request) === event.eventId)
            .map((request) => request.status),
        });
      }
    }
  }

  const duplicates: DuplicateDelivery[] = [];
  for (const [key, count] of successful) {
    if (count < 2) continue;
    const [eventId, taskArn, container] = key.split('|') as [string, string, string];
    duplicates.push({ eventId, service: world.tasks.get(taskArn)?.service ?? '?', taskArn, container, successfulPosts: count });
  }

  const unexpected: UnexpectedDelivery[] = [];
  for (const request of listeners.received) {
    const eventId = eventIdOf(request);
    const container = request.task.taskDefinition.containers.find((candidate) => candidate.name === request.container);
    const uri = container?.dockerLabels[DEFAULT_LABELS.uri];
    let reason: string | undefined;
    if (!expected.has(targetKey(eventId, request.task.arn, request.container))) {
      reason = !container || !isLabelled(container)
        ? 'container did not opt in'
        : request.task.lastStatus !== 'RUNNING' && !trace.events.has(eventId ?? '')
          ? `task is ${request.task.lastStatus}`
          : eventId === undefined
            ? 'no event id in the request'
            : trace.events.has(eventId)
              ? `not wanted (task ${request.task.lastStatus}, topics ${container.dockerLabels[DEFAULT_LABELS.topics] ?? 'any'}, event topic ${trace.events.get(eventId)?.topic ?? 'none'})`
              : 'event never accepted by service discovery';
      // A task that stopped after discovery may have been reached before it stopped: expected then.
      if (request.task.lastStatus === 'STOPPED' && trace.events.has(eventId ?? '') && container && isLabelled(container)) reason = undefined;
    } else if (request.method !== 'POST') {
      reason = `method ${request.method}`;
    } else if (uri !== undefined && request.path !== uri) {
      reason = `path ${request.path} instead of ${uri}`;
    }
    if (reason) unexpected.push({ eventId, service: request.task.service, taskArn: request.task.arn, container: request.container, reason });
  }

  const services: ServiceReport[] = world.services.map((service) => ({
    name: service.name,
    optedIn: service.deployments.some((deployment) => deployment.taskDefinition.containers.some(isLabelled)),
    tasks: service.tasks.map((task) => ({
      taskArn: task.arn,
      taskId: task.id,
      taskDefinition: `${task.taskDefinition.family}:${task.taskDefinition.revision}`,
      networkMode: task.taskDefinition.networkMode,
      lastStatus: task.lastStatus,
      fault: task.containers.map((container) => describeBehaviour(listeners.behaviourOf(task, container.name))).find(Boolean),
      targets: task.containers
        .filter((container) => isLabelled(task.taskDefinition.containers.find((candidate) => candidate.name === container.name)!))
        .map((container) => {
          const attempts = new Map<string, number>();
          const deliveries: DeliveryReport[] = (byTarget.get(`${task.arn}|${container.name}`) ?? []).map((request) => {
            const eventId = eventIdOf(request);
            const attempt = (attempts.get(eventId ?? '?') ?? 0) + 1;
            attempts.set(eventId ?? '?', attempt);
            const origin = originOf(eventId);
            const body = request.body as { topic?: string | null } | undefined;
            return {
              eventId,
              status: request.status,
              attempt,
              msFromEvent: origin === undefined ? undefined : request.receivedAt - origin,
              topic: body && typeof body === 'object' ? body.topic : undefined,
              headers: request.headers,
              body: request.body,
            };
          });
          return {
            container: container.name,
            address: `${task.address}:${container.hostPort}`,
            uri: container.labels[DEFAULT_LABELS.uri] ?? '',
            expectedEvents: [...trace.events.keys()].filter((eventId) => expected.has(targetKey(eventId, task.arn, container.name))),
            topics: parseTopicsLabel(container.labels[DEFAULT_LABELS.topics]),
            deliveries,
          };
        }),
    })),
  }));

  const deadLetters: DeadLetterReport[] = (['observer', 'service', 'task'] as const).flatMap((role) =>
    queues[`${role}-dlq`].messages.map((message): DeadLetterReport => {
      const reason = message.attributes[DLQ_REASON_ATTRIBUTE]?.StringValue;
      const sourceId = message.attributes[DLQ_SOURCE_MESSAGE_ID_ATTRIBUTE]?.StringValue;
      const movedBy = message.deadLetter?.movedBy ?? (reason !== undefined ? 'handler' : 'redrive');
      return {
        queue: role,
        messageId: sourceId ?? message.messageId,
        reason,
        movedBy,
        receiveCount: message.deadLetter?.receiveCount ?? trace.lastReceiveCount.get(sourceId ?? message.messageId) ?? 0,
        body: message.body,
      };
    }),
  );

  return {
    cluster: world.name,
    observerMessages: trace.observerSends.length,
    events,
    services,
    deadLetters,
    missed,
    duplicates,
    unexpected,
    totals: {
      expected: expected.size,
      delivered: expected.size - missed.length,
      missed: missed.length,
      duplicates: duplicates.length,
      unexpected: unexpected.length,
      posts: listeners.received.length,
      deadLetters: deadLetters.length,
      medianMs: median(firstSuccessMs),
      maxMs: firstSuccessMs.length > 0 ? Math.max(...firstSuccessMs) : undefined,
    },
    counters: input.counters,
  };
};

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** One target's outcome in words: per event delivered once, more than once, or not at all. */
const targetVerdict = (target: TargetReport, lastStatus: string): string => {
  const byEvent = new Map<string, DeliveryReport[]>();
  for (const delivery of target.deliveries) {
    const list = byEvent.get(delivery.eventId ?? '?') ?? [];
    list.push(delivery);
    byEvent.set(delivery.eventId ?? '?', list);
  }
  const statuses = (deliveries: DeliveryReport[]): string => deliveries.map((delivery) => delivery.status || 'no answer').join(',');
  const problems: string[] = [];
  const delivered: DeliveryReport[] = [];
  for (const eventId of new Set([...target.expectedEvents, ...byEvent.keys()])) {
    const deliveries = byEvent.get(eventId) ?? [];
    const ok = deliveries.filter((delivery) => isSuccess(delivery.status));
    if (ok.length > 1) problems.push(`DUPLICATE x${ok.length} (event ${eventId}, statuses ${statuses(deliveries)})`);
    else if (ok.length === 0 && target.expectedEvents.includes(eventId)) {
      problems.push(deliveries.length > 0 ? `NOT delivered (event ${eventId}, statuses ${statuses(deliveries)})` : `MISSED (event ${eventId})`);
    } else if (ok.length === 0) problems.push(`UNEXPECTED request (event ${eventId}, statuses ${statuses(deliveries)})`);
    else delivered.push(ok[0]!);
  }
  if (problems.length > 0) return problems.join('; ');
  if (delivered.length === 0) {
    if (lastStatus !== 'RUNNING') return `- (task ${lastStatus}: not notified)`;
    return `- (not for this event${target.topics ? `: topics ${target.topics.join('|')}` : ''})`;
  }
  const attempts = target.deliveries.length;
  const ms = delivered.map((delivery) => delivery.msFromEvent ?? 0);
  return delivered.length === 1
    ? `delivered  HTTP ${delivered[0]!.status}  attempts ${attempts}  ${delivered[0]!.msFromEvent ?? '?'} ms`
    : `delivered ${delivered.length} events once each  attempts ${attempts}  max ${Math.max(...ms)} ms`;
};

const shortArn = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1, arn.lastIndexOf('/') + 9);

const truncate = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** A readable multi-line report: per service and task, the DLQ, totals and API calls. */
export const formatReport = (report: ReplayReport): string => {
  const lines: string[] = [];
  lines.push(`Cluster ${report.cluster}: ${report.observerMessages} observer message(s), ${report.events.length} event(s) accepted`);
  for (const event of report.events) {
    lines.push(`  event ${event.eventId} (source ${event.source ?? '?'}, topic ${event.topic ?? 'none'}) -> ${event.services.join(', ') || 'no service'}`);
  }
  lines.push('');
  for (const service of report.services) {
    lines.push(`${service.optedIn ? '●' : '○'} ${service.name}${service.optedIn ? '' : '  (not opted in)'}`);
    for (const task of service.tasks) {
      const note = [task.targets.length === 0 && task.lastStatus !== 'RUNNING' ? task.lastStatus : undefined, task.fault].filter(Boolean).join(', ');
      if (task.targets.length === 0) {
        lines.push(`    task ${shortArn(task.taskArn)} ${task.taskDefinition} ${task.networkMode}${note ? `  [${note}]` : ''}`);
        continue;
      }
      for (const target of task.targets) {
        const verdict = targetVerdict(target, task.lastStatus);
        lines.push(
          `    task ${shortArn(task.taskArn)} ${task.taskDefinition} ${task.networkMode} ${target.container} @ ${target.address}${target.uri}  ${verdict}${note ? `  [${note}]` : ''}`,
        );
      }
    }
  }
  lines.push('');
  if (report.deadLetters.length === 0) lines.push('Dead-letter queues: empty');
  else {
    lines.push(`Dead-letter queues: ${report.deadLetters.length} message(s)`);
    for (const entry of report.deadLetters) {
      lines.push(
        `  ${entry.queue}-dlq ${entry.messageId} (${entry.movedBy}, ${entry.receiveCount} receive(s)): ${entry.reason ?? 'maxReceiveCount exceeded'}  body ${truncate(entry.body.replace(/\s+/g, ' '), 80)}`,
      );
    }
  }
  for (const item of report.missed) lines.push(`MISSED ${item.service} ${shortArn(item.taskArn)} ${item.container} event ${item.eventId} statuses ${item.statuses.join(',') || 'none'}`);
  for (const item of report.duplicates) lines.push(`DUPLICATE ${item.service} ${shortArn(item.taskArn)} ${item.container} event ${item.eventId} x${item.successfulPosts}`);
  for (const item of report.unexpected) lines.push(`UNEXPECTED ${item.service} ${shortArn(item.taskArn)} ${item.container} event ${item.eventId ?? '?'}: ${item.reason}`);
  const t = report.totals;
  lines.push('');
  lines.push(
    `Totals: ${t.delivered}/${t.expected} targets notified, ${t.missed} missed, ${t.duplicates} duplicate(s), ${t.unexpected} unexpected, ${t.posts} POST(s), ${t.deadLetters} dead-lettered; event to delivery median ${t.medianMs ?? '-'} ms, max ${t.maxMs ?? '-'} ms`,
  );
  const calls = (record: Record<string, number>): string =>
    Object.entries(record)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  lines.push(`AWS calls: ${calls(report.counters.api)}`);
  lines.push(`SQS calls: ${calls(report.counters.sqs)}`);
  lines.push(`Invocations: ${calls(report.counters.invocations)}`);
  return lines.join('\n');
};
