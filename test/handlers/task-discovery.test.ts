import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DLQ_REASON_ATTRIBUTE } from '../../handlers/constants';
import { TaskMessageSchema } from '../../handlers/messages';
import { handler, loadTaskDiscoveryConfig } from '../../handlers/task-discovery';
import {
  DLQ_URL,
  lambdaContext,
  serviceMessage,
  TASK_QUEUE_URL,
  task,
  taskArn,
  taskDefinitionArn,
  targetsOf,
} from '../fixtures/tasks';

const ecsMock = mockClient(ECSClient);
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);

const TD1 = taskDefinitionArn('orders', 1);
const APP = { container: 'app', port: 8080, uri: '/notify' };
const ENV = { ...process.env };

beforeEach(() => {
  ecsMock.reset();
  ec2Mock.reset();
  sqsMock.reset();
  process.env.TASK_QUEUE_URL = TASK_QUEUE_URL;
  process.env.DEAD_LETTER_QUEUE_URL = DLQ_URL;
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: `sent-${entry.Id}`, MD5OfMessageBody: '' })),
    Failed: [],
  }));
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

afterEach(() => {
  process.env = { ...ENV };
});

const queuedTaskMessages = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries!.map((entry) => TaskMessageSchema.parse(JSON.parse(entry.MessageBody!))));

const dlqMessages = () =>
  sqsMock.commandCalls(SendMessageCommand).map((call) => ({
    queue: call.args[0].input.QueueUrl,
    body: call.args[0].input.MessageBody,
    reason: call.args[0].input.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue,
  }));

describe('configuration', () => {
  it('reads queue URLs, label overrides and MAX_RECEIVE_COUNT from the given environment', () => {
    expect(
      loadTaskDiscoveryConfig({ TASK_QUEUE_URL: 'q', DEAD_LETTER_QUEUE_URL: 'd', PORT_LABEL: 'P', MAX_RECEIVE_COUNT: '5' }),
    ).toEqual({ taskQueueUrl: 'q', deadLetterQueueUrl: 'd', labels: { port: 'P', uri: 'NOTIFY_ME_API_URI', topics: 'NOTIFY_ME_TOPICS' }, maxReceiveCount: 5 });
    expect(() => loadTaskDiscoveryConfig({ DEAD_LETTER_QUEUE_URL: 'd' })).toThrow(/TASK_QUEUE_URL/);
  });
});

describe('task discovery handler', () => {
  it('queues one TaskMessage per running task target on TASK_QUEUE_URL', async () => {
    const tasks = [
      task({ id: 'a', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] }),
      task({ id: 'b', definitionArn: TD1, containerInstance: 'ci1', containers: [{ name: 'app', bindings: [{ containerPort: 8080, hostPort: 49153 }] }] }),
    ];
    ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((item) => item.taskArn!) });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks, failures: [] });
    ecsMock.on(DescribeContainerInstancesCommand).resolves({ containerInstances: [{ containerInstanceArn: tasks[1]!.containerInstanceArn, ec2InstanceId: 'i-1' }] });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', PrivateIpAddress: '10.0.9.9' }] }] });
    // Task a runs awsvpc, task b bridge: two revisions in the message.
    const TD2 = taskDefinitionArn('orders', 2);
    tasks[1]!.taskDefinitionArn = TD2;
    const message = serviceMessage([targetsOf(TD1, 'awsvpc', [APP]), targetsOf(TD2, 'bridge', [APP])], { topic: 'orders' });

    const response = await handler({ Records: [{ ...sqsRecordOf(message), messageId: 'm-0' }] }, lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).every((call) => call.args[0].input.QueueUrl === TASK_QUEUE_URL)).toBe(true);
    expect(queuedTaskMessages()).toEqual([
      { eventId: 'evt-1', source: 'observer', time: message.time, topic: 'orders', cluster: 'prod', detail: { orderId: 42 }, service: 'orders', container: 'app', taskArn: taskArn('a'), host: '10.0.0.1', port: 8080, uri: '/notify' },
      { eventId: 'evt-1', source: 'observer', time: message.time, topic: 'orders', cluster: 'prod', detail: { orderId: 42 }, service: 'orders', container: 'app', taskArn: taskArn('b'), host: '10.0.9.9', port: 49153, uri: '/notify' },
    ]);
  });

  it('bad service messages go to the DLQ with a reason; their neighbours are processed', async () => {
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn('a')] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task({ id: 'a', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] })] });
    const good = serviceMessage([targetsOf(TD1, 'awsvpc', [APP])]);
    const event = {
      Records: [
        { ...sqsRecordOf(good), messageId: 'good-1' },
        { ...sqsRecordOf(good), body: 'not json', messageId: 'bad-json' },
        { ...sqsRecordOf(good), body: JSON.stringify({ ...good, taskDefinitions: [] }), messageId: 'no-revisions' },
        { ...sqsRecordOf(good), body: JSON.stringify({ ...good, service: 42 }), messageId: 'wrong-type' },
      ],
    };
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(queuedTaskMessages()).toHaveLength(1);
    const dlq = dlqMessages();
    expect(dlq.map((item) => item.queue)).toEqual([DLQ_URL, DLQ_URL, DLQ_URL]);
    expect(dlq.map((item) => item.body)).toEqual(['not json', event.Records[2]!.body, event.Records[3]!.body]);
    expect(dlq[0]!.reason).toMatch(/not JSON/);
    expect(dlq[1]!.reason).toMatch(/taskDefinitions/);
    expect(dlq[2]!.reason).toMatch(/service/);
  });

  it('ECS throttling fails only that record; the next delivery succeeds', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn('a')] });
    ecsMock.on(ListTasksCommand, { serviceName: 'payments' }).rejectsOnce(throttled).resolves({ taskArns: [taskArn('p')] });
    ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: [
        task({ id: 'a', definitionArn: TD1, eniIp: '10.0.0.1', containers: [{ name: 'app' }] }),
        task({ id: 'p', definitionArn: TD1, eniIp: '10.0.0.2', containers: [{ name: 'app' }], group: 'service:payments' }),
      ].filter((item) => input.tasks.includes(item.taskArn!)),
    }));
    const orders = { ...sqsRecordOf(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])])), messageId: 'orders-1' };
    const payments = { ...sqsRecordOf(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])], { service: 'payments' })), messageId: 'payments-1' };

    const first = await handler({ Records: [orders, payments] }, lambdaContext());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'payments-1' }]);
    expect(queuedTaskMessages().map((item) => item.taskArn)).toEqual([taskArn('a')]);
    expect(dlqMessages()).toHaveLength(0);

    sqsMock.resetHistory();
    const redelivery = await handler({ Records: [{ ...payments, attributes: { ...payments.attributes, ApproximateReceiveCount: '2' } }] }, lambdaContext());
    expect(redelivery.batchItemFailures).toEqual([]);
    expect(queuedTaskMessages().map((item) => [item.service, item.taskArn])).toEqual([['payments', taskArn('p')]]);
  });

  it('on the last receive a transient failure is dead-lettered with its reason', async () => {
    process.env.MAX_RECEIVE_COUNT = '3';
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn('a')] });
    ecsMock.on(DescribeTasksCommand).resolves({ failures: [{ arn: taskArn('a'), reason: 'INTERNAL_ERROR' }] });
    const record = { ...sqsRecordOf(serviceMessage([targetsOf(TD1, 'awsvpc', [APP])])), messageId: 'm-9' };
    // A batch whose every record fails is failed as a whole (Powertools' FullBatchFailureError).
    await expect(handler({ Records: [record] }, lambdaContext())).rejects.toThrow(/All records failed/);
    expect(dlqMessages()).toHaveLength(0);
    const last = await handler({ Records: [{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '3' } }] }, lambdaContext());
    expect(last.batchItemFailures).toEqual([]);
    expect(dlqMessages()[0]!.reason).toMatch(/INTERNAL_ERROR/);
  });
});

function sqsRecordOf(body: object) {
  return {
    messageId: 'm',
    receiptHandle: 'r',
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:service-queue',
    awsRegion: 'eu-west-1',
  };
}
