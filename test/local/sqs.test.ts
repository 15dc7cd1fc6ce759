import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CallCounter } from '../../bin/local/aws-error';
import { Ec2Api } from '../../bin/local/ec2-api';
import { EcsApi } from '../../bin/local/ecs-api';
import { AwsFaultInjector, LocalEndpoints } from '../../bin/local/endpoints';
import { EventSourceMapping, type InvocationOutcome } from '../../bin/local/event-source';
import { generateCluster } from '../../bin/local/generate';
import { type SimQueue, SqsBroker } from '../../bin/local/sqs-broker';
import { buildCluster } from '../../bin/local/world';

/**
 * The simulated SQS, driven by the SDK v3 SQS client (AWS JSON 1.0, body MD5 checked by the SDK),
 * and the event source mapping's Lambda semantics.
 */

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let endpoints: LocalEndpoints;
let broker: SqsBroker;
let sqs: SQSClient;
let queue: SimQueue;
let dlq: SimQueue;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  endpoints = await LocalEndpoints.start();
  sqs = new SQSClient({ endpoint: endpoints.sqsUrl, region: 'eu-west-1', credentials, maxAttempts: 1 });
});

beforeEach(() => {
  broker = new SqsBroker(endpoints.sqsUrl, 'eu-west-1');
  dlq = broker.createQueue('work-dlq', 100);
  queue = broker.createQueue('work', 100, { deadLetterQueue: dlq, maxReceiveCount: 2 });
  const cluster = buildCluster(generateCluster({ services: 1, tasksPerService: 1, networkMode: 'awsvpc' }));
  endpoints.detach();
  endpoints.attach({ ecs: new EcsApi(cluster), ec2: new Ec2Api(cluster), sqs: broker, faults: new AwsFaultInjector([]), api: new CallCounter() });
});

afterAll(async () => {
  sqs?.destroy();
  await endpoints?.stop();
});

describe('SQS API', () => {
  it('serves queue URLs on the local endpoint and keeps message attributes', async () => {
    expect(queue.url).toBe(`${endpoints.sqsUrl}/000000000000/work`);
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"a":1}', MessageAttributes: { reason: { DataType: 'String', StringValue: 'why' } } }),
    );
    expect(sent.MessageId).toBeTruthy();
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(received.Messages).toHaveLength(1);
    expect(received.Messages![0]).toMatchObject({ MessageId: sent.MessageId, Body: '{"a":1}', MessageAttributes: { reason: { DataType: 'String', StringValue: 'why' } } });
    expect(received.Messages![0]!.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(broker.counter.snapshot()).toMatchObject({ SendMessage: 1, ReceiveMessage: 1 });
  });

  it('refuses batches of more than 10 entries, duplicate ids and empty bodies', async () => {
    const entries = Array.from({ length: 11 }, (_, index) => ({ Id: String(index), MessageBody: `m${index}` }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }))).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })),
    ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    const partial = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'ok', MessageBody: 'x' }, { Id: 'empty', MessageBody: '' }] }));
    expect(partial.Successful!.map((entry) => entry.Id)).toEqual(['ok']);
    expect(partial.Failed).toEqual([expect.objectContaining({ Id: 'empty', SenderFault: true })]);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${endpoints.sqsUrl}/000000000000/nope`, MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });

  it('refuses a batch over 256 KiB', async () => {
    const big = 'x'.repeat(100_000);
    const entries = [0, 1, 2].map((index) => ({ Id: String(index), MessageBody: big }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }))).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
  });

  it('hides a received message for the visibility timeout, then redelivers it with a higher receive count', async () => {
    broker.enqueue(queue, 'once');
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    expect(first.Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual([]);
    await sleep(120);
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }));
    expect(second.Messages![0]!.Attributes?.ApproximateReceiveCount).toBe('2');
    // The first receipt handle is stale: deleting with it leaves the message.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first.Messages![0]!.ReceiptHandle! }));
    expect(queue.messages).toHaveLength(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: second.Messages![0]!.ReceiptHandle! }));
    expect(queue.messages).toHaveLength(0);
  });

  it('redrives a message to the DLQ once it was received maxReceiveCount times', async () => {
    const message = broker.enqueue(queue, 'poison');
    for (let receive = 0; receive < 2; receive++) {
      expect(broker.receive(queue, 10, 0)).toHaveLength(1);
    }
    expect(broker.receive(queue, 10, 0)).toEqual([]);
    expect(queue.messages).toEqual([]);
    expect(dlq.messages).toEqual([expect.objectContaining({ messageId: message.messageId, body: 'poison', deadLetter: { movedBy: 'redrive', from: 'work', receiveCount: 2 } })]);
  });
});

describe('event source mapping', () => {
  const drainMapping = async (mapping: EventSourceMapping): Promise<void> => {
    mapping.wake();
    for (let waited = 0; !mapping.idle && waited < 5_000; waited += 5) await sleep(5);
    mapping.stop();
  };

  const mappingWith = (invoke: (event: SQSEvent) => Promise<InvocationOutcome>, batchSize = 10) =>
    new EventSourceMapping({ broker, queue, batchSize, concurrency: 1, region: 'eu-west-1', invoke });

  it('deletes the records a partial batch response does not list, and redelivers the failed ones', async () => {
    for (const body of ['a', 'b', 'c']) broker.enqueue(queue, body);
    const batches: string[][] = [];
    const mapping = mappingWith(async (event) => {
      batches.push(event.Records.map((record) => `${record.body}#${record.attributes.ApproximateReceiveCount}`));
      const failures = event.Records.filter((record) => record.body === 'b' && record.attributes.ApproximateReceiveCount === '1');
      const response: SQSBatchResponse = { batchItemFailures: failures.map((record) => ({ itemIdentifier: record.messageId })) };
      return { response };
    });
    await drainMapping(mapping);
    expect(batches).toEqual([['a#1', 'b#1', 'c#1'], ['b#2']]);
    expect(dlq.messages).toEqual([]);
  });

  it('redelivers the whole batch when the invocation fails or answers an invalid response', async () => {
    for (const body of ['a', 'b']) broker.enqueue(queue, body);
    let calls = 0;
    const mapping = mappingWith(async () => {
      calls++;
      if (calls === 1) return { failed: 'crashed' };
      if (calls === 2) return { response: { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } };
      return { response: { batchItemFailures: [] } };
    });
    await drainMapping(mapping);
    // Third receive would exceed maxReceiveCount 2: SQS redrove both before the third call.
    expect(calls).toBe(2);
    expect(dlq.messages.map((message) => message.body).sort()).toEqual(['a', 'b']);
    expect(dlq.messages.every((message) => message.deadLetter?.movedBy === 'redrive')).toBe(true);
  });

  it('invokes with at most batchSize records', async () => {
    for (let index = 0; index < 7; index++) broker.enqueue(queue, `m${index}`);
    const sizes: number[] = [];
    const mapping = mappingWith(async (event) => {
      sizes.push(event.Records.length);
      return { response: { batchItemFailures: [] } };
    }, 3);
    await drainMapping(mapping);
    expect(sizes).toEqual([3, 3, 1]);
    expect(broker.counter.snapshot().DeleteMessageBatch).toBe(3);
  });
});
