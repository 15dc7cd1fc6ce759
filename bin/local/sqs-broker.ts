import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AwsApiError, CallCounter } from './aws-error';

/**
 * Simulated SQS standard queues with the semantics the pipeline relies on: message attributes,
 * receive counts, visibility timeouts, receipt handles, the 10-entry / 256 KiB batch limits and
 * redrive to a dead-letter queue once a message was received maxReceiveCount times.
 */

export interface SimMessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as the JSON protocol carries it. */
  BinaryValue?: string;
}

export interface SimMessage {
  messageId: string;
  body: string;
  attributes: Record<string, SimMessageAttribute>;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt: number | undefined;
  /** Not receivable before this time (visibility timeout). */
  visibleAt: number;
  /** Current receipt handle; an older one cannot delete the message. */
  receiptHandle: string | undefined;
  /** Set on dead-lettered messages: how they got there. */
  deadLetter?: { movedBy: 'handler' | 'redrive'; from: string; receiveCount: number };
}

export interface SimQueue {
  name: string;
  url: string;
  arn: string;
  messages: SimMessage[];
  visibilityTimeoutMs: number;
  redrive?: { deadLetterQueue: SimQueue; maxReceiveCount: number };
  /** Messages SendMessage put here from another queue's record (a handler's dead-lettering). */
  isDeadLetterQueue: boolean;
}

const MAX_BATCH_ENTRIES = 10;
const MAX_PAYLOAD_BYTES = 262_144;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

const invalid = (code: string, message: string): AwsApiError => new AwsApiError(code, message, 400);

type Input = Record<string, unknown>;

/** The message attributes of a JSON request, validated as SQS does. */
const parseAttributes = (value: unknown): Record<string, SimMessageAttribute> => {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw invalid('InvalidParameterValue', 'MessageAttributes must be a map.');
  const entries = Object.entries(value as Record<string, SimMessageAttribute>);
  if (entries.length > 10) throw invalid('InvalidParameterValue', 'Number of message attributes [11] exceeds the allowed maximum [10].');
  for (const [name, attribute] of entries) {
    if (!attribute?.DataType) throw invalid('InvalidParameterValue', `The message attribute '${name}' must contain a non-empty attribute type.`);
    if (attribute.StringValue === undefined && attribute.BinaryValue === undefined) {
      throw invalid('InvalidParameterValue', `The message attribute '${name}' must contain a non-empty message attribute value.`);
    }
  }
  return Object.fromEntries(entries);
};

const payloadBytes = (body: string, attributes: Record<string, SimMessageAttribute>): number =>
  Buffer.byteLength(body, 'utf8') +
  Object.entries(attributes).reduce(
    (sum, [name, attribute]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType) + Buffer.byteLength(attribute.StringValue ?? attribute.BinaryValue ?? ''),
    0,
  );

/** Characters SQS accepts in a body: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. */
const isValidBody = (body: string): boolean => {
  for (const char of body) {
    const code = char.codePointAt(0)!;
    const ok = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
    if (!ok) return false;
  }
  return true;
};

export class SqsBroker {
  public readonly counter = new CallCounter();
  private readonly queues = new Map<string, SimQueue>();
  private readonly listeners = new Set<() => void>();

  public constructor(
    private readonly baseUrl: string,
    private readonly region: string,
    private readonly accountId = '000000000000',
    /** Called for every message put on a queue (the simulation follows events through the pipeline). */
    private readonly onEnqueue: (queue: SimQueue, message: SimMessage) => void = () => undefined,
  ) {}

  /** Creates a queue (URL `<baseUrl>/<account>/<name>`). */
  public createQueue(name: string, visibilityTimeoutMs: number, redrive?: SimQueue['redrive']): SimQueue {
    const queue: SimQueue = {
      name,
      url: `${this.baseUrl}/${this.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      messages: [],
      visibilityTimeoutMs,
      ...(redrive ? { redrive } : {}),
      isDeadLetterQueue: false,
    };
    if (redrive) redrive.deadLetterQueue.isDeadLetterQueue = true;
    this.queues.set(name, queue);
    return queue;
  }

  /** Called whenever a message becomes available (the pollers wake up). */
  public onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  public queueByUrl(url: string): SimQueue {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw invalid('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    }
    const name = path.split('/').filter(Boolean).at(-1) ?? '';
    const queue = this.queues.get(name);
    if (!queue) throw new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  /** Enqueues a message; `messageId` reuses an id (SQS at-least-once duplicates). */
  public enqueue(queue: SimQueue, body: string, attributes: Record<string, SimMessageAttribute> = {}, messageId?: string): SimMessage {
    const message: SimMessage = {
      messageId: messageId ?? randomUUID(),
      body,
      attributes,
      sentAt: Date.now(),
      receiveCount: 0,
      firstReceiveAt: undefined,
      visibleAt: 0,
      receiptHandle: undefined,
    };
    queue.messages.push(message);
    this.onEnqueue(queue, message);
    this.changed();
    return message;
  }

  /**
   * Receives up to `max` visible messages: each gets a new receipt handle, its receive count
   * goes up and it stays invisible for the visibility timeout. A message already received
   * maxReceiveCount times is moved to the dead-letter queue instead (SQS redrive).
   */
  public receive(queue: SimQueue, max: number, visibilityTimeoutMs = queue.visibilityTimeoutMs): SimMessage[] {
    const now = Date.now();
    const received: SimMessage[] = [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        this.remove(queue, message);
        message.deadLetter = { movedBy: 'redrive', from: queue.name, receiveCount: message.receiveCount };
        queue.redrive.deadLetterQueue.messages.push(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceiveAt ??= now;
      message.visibleAt = now + visibilityTimeoutMs;
      message.receiptHandle = randomBytes(24).toString('base64url');
      received.push(message);
    }
    if (received.length > 0 || queue.redrive) this.changed();
    return received;
  }

  /** Deletes by receipt handle; a stale handle (the message was received again since) deletes nothing. */
  public delete(queue: SimQueue, receiptHandle: string): boolean {
    const message = queue.messages.find((candidate) => candidate.receiptHandle === receiptHandle);
    if (!message) return false;
    this.remove(queue, message);
    this.changed();
    return true;
  }

  private remove(queue: SimQueue, message: SimMessage): void {
    const index = queue.messages.indexOf(message);
    if (index >= 0) queue.messages.splice(index, 1);
  }

  /** Earliest time a currently invisible message becomes visible again. */
  public nextVisibleAt(queue: SimQueue): number | undefined {
    let next: number | undefined;
    for (const message of queue.messages) if (next === undefined || message.visibleAt < next) next = message.visibleAt;
    return next;
  }

  /** Runs one JSON-protocol operation (AmazonSQS.<Operation>). */
  public handle(operation: string, input: Input): Record<string, unknown> {
    switch (operation) {
      case 'SendMessage':
        return this.sendMessage(input);
      case 'SendMessageBatch':
        return this.sendMessageBatch(input);
      case 'ReceiveMessage':
        return this.receiveMessage(input);
      case 'DeleteMessage': {
        this.delete(this.queueByUrl(String(input.QueueUrl)), String(input.ReceiptHandle));
        return {};
      }
      case 'DeleteMessageBatch': {
        const queue = this.queueByUrl(String(input.QueueUrl));
        const entries = (input.Entries as { Id: string; ReceiptHandle: string }[] | undefined) ?? [];
        if (entries.length === 0) throw invalid('AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one DeleteMessageBatchRequestEntry in the request.');
        if (entries.length > MAX_BATCH_ENTRIES) throw invalid('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
        for (const entry of entries) this.delete(queue, entry.ReceiptHandle);
        return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
      }
      case 'ChangeMessageVisibility': {
        const queue = this.queueByUrl(String(input.QueueUrl));
        const message = queue.messages.find((candidate) => candidate.receiptHandle === input.ReceiptHandle);
        if (!message) throw invalid('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
        message.visibleAt = Date.now() + Number(input.VisibilityTimeout) * 1000;
        this.changed();
        return {};
      }
      case 'GetQueueUrl': {
        const queue = this.queues.get(String(input.QueueName));
        if (!queue) throw new AwsApiError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: queue.url };
      }
      case 'GetQueueAttributes': {
        const queue = this.queueByUrl(String(input.QueueUrl));
        const now = Date.now();
        return {
          Attributes: {
            QueueArn: queue.arn,
            ApproximateNumberOfMessages: String(queue.messages.filter((message) => message.visibleAt <= now).length),
            ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((message) => message.visibleAt > now).length),
            VisibilityTimeout: String(Math.ceil(queue.visibilityTimeoutMs / 1000)),
            ...(queue.redrive
              ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queue.redrive.deadLetterQueue.arn, maxReceiveCount: queue.redrive.maxReceiveCount }) }
              : {}),
          },
        };
      }
      default:
        throw invalid('InvalidAction', `The action ${operation} is not valid for this endpoint.`);
    }
  }

  private checkBody(body: unknown): string {
    if (typeof body !== 'string' || body.length === 0) throw invalid('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (!isValidBody(body)) throw invalid('InvalidMessageContents', 'Invalid binary character in the message body.');
    return body;
  }

  private sendMessage(input: Input): Record<string, unknown> {
    const queue = this.queueByUrl(String(input.QueueUrl));
    const body = this.checkBody(input.MessageBody);
    const attributes = parseAttributes(input.MessageAttributes);
    if (payloadBytes(body, attributes) > MAX_PAYLOAD_BYTES) throw invalid('InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    const message = this.enqueue(queue, body, attributes);
    return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
  }

  private sendMessageBatch(input: Input): Record<string, unknown> {
    const queue = this.queueByUrl(String(input.QueueUrl));
    const entries = (input.Entries as Input[] | undefined) ?? [];
    if (entries.length === 0) throw invalid('AWS.SimpleQueueService.EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.');
    if (entries.length > MAX_BATCH_ENTRIES) throw invalid('AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10. You have sent 11.'.replace('11', String(entries.length)));
    const ids = new Set(entries.map((entry) => entry.Id));
    if (ids.size !== entries.length) throw invalid('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    const total = entries.reduce((sum, entry) => sum + payloadBytes(String(entry.MessageBody ?? ''), parseAttributes(entry.MessageAttributes)), 0);
    if (total > MAX_PAYLOAD_BYTES) throw invalid('AWS.SimpleQueueService.BatchRequestTooLong', `Batch requests cannot be longer than 262144 bytes. You have sent ${total} bytes.`);
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const entry of entries) {
      try {
        const body = this.checkBody(entry.MessageBody);
        const message = this.enqueue(queue, body, parseAttributes(entry.MessageAttributes));
        successful.push({ Id: entry.Id, MessageId: message.messageId, MD5OfMessageBody: md5(body) });
      } catch (error) {
        const apiError = error as AwsApiError;
        failed.push({ Id: entry.Id, SenderFault: true, Code: apiError.code, Message: apiError.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private receiveMessage(input: Input): Record<string, unknown> {
    const queue = this.queueByUrl(String(input.QueueUrl));
    const max = Number(input.MaxNumberOfMessages ?? 1);
    if (!Number.isInteger(max) || max < 1 || max > 10) throw invalid('InvalidParameterValue', 'Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
    const visibility = input.VisibilityTimeout === undefined ? undefined : Number(input.VisibilityTimeout) * 1000;
    return { Messages: this.receive(queue, max, visibility).map((message) => toApiMessage(message)) };
  }

  /** Every queue, for the report. */
  public allQueues(): SimQueue[] {
    return [...this.queues.values()];
  }
}

/** A message as ReceiveMessage returns it. */
const toApiMessage = (message: SimMessage): Record<string, unknown> => ({
  MessageId: message.messageId,
  ReceiptHandle: message.receiptHandle,
  MD5OfBody: md5(message.body),
  Body: message.body,
  Attributes: {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt ?? Date.now()),
    SenderId: 'AIDAEXAMPLE',
  },
  ...(Object.keys(message.attributes).length > 0 ? { MessageAttributes: message.attributes } : {}),
});
