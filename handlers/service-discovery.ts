import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runSqsBatch } from './batch';
import { createEcsClient, createSqsClient } from './clients';
import { accountOfFunctionArn, type ClusterRef, parseAllowedClusters } from './clusters';
import { METRIC } from './constants';
import { processObserverEvent, type ServiceDiscoveryClients } from './discover-services';
import { labelNamesFromEnv, type LabelNames, positiveIntEnv, requireEnv } from './env';
import { errorMessage } from './errors';
import { parseObserverRecord } from './observer-input';
import { logger, metrics, recordLogger } from './observability';
import { parseSourceRoutes, type SourceRoute } from './routes';
import { TaskDefinitionCache } from './task-definitions';

/**
 * Service discovery: observer queue -> service queue. Reads every accepted input shape, refuses
 * clusters outside the allowlist before any ECS call, and queues one ServiceMessage per opted-in
 * service of the event's cluster.
 */

const clients: ServiceDiscoveryClients = { ecs: createEcsClient(), sqs: createSqsClient() };
const taskDefinitions = new TaskDefinitionCache();

/** Configuration of the service discovery function. */
export interface ServiceDiscoveryConfig {
  /** `SERVICE_QUEUE_URL`. */
  serviceQueueUrl: string;
  /** `DEAD_LETTER_QUEUE_URL`. */
  deadLetterQueueUrl: string;
  /** `ALLOWED_CLUSTERS`: names or ARNs. */
  allowedClusters: ClusterRef[];
  /** `SOURCE_ROUTES`: cluster and topic of S3 and DynamoDB sources. */
  routes: SourceRoute[];
  /** `PORT_LABEL` / `URI_LABEL` / `TOPICS_LABEL`. */
  labels: LabelNames;
  /** `MAX_RECEIVE_COUNT`, when set. */
  maxReceiveCount?: number;
  /** `AWS_REGION`: a cluster ARN elsewhere never matches an allowlisted name. */
  region?: string;
}

/**
 * Reads the configuration from `env`. Called synchronously at the start of every invocation (the
 * local simulator changes the environment between invocations); a bad value throws.
 */
export const loadServiceDiscoveryConfig = (env: NodeJS.ProcessEnv = process.env): ServiceDiscoveryConfig => {
  const maxReceiveCount = env.MAX_RECEIVE_COUNT?.trim() ? positiveIntEnv('MAX_RECEIVE_COUNT', 1, env) : undefined;
  const region = env.AWS_REGION?.trim() || undefined;
  return {
    serviceQueueUrl: requireEnv('SERVICE_QUEUE_URL', env),
    deadLetterQueueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
    allowedClusters: parseAllowedClusters(requireEnv('ALLOWED_CLUSTERS', env)),
    routes: parseSourceRoutes(env.SOURCE_ROUTES),
    labels: labelNamesFromEnv(env),
    ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }),
    ...(region === undefined ? {} : { region }),
  };
};

/** SQS handler of the observer queue; returns the partial batch response. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  let config: ServiceDiscoveryConfig;
  try {
    config = loadServiceDiscoveryConfig(process.env);
  } catch (error) {
    // The whole batch fails and SQS redelivers it once the configuration is fixed.
    logger.error('Configuration error; the batch fails and SQS will redeliver it', {
      error: errorMessage(error),
      records: event.Records.length,
    });
    throw error;
  }
  const account = accountOfFunctionArn(context.invokedFunctionArn);
  return runSqsBatch(event, context, {
    sqs: clients.sqs,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    logger,
    metrics,
    ...(config.maxReceiveCount === undefined ? {} : { maxReceiveCount: config.maxReceiveCount }),
    processRecord: async (record, recordLog) => {
      const input = parseObserverRecord(record, { ...config, account });
      for (const ignored of input.ignored) recordLog.info('Acknowledged and ignored', { ignored });
      for (const observerEvent of input.events) {
        const log = recordLogger(recordLog, { eventId: observerEvent.eventId, cluster: observerEvent.cluster });
        const result = await processObserverEvent(observerEvent, {
          clients,
          serviceQueueUrl: config.serviceQueueUrl,
          labels: config.labels,
          taskDefinitions,
          log,
        });
        metrics.addMetric(METRIC.servicesMatched, MetricUnit.Count, result.messages.length);
      }
    },
  });
};
