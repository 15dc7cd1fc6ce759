import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { METRIC } from './constants';
import { errorMessage, PermanentError } from './errors';
import { recordLogger } from './observability';
import { moveToDeadLetterQueue } from './sqs';

export interface SqsBatchOptions {
  sqs: SQSClient;
  /** Where permanently unprocessable records go, with the reason. */
  deadLetterQueueUrl: string;
  logger: Logger;
  metrics: Metrics;
  /**
   * Processes one record. Throw a {@link PermanentError} for a record that can never succeed (it is
   * dead-lettered at once); any other error fails the record so SQS redelivers it.
   */
  processRecord: (record: SQSRecord, log: Logger) => Promise<void>;
  /**
   * The source queue's max receive count (`MAX_RECEIVE_COUNT`). On the last receive a record that
   * fails transiently is moved to the dead-letter queue by the handler itself, with the reason,
   * instead of by SQS's redrive without one. Unset: SQS's redrive policy alone decides.
   */
  maxReceiveCount?: number;
}

/**
 * Runs an SQS batch with Powertools' BatchProcessor and returns the partial batch response.
 * A permanent failure is moved to the dead-letter queue and counts as handled, so it neither
 * blocks nor fails its neighbours; if the move itself fails, the record fails and SQS retries it:
 * nothing is dropped without a log line.
 */
export const runSqsBatch = async (
  event: SQSEvent,
  context: Context,
  options: SqsBatchOptions,
): Promise<SQSBatchResponse> => {
  options.logger.addContext(context);
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const log = recordLogger(options.logger, { messageId: record.messageId });
    try {
      await options.processRecord(record, log);
    } catch (error) {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      const lastReceive = options.maxReceiveCount !== undefined && receiveCount >= options.maxReceiveCount;
      if (!(error instanceof PermanentError) && !lastReceive) {
        log.warn('Record failed; SQS will redeliver it', { error: errorMessage(error), receiveCount });
        throw error;
      }
      const reason =
        error instanceof PermanentError
          ? error.message
          : `gave up after ${receiveCount} receive(s): ${errorMessage(error)}`;
      try {
        await moveToDeadLetterQueue(options.sqs, options.deadLetterQueueUrl, record, reason);
      } catch (dlqError) {
        log.error('Could not move record to the dead-letter queue; it fails and SQS retries it', {
          reason,
          error: errorMessage(dlqError),
        });
        throw dlqError;
      }
      if (error instanceof PermanentError) options.metrics.addMetric(METRIC.inputsRejected, MetricUnit.Count, 1);
      log.error('Record moved to the dead-letter queue', { reason });
    }
  };
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    options.metrics.publishStoredMetrics();
  }
};

/**
 * Parses a record body as JSON and validates it against `schema`; anything else is a
 * {@link PermanentError} whose message says what is wrong.
 */
export const parseRecordBody = <S extends z.ZodType>(record: Pick<SQSRecord, 'body'>, schema: S, what: string): z.infer<S> => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new PermanentError(`${what}: body is not JSON`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new PermanentError(`${what}: ${issues}`);
  }
  return result.data;
};
