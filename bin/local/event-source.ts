import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SimMessage, SimQueue, SqsBroker } from './sqs-broker';

/**
 * A Lambda SQS event source mapping with ReportBatchItemFailures: polls its queue, invokes the
 * function with batches of up to `batchSize` records, up to `concurrency` invocations at once;
 * deletes the records the response does not list as failed; a failed invocation (thrown error,
 * crash, timeout, malformed response) deletes nothing, so the whole batch comes back after the
 * visibility timeout. SQS's redrive moves a message to the DLQ after maxReceiveCount receives.
 */

/** What an invocation ended with, as the event source mapping sees it. */
export type InvocationOutcome = { response: SQSBatchResponse } | { failed: string };

export interface EventSourceMappingOptions {
  broker: SqsBroker;
  queue: SimQueue;
  batchSize: number;
  concurrency: number;
  region: string;
  invoke: (event: SQSEvent) => Promise<InvocationOutcome>;
  /** Called after each invocation with the messages and receive counts it processed. */
  onInvoked?: (records: SQSRecord[], outcome: InvocationOutcome) => void;
}

export const toSqsRecord = (message: SimMessage, queue: SimQueue, region: string): SQSRecord => ({
  messageId: message.messageId,
  receiptHandle: message.receiptHandle ?? '',
  body: message.body,
  attributes: {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? Date.now()),
  },
  messageAttributes: Object.fromEntries(
    Object.entries(message.attributes).map(([name, attribute]) => [
      name,
      {
        dataType: attribute.DataType,
        ...(attribute.StringValue !== undefined ? { stringValue: attribute.StringValue } : {}),
        ...(attribute.BinaryValue !== undefined ? { binaryValue: attribute.BinaryValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  ),
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: queue.arn,
  awsRegion: region,
});

/** Whether a response is a valid partial batch response for `records` (Lambda fails the whole batch otherwise). */
const validResponse = (response: unknown, records: readonly SQSRecord[]): response is SQSBatchResponse => {
  if (response === null || response === undefined) return true;
  if (typeof response !== 'object') return false;
  const failures = (response as SQSBatchResponse).batchItemFailures;
  if (failures === undefined || failures === null) return true;
  if (!Array.isArray(failures)) return false;
  const ids = new Set(records.map((record) => record.messageId));
  return failures.every((failure) => typeof failure?.itemIdentifier === 'string' && ids.has(failure.itemIdentifier));
};

export class EventSourceMapping {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private stopped = false;

  public constructor(private readonly options: EventSourceMappingOptions) {}

  /** Messages waiting or in flight. */
  public get pending(): number {
    return this.options.queue.messages.length;
  }

  /** No message left and no invocation running. */
  public get idle(): boolean {
    return this.running === 0 && this.options.queue.messages.length === 0;
  }

  /** Schedules a poll soon (batches form from what was sent in the same tick). */
  public wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.poll();
    });
  }

  private poll(): void {
    if (this.stopped) return;
    const { broker, queue } = this.options;
    while (this.running < this.options.concurrency && queue.messages.some((message) => message.visibleAt <= Date.now())) {
      broker.counter.add('ReceiveMessage');
      const messages = broker.receive(queue, this.options.batchSize);
      if (messages.length === 0) continue;
      this.running++;
      const records = messages.map((message) => toSqsRecord(message, queue, this.options.region));
      void this.run(records).finally(() => {
        this.running--;
        this.wake();
      });
    }
    this.armTimer();
  }

  /** Wakes up when the next invisible message becomes visible again. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.options.broker.nextVisibleAt(this.options.queue);
    if (next === undefined || this.stopped) return;
    this.timer = setTimeout(() => this.wake(), Math.max(1, next - Date.now() + 1));
  }

  private async run(records: SQSRecord[]): Promise<void> {
    let outcome: InvocationOutcome;
    try {
      outcome = await this.options.invoke({ Records: records });
    } catch (error) {
      outcome = { failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    if ('response' in outcome && !validResponse(outcome.response, records)) {
      outcome = { failed: 'invalid partial batch response' };
    }
    if ('response' in outcome) {
      const failed = new Set((outcome.response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      const done = records.filter((record) => !failed.has(record.messageId));
      for (let index = 0; index < done.length; index += 10) {
        this.options.broker.counter.add('DeleteMessageBatch');
        for (const record of done.slice(index, index + 10)) this.options.broker.delete(this.options.queue, record.receiptHandle);
      }
    }
    this.options.onInvoked?.(records, outcome);
  }

  public stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
