import type { DeliveryReport, ServiceReport, TargetReport, TaskReport } from '../bin/local/types';
import type { TaskMessage } from '../handlers/messages';

/** The part of the simulator's service report these helpers read. */
export interface ServiceDeliveries extends Pick<ServiceReport, 'name' | 'optedIn'> {
  tasks: (Pick<TaskReport, 'taskArn' | 'lastStatus'> & {
    targets: (Pick<TargetReport, 'container' | 'address' | 'uri'> & {
      deliveries: Pick<DeliveryReport, 'eventId' | 'status' | 'msFromEvent'>[];
    })[];
  })[];
}

/** How one event's notifications went, from the simulator's report. */
export interface EventDeliveryStats {
  /** Targets with at least one 2xx POST for the event. */
  notified: number;
  /** Targets with more than one 2xx POST for the event (must be 0). */
  duplicates: number;
  /** Milliseconds from the observer message to the first target's first 2xx POST. */
  firstMs: number | undefined;
  /** Milliseconds from the observer message to the last target's first 2xx POST. */
  lastMs: number | undefined;
}

const isSuccess = (status: number): boolean => status >= 200 && status <= 299;

/** Per-event delivery statistics: every target's first successful POST for `eventId`. */
export const eventDeliveryStats = (report: { services: readonly ServiceDeliveries[] }, eventId: string): EventDeliveryStats => {
  let notified = 0;
  let duplicates = 0;
  let firstMs: number | undefined;
  let lastMs: number | undefined;
  for (const service of report.services) {
    for (const task of service.tasks) {
      for (const target of task.targets) {
        const successes = target.deliveries.filter((delivery) => delivery.eventId === eventId && isSuccess(delivery.status));
        if (successes.length === 0) continue;
        notified++;
        if (successes.length > 1) duplicates++;
        const first = successes[0]!.msFromEvent;
        if (first !== undefined && (lastMs === undefined || first > lastMs)) lastMs = first;
        if (first !== undefined && (firstMs === undefined || first < firstMs)) firstMs = first;
      }
    }
  }
  return { notified, duplicates, firstMs, lastMs };
};

/** `host:port` split; IPv6 hosts may come bracketed. */
export const splitAddress = (address: string): { host: string; port: number } => {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${address}`);
  return { host: match[1]!, port: Number(match[2]) };
};

/**
 * The task messages the pipeline would produce for `event`: one per target of every RUNNING task of
 * every opted-in service, addressed as the simulator reports it. The bare loop POSTs exactly these.
 */
export const taskMessagesFromReport = (
  report: { services: readonly ServiceDeliveries[]; cluster: string },
  event: { eventId: string; source: string; time: string; detail: unknown },
): TaskMessage[] => {
  const messages: TaskMessage[] = [];
  for (const service of report.services) {
    if (!service.optedIn) continue;
    for (const task of service.tasks) {
      if (task.lastStatus !== 'RUNNING') continue;
      for (const target of task.targets) {
        const { host, port } = splitAddress(target.address);
        messages.push({
          ...event,
          cluster: report.cluster,
          service: service.name,
          container: target.container,
          taskArn: task.taskArn,
          host,
          port,
          uri: target.uri,
        });
      }
    }
  }
  return messages;
};
