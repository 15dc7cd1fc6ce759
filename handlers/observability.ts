import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from './constants';

/**
 * One logger and one metrics instance per function (each handler bundle gets its own copy).
 * `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL` set by the construct tune them.
 */
export const logger = new Logger({ serviceName: 'ecs-task-notifier' });

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'ecs-task-notifier' });

/** Keys every log line of one record carries where known. */
export interface LogKeys {
  messageId?: string;
  eventId?: string;
  cluster?: string;
  service?: string;
  taskArn?: string;
  container?: string;
}

/** A child logger carrying the record's keys; records are processed in parallel, so no shared keys. */
export const recordLogger = (parent: Logger, keys: LogKeys): Logger =>
  parent.createChild({ persistentKeys: stripUndefined(keys) });

/**
 * Powertools reserves the `service` key (its own service name) and drops it with a warning, so the
 * ECS service goes out as `ecsService`.
 */
const stripUndefined = (keys: LogKeys): Record<string, string> =>
  Object.fromEntries(
    Object.entries(keys)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key === 'service' ? 'ecsService' : key, value]),
  ) as Record<string, string>;
