import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { chunkForBatch, moveToDeadLetterQueue, sendMessages } from '../../handlers/sqs';
import { PermanentError, TransientError } from '../../handlers/errors';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({});
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';

beforeEach(() => sqsMock.reset());

describe('chunkForBatch', () => {
  it('keeps at most 10 entries a call', () => {
    const chunks = chunkForBatch(Array.from({ length: 23 }, (_, i) => `m${i}`));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it('keeps every call under 256 KiB', () => {
    const big = 'x'.repeat(100_000);
    const chunks = chunkForBatch([big, big, big, 'small']);
    expect(chunks.map((c) => c.length)).toEqual([2, 2]);
    for (const chunk of chunks) expect(chunk.join('').length).toBeLessThanOrEqual(262_144);
  });
});

describe('sendMessages', () => {
  it('retries only the entries SQS failed', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    await expect(sendMessages(sqs, QUEUE, ['a', 'b'], { backoffMs: () => 0 })).resolves.toBe(2);
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries).toEqual([{ Id: '1', MessageBody: 'b' }]);
  });

  it('throws a TransientError when entries keep failing', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(sendMessages(sqs, QUEUE, ['a'], { backoffMs: () => 0 })).rejects.toBeInstanceOf(TransientError);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('throws a PermanentError on a sender fault', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true }] });
    await expect(sendMessages(sqs, QUEUE, ['a'])).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('moveToDeadLetterQueue', () => {
  it('keeps the body and attributes and adds the reason', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    await moveToDeadLetterQueue(
      sqs,
      QUEUE,
      { messageId: 'm-1', body: '{"bad":', messageAttributes: { trace: { dataType: 'String', stringValue: 't-1' } } },
      'body is not JSON',
    );
    const input = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.MessageBody).toBe('{"bad":');
    expect(input.MessageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'body is not JSON' },
      sourceMessageId: { DataType: 'String', StringValue: 'm-1' },
      trace: { DataType: 'String', StringValue: 't-1' },
    });
  });
});
