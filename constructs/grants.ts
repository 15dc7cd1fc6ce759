import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** The SQS actions a producer needs (what `grantSendMessages` grants on the queue). */
export const SEND_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] as const;

/**
 * The KMS actions an SQS producer needs on the queue's key. CDK's `grantSendMessages` grants
 * `kms:GenerateDataKey*` and `kms:ReEncrypt*` as well; SQS only calls these two.
 */
export const SEND_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** Lets `grantee` send to `queue`, with exact (wildcard-free) actions on the queue and on its key. */
export const grantSendExact = (queue: sqs.IQueue, grantee: iam.IGrantable): void => {
  queue.grant(grantee, ...SEND_ACTIONS);
  queue.encryptionMasterKey?.grant(grantee, ...SEND_KEY_ACTIONS);
};

/**
 * The KMS actions the idempotency table's reads and writes need on a customer managed key
 * (DynamoDB encrypts and decrypts the table key on the caller's behalf), without wildcards.
 */
export const grantTableKey = (key: kms.IKey, grantee: iam.IGrantable): void => {
  key.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
};
