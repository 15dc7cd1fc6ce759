import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseRecordBody, runSqsBatch } from './batch';
import { createSqsClient } from './clients';
import { DEFAULT_NOTIFY_TIMEOUT_MS, METRIC } from './constants';
import { positiveIntEnv, requireEnv } from './env';
import { errorMessage, PermanentError, TransientError } from './errors';
import { DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, IdempotencyRetryLaterError, idempotentNotifier } from './idempotency';
import { TaskMessageSchema } from './messages';
import { createNotifyAgent, notifyTask } from './notify';
import { logger, metrics, recordLogger } from './observability';

/**
 * Task notify: task queue -> HTTP POST to one task target, at most once per (event, task,
 * container) thanks to Powertools idempotency in DynamoDB.
 */

const sqs = createSqsClient();
const agent = createNotifyAgent();

/** Configuration of the task notify function. */
export interface TaskNotifyConfig {
  /** `IDEMPOTENCY_TABLE_NAME`. */
  idempotencyTableName: string;
  /** `NOTIFY_TIMEOUT_MS`, default 5000: the whole POST, connect to last response byte. */
  notifyTimeoutMs: number;
  /** `DEAD_LETTER_QUEUE_URL`. */
  deadLetterQueueUrl: string;
  /** `MAX_RECEIVE_COUNT`, when set. */
  maxReceiveCount?: number;
  /** `IDEMPOTENCY_EXPIRY_SECONDS`, default 86400. */
  idempotencyExpirySeconds: number;
}

/** Reads the function's configuration; called synchronously at the start of every invocation. */
export const loadTaskNotifyConfig = (env: NodeJS.ProcessEnv = process.env): TaskNotifyConfig => {
  const maxReceiveCount = env.MAX_RECEIVE_COUNT?.trim() ? positiveIntEnv('MAX_RECEIVE_COUNT', 1, env) : undefined;
  return {
    idempotencyTableName: requireEnv('IDEMPOTENCY_TABLE_NAME', env),
    notifyTimeoutMs: positiveIntEnv('NOTIFY_TIMEOUT_MS', DEFAULT_NOTIFY_TIMEOUT_MS, env),
    deadLetterQueueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
    idempotencyExpirySeconds: positiveIntEnv('IDEMPOTENCY_EXPIRY_SECONDS', DEFAULT_IDEMPOTENCY_EXPIRY_SECONDS, env),
    ...(maxReceiveCount !== undefined ? { maxReceiveCount } : {}),
  };
};

/** SQS handler of the task queue; returns the partial batch response. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const config = loadTaskNotifyConfig(process.env);
  const notifier = idempotentNotifier({
    tableName: config.idempotencyTableName,
    expiresAfterSeconds: config.idempotencyExpirySeconds,
    notify: notifyTask,
  });
  notifier.registerLambdaContext(context);
  const postOptions = { agent, timeoutMs: config.notifyTimeoutMs };
  return runSqsBatch(event, context, {
    sqs,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    logger,
    metrics,
    ...(config.maxReceiveCount !== undefined ? { maxReceiveCount: config.maxReceiveCount } : {}),
    processRecord: async (record, recordLog) => {
      const message = parseRecordBody(record, TaskMessageSchema, 'task message');
      const log = recordLogger(recordLog, {
        eventId: message.eventId,
        cluster: message.cluster,
        service: message.service,
        taskArn: message.taskArn,
        container: message.container,
      });
      try {
        const result = await notifier.notifyOnce(message, postOptions);
        if (result.duplicate) {
          metrics.addMetric(METRIC.duplicatesSuppressed, MetricUnit.Count, 1);
          log.info('Already notified for this event; duplicate suppressed', { status: result.status });
          return;
        }
        metrics.addMetric(METRIC.tasksNotified, MetricUnit.Count, 1);
        log.info('Task notified', { status: result.status });
      } catch (error) {
        if (error instanceof IdempotencyRetryLaterError) {
          log.warn('Idempotency store cannot confirm this target yet; will be retried', { reason: error.message });
        } else if (error instanceof PermanentError) {
          metrics.addMetric(METRIC.notifyPermanentFailures, MetricUnit.Count, 1);
          log.error('Task refused the notification; not retried', { reason: error.message });
        } else if (error instanceof TransientError) {
          metrics.addMetric(METRIC.notifyTransientFailures, MetricUnit.Count, 1);
          log.warn('Notification failed; will be retried', { reason: errorMessage(error) });
        }
        throw error;
      }
    },
  });
};
