import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Dead-letter queues keep a message as long as SQS allows: 14 days to notice the alarm and redrive. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Encryption of every queue the construct creates: the customer key when given, SSE-SQS otherwise. */
export const queueEncryption = (key: kms.IKey | undefined): Pick<sqs.QueueProps, 'encryption' | 'encryptionMasterKey'> =>
  key ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key } : { encryption: sqs.QueueEncryption.SQS_MANAGED };

/** An encrypted, SSL-only dead-letter queue with 14 days retention. */
export const createDeadLetterQueue = (scope: Construct, id: string, key: kms.IKey | undefined): sqs.Queue =>
  new sqs.Queue(scope, id, {
    ...queueEncryption(key),
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });

/** A work queue and its dead-letter queue. */
export interface QueuePair {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

export interface QueuePairOptions {
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly encryptionKey?: kms.IKey;
  /** User overrides (observer queue only); encryption, SSL and the redrive policy stay the construct's. */
  readonly overrides?: sqs.QueueProps;
}

/** Creates `<id>Queue` and `<id>DeadLetterQueue`, redriving after `maxReceiveCount` receives. */
export const createQueuePair = (scope: Construct, id: string, options: QueuePairOptions): QueuePair => {
  const deadLetterQueue = createDeadLetterQueue(scope, `${id}DeadLetterQueue`, options.encryptionKey);
  const overrides = options.overrides ?? {};
  const queue = new sqs.Queue(scope, `${id}Queue`, {
    visibilityTimeout: options.visibilityTimeout,
    ...overrides,
    ...(overrides.encryption === undefined || options.encryptionKey ? queueEncryption(options.encryptionKey) : {}),
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
};
