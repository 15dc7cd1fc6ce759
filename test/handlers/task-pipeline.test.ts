import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeContainerInstancesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NOTIFY_HEADERS } from '../../handlers/constants';
import { handler as taskDiscovery } from '../../handlers/task-discovery';
import { handler as taskNotify } from '../../handlers/task-notify';
import { DLQ_URL, lambdaContext, serviceMessage, sqsEvent, TASK_QUEUE_URL, task, taskArn, taskDefinitionArn, targetsOf } from '../fixtures/tasks';
import { createIdempotencyTable, type LocalDynamoDb, startLocalDynamoDb } from '../support/dynalite';
import { type NotifyListener, startNotifyListener } from '../support/notify-listener';

const ecsMock = mockClient(ECSClient);
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);

let db: LocalDynamoDb;
let app: NotifyListener;
let sidecar: NotifyListener;
let bridged: NotifyListener;

beforeAll(async () => {
  db = await startLocalDynamoDb();
  await createIdempotencyTable(db.endpoint, 'pipeline-idempotency');
  [app, sidecar, bridged] = await Promise.all([startNotifyListener(), startNotifyListener(), startNotifyListener()]);
  Object.assign(process.env, {
    TASK_QUEUE_URL,
    DEAD_LETTER_QUEUE_URL: DLQ_URL,
    IDEMPOTENCY_TABLE_NAME: 'pipeline-idempotency',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    NOTIFY_TIMEOUT_MS: '2000',
  });
});

afterAll(async () => {
  await Promise.all([app.close(), sidecar.close(), bridged.close()]);
  await db.stop();
});

it('a service message becomes one POST per task target, and replaying it notifies nobody twice', async () => {
  // Every address the fixtures report is loopback: the awsvpc task's ENI and the EC2 instance.
  const AWSVPC = taskDefinitionArn('orders', 7);
  const BRIDGE = taskDefinitionArn('orders', 8);
  const tasks = [
    task({ id: 'fargate', definitionArn: AWSVPC, eniIp: '127.0.0.1', containers: [{ name: 'app' }, { name: 'sidecar' }] }),
    task({ id: 'ec2', definitionArn: BRIDGE, containerInstance: 'ci1', containers: [{ name: 'app', bindings: [{ containerPort: 8080, hostPort: bridged.port }] }] }),
  ];
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((item) => item.taskArn!) });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks });
  ecsMock.on(DescribeContainerInstancesCommand).resolves({ containerInstances: [{ containerInstanceArn: tasks[1]!.containerInstanceArn, ec2InstanceId: 'i-1' }] });
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', PrivateIpAddress: '127.0.0.1' }] }] });
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: '' })),
  }));
  sqsMock.on(SendMessageCommand).resolves({});

  const message = serviceMessage(
    [
      targetsOf(AWSVPC, 'awsvpc', [
        { container: 'app', port: app.port, uri: '/notify' },
        { container: 'sidecar', port: sidecar.port, uri: '/sidecar/notify' },
      ]),
      targetsOf(BRIDGE, 'bridge', [{ container: 'app', port: 8080, uri: '/notify' }]),
    ],
    { eventId: 'pipeline-evt-1' },
  );
  expect((await taskDiscovery(sqsEvent([message]), lambdaContext('task-discovery'))).batchItemFailures).toEqual([]);
  const queued = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries!.map((entry) => entry.MessageBody!));
  expect(queued).toHaveLength(3);

  for (let delivery = 0; delivery < 2; delivery++) {
    const response = await taskNotify(sqsEvent(queued, delivery + 1), lambdaContext('task-notify'));
    expect(response.batchItemFailures).toEqual([]);
  }
  expect(app.requests.map((request) => request.headers[NOTIFY_HEADERS.taskArn])).toEqual([taskArn('fargate')]);
  expect(sidecar.requests.map((request) => request.url)).toEqual(['/sidecar/notify']);
  expect(bridged.requests.map((request) => [request.url, request.headers[NOTIFY_HEADERS.taskArn]])).toEqual([['/notify', taskArn('ec2')]]);
  expect(JSON.parse(bridged.requests[0]!.body)).toMatchObject({ eventId: 'pipeline-evt-1', service: 'orders', taskArn: taskArn('ec2') });
  expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
});
