import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { API_LIMITS, DLQ_REASON_ATTRIBUTE, DLQ_SOURCE_MESSAGE_ID_ATTRIBUTE } from './constants';
import { PermanentError, TransientError } from './errors';

const MAX_ENTRY_ATTEMPTS = 3;
const MAX_MESSAGE_ATTRIBUTES = 10;

export interface SendMessagesOptions {
  /** Attempts for entries SQS reports `Failed` without a sender fault. @default 3 */
  maxAttempts?: number;
  /** Waits between attempts, for tests. @default exponential 50 ms, 100 ms ... */
  backoffMs?: (attempt: number) => number;
}

/** Bytes SQS counts for one entry: the body (UTF-8). */
const entryBytes = (body: string): number => Buffer.byteLength(body, 'utf8');

/**
 * Splits bodies into SendMessageBatch calls of at most 10 entries and 256 KiB each.
 * A body larger than the limit travels alone (SQS decides whether the queue accepts it).
 */
export const chunkForBatch = (bodies: readonly string[]): string[][] => {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = entryBytes(body);
    if (
      current.length > 0 &&
      (current.length === API_LIMITS.sendMessageBatchEntries || bytes + size > API_LIMITS.sendMessageBatchBytes)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every body to `queueUrl` with SendMessageBatch. Entries SQS reports `Failed` are retried
 * (never ignored); a sender fault (the message itself is wrong) is a PermanentError, entries still
 * failing after the attempts are a TransientError. Either way the caller's record does not succeed.
 *
 * @returns the number of messages sent
 */
export const sendMessages = async (
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  options: SendMessagesOptions = {},
): Promise<number> => {
  const maxAttempts = options.maxAttempts ?? MAX_ENTRY_ATTEMPTS;
  const backoff = options.backoffMs ?? ((attempt: number) => 50 * 2 ** (attempt - 1));
  for (const chunk of chunkForBatch(bodies)) {
    let pending: SendMessageBatchRequestEntry[] = chunk.map((body, index) => ({ Id: String(index), MessageBody: body }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = response.Failed ?? [];
      if (failed.length === 0) break;
      const senderFault = failed.find((entry) => entry.SenderFault);
      if (senderFault) {
        throw new PermanentError(
          `SQS refused a message for ${queueUrl}: ${senderFault.Code ?? 'unknown'} ${senderFault.Message ?? ''}`.trim(),
        );
      }
      if (attempt >= maxAttempts) {
        throw new TransientError(
          `SQS failed ${failed.length} message(s) for ${queueUrl} after ${attempt} attempts: ${failed[0]?.Code ?? 'unknown'}`,
        );
      }
      const failedIds = new Set(failed.map((entry) => entry.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await sleep(backoff(attempt));
    }
  }
  return bodies.length;
};

/**
 * Moves a record to the dead-letter queue at once: the original body, its message attributes (as
 * many as fit), the reason and the original message id as attributes. Throws if SQS refuses, so the
 * caller fails the record instead of losing it.
 */
export const moveToDeadLetterQueue = async (
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  record: Pick<SQSRecord, 'messageId' | 'body' | 'messageAttributes'>,
  reason: string,
): Promise<void> => {
  const attributes: Record<string, MessageAttributeValue> = {
    [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: reason.slice(0, 4_096) || 'unknown' },
    [DLQ_SOURCE_MESSAGE_ID_ATTRIBUTE]: { DataType: 'String', StringValue: record.messageId },
  };
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (Object.keys(attributes).length >= MAX_MESSAGE_ATTRIBUTES) break;
    if (name in attributes) continue;
    if (value.stringValue !== undefined) {
      attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    } else if (value.binaryValue !== undefined) {
      attributes[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
    }
  }
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      // SQS refuses an empty body; keep the evidence that it was empty.
      MessageBody: record.body.length > 0 ? record.body : '(empty message body)',
      MessageAttributes: attributes,
    }),
  );
};
