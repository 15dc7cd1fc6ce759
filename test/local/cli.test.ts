import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLUSTER_FILE,
  observerQueueUrlFromStack,
  parseReplayArgs,
  replayVerdict,
  sendToObserverQueue,
} from '../../bin/local/cli';
import type { ReplayReport } from '../../bin/local/types';

const cfMock = mockClient(CloudFormationClient);
const sqsMock = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/notifier-observer';

beforeEach(() => {
  cfMock.reset();
  sqsMock.reset();
});

describe('parseReplayArgs', () => {
  it('defaults to the demo cluster, offline', () => {
    expect(parseReplayArgs(['events/observer-original.json'])).toEqual({
      eventFile: 'events/observer-original.json',
      clusterFile: DEFAULT_CLUSTER_FILE,
      expectDlq: false,
      queueUrl: undefined,
      stack: undefined,
      json: false,
      verbose: false,
    });
  });

  it('reads every option', () => {
    expect(parseReplayArgs(['--cluster', 'c.json', 'e.json', '--expect-dlq', '--json', '--verbose'])).toMatchObject({
      eventFile: 'e.json',
      clusterFile: 'c.json',
      expectDlq: true,
      json: true,
      verbose: true,
    });
    expect(parseReplayArgs(['e.json', '--stack', 'Notifier'])).toMatchObject({ stack: 'Notifier' });
    expect(parseReplayArgs(['--help'])).toBe('help');
  });

  it('rejects bad usage with a message', () => {
    expect(() => parseReplayArgs([])).toThrow(/event file is required/);
    expect(() => parseReplayArgs(['e.json', '--queue-url'])).toThrow(/needs a value/);
    expect(() => parseReplayArgs(['e.json', '--queue-url', QUEUE_URL, '--stack', 's'])).toThrow(/not both/);
    expect(() => parseReplayArgs(['e.json', '--frobnicate'])).toThrow(/Unknown option/);
    expect(() => parseReplayArgs(['a.json', 'b.json'])).toThrow(/Only one event file/);
  });
});

describe('deployed queue', () => {
  it('reads the observer queue URL from the stack output', async () => {
    cfMock.on(DescribeStacksCommand, { StackName: 'Notifier' }).resolves({
      Stacks: [
        {
          StackName: 'Notifier',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ServiceQueueUrl', OutputValue: 'https://example/other' },
            { OutputKey: 'ObserverQueueUrl', OutputValue: QUEUE_URL },
          ],
        },
      ],
    });
    await expect(observerQueueUrlFromStack(new CloudFormationClient({}), 'Notifier')).resolves.toBe(QUEUE_URL);
  });

  it('accepts a single CDK-prefixed output and explains a missing one', async () => {
    cfMock.on(DescribeStacksCommand).resolvesOnce({
      Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'NotifierObserverQueueUrlA1B2C3', OutputValue: QUEUE_URL }] }],
    }).resolvesOnce({
      Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'Other', OutputValue: 'x' }] }],
    });
    const cloudFormation = new CloudFormationClient({});
    await expect(observerQueueUrlFromStack(cloudFormation, 's')).resolves.toBe(QUEUE_URL);
    await expect(observerQueueUrlFromStack(cloudFormation, 's')).rejects.toThrow(/no ObserverQueueUrl output \(outputs: Other\)/);
  });

  it('sends the event file content as is and returns the message id', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-123' });
    await expect(sendToObserverQueue(new SQSClient({}), QUEUE_URL, '{"cluster":"demo"}\n')).resolves.toBe('m-123');
    expect(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: QUEUE_URL, MessageBody: '{"cluster":"demo"}\n' });
    await expect(sendToObserverQueue(new SQSClient({}), QUEUE_URL, '')).rejects.toThrow(/empty/);
  });
});

describe('replayVerdict', () => {
  const report = (overrides: Partial<ReplayReport['totals']>, delivered: number[] = [200], events = 1): ReplayReport =>
    ({
      cluster: 'demo',
      observerMessages: 1,
      events: Array.from({ length: events }, (_, index) => ({ eventId: `e${index}`, topic: undefined, source: 'observer', services: ['a'] })),
      services: [
        {
          name: 'a',
          optedIn: true,
          tasks: [{ taskArn: 't', taskId: 't', taskDefinition: 'a:1', networkMode: 'awsvpc', lastStatus: 'RUNNING', fault: undefined, targets: [
            { container: 'app', address: '127.10.0.1:8080', uri: '/n', topics: undefined, expectedEvents: ['e0'], deliveries: delivered.map((status, index) => ({ eventId: 'e0', status, attempt: index + 1, msFromEvent: 5, topic: null, headers: {}, body: {} })) },
          ] }],
        },
      ],
      deadLetters: [],
      missed: [],
      duplicates: [],
      unexpected: [],
      totals: { expected: 1, delivered: 1, missed: 0, duplicates: 0, unexpected: 0, posts: delivered.length, deadLetters: 0, medianMs: 5, maxMs: 5, ...overrides },
      counters: { api: {}, sqs: {}, invocations: { 'service-discovery': 1, 'task-discovery': 1, 'task-notify': 1 } },
    }) as ReplayReport;

  it('passes a clean replay and fails on a miss, a duplicate, a dead letter or an ignored event', () => {
    expect(replayVerdict(report({}), false)).toEqual({ ok: true, problems: [] });
    expect(replayVerdict(report({ missed: 1 }), false).problems).toEqual(['1 opted-in RUNNING target(s) not notified']);
    expect(replayVerdict(report({ duplicates: 1 }), false).ok).toBe(false);
    expect(replayVerdict(report({ deadLetters: 2 }), false).problems[0]).toMatch(/dead-letter.*--expect-dlq/);
    expect(replayVerdict(report({}, [], 0), false).problems).toEqual(['the event reached no service (ignored by service discovery?)']);
  });

  it('with --expect-dlq, passes only when no task was notified', () => {
    expect(replayVerdict(report({ deadLetters: 1, expected: 0, delivered: 0 }, [], 0), true).ok).toBe(true);
    expect(replayVerdict(report({ deadLetters: 1 }, [503]), true).ok).toBe(true);
    expect(replayVerdict(report({}, [200]), true).problems).toEqual(['expected a rejected input, but 1 task(s) were notified']);
  });
});
