import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseRecordBody, runSqsBatch } from './batch';
import { createEc2Client, createEcsClient, createSqsClient } from './clients';
import { METRIC } from './constants';
import { type TaskDiscoveryClients, type TaskDiscoveryConfig, processServiceMessage } from './discover-tasks';
import { labelNamesFromEnv, positiveIntEnv, requireEnv } from './env';
import { ServiceMessageSchema } from './messages';
import { logger, metrics, recordLogger } from './observability';
import { ContainerInstanceIpCache } from './task-addresses';
import { TaskDefinitionCache } from './task-definitions';

/**
 * Task discovery: service queue -> task queue. For each ServiceMessage, finds the service's
 * RUNNING tasks, addresses each labelled container and queues one TaskMessage per target.
 */

const clients: TaskDiscoveryClients = { ecs: createEcsClient(), ec2: createEc2Client(), sqs: createSqsClient() };
const taskDefinitions = new TaskDefinitionCache();
const instanceIps = new ContainerInstanceIpCache();

/** Reads the function's configuration; called synchronously at the start of every invocation. */
export const loadTaskDiscoveryConfig = (env: NodeJS.ProcessEnv = process.env): TaskDiscoveryConfig => {
  const maxReceiveCount = env.MAX_RECEIVE_COUNT?.trim() ? positiveIntEnv('MAX_RECEIVE_COUNT', 1, env) : undefined;
  return {
    taskQueueUrl: requireEnv('TASK_QUEUE_URL', env),
    deadLetterQueueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
    labels: labelNamesFromEnv(env),
    ...(maxReceiveCount !== undefined ? { maxReceiveCount } : {}),
  };
};

/** SQS handler of the service queue; returns the partial batch response. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const config = loadTaskDiscoveryConfig(process.env);
  return runSqsBatch(event, context, {
    sqs: clients.sqs,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    logger,
    metrics,
    ...(config.maxReceiveCount !== undefined ? { maxReceiveCount: config.maxReceiveCount } : {}),
    processRecord: async (record, recordLog) => {
      const message = parseRecordBody(record, ServiceMessageSchema, 'service message');
      const log = recordLogger(recordLog, { eventId: message.eventId, cluster: message.cluster, service: message.service });
      const result = await processServiceMessage(message, {
        clients,
        labels: config.labels,
        taskDefinitions,
        instanceIps,
        log,
        taskQueueUrl: config.taskQueueUrl,
      });
      metrics.addMetric(METRIC.tasksFound, MetricUnit.Count, result.tasksFound);
    },
  });
};
